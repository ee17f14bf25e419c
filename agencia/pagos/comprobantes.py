"""Proof of payment (comprobante): a PDF, JPEG or PNG kept outside the database.

The type is decided by the file's first bytes, not by its name: a file whose content is not
one of the three, or whose name claims another type, is refused. Files are stored by content
under ALMACEN_ARCHIVOS/comprobantes/<acreedor_id>/<sha256>.<ext> (the same file uploaded
twice is one file), written atomically; the Pago keeps the path, name, type, SHA-256 and size.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import current_app

from agencia.pagos.modelos import Pago

MAXIMO_MB_DEFECTO = 10
# extension -> (magic bytes, MIME type)
TIPOS = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}
EXTENSIONES = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class ArchivoComprobante:
    nombre: str
    extension: str
    tipo: str
    datos: bytes
    sha256: str

    @property
    def tamano(self) -> int:
        return len(self.datos)


def maximo_bytes() -> int:
    return int(current_app.config.get("PAGO_COMPROBANTE_MAX_MB", MAXIMO_MB_DEFECTO)) * 1024 * 1024


def leer(archivo) -> ArchivoComprobante | None:
    """Checks an uploaded file (FileStorage, or an ArchivoComprobante already checked);
    None when no file was sent. Raises PagoInvalido("comprobante", ...)."""
    from agencia.pagos.servicios import PagoInvalido

    if archivo is None or isinstance(archivo, ArchivoComprobante):
        return archivo
    nombre = PurePath((getattr(archivo, "filename", None) or "").replace("\\", "/")).name
    if not nombre:
        return None
    limite = maximo_bytes()
    datos = archivo.read(limite + 1)
    if not datos:
        raise PagoInvalido("comprobante", "El comprobante está vacío.")
    if len(datos) > limite:
        raise PagoInvalido("comprobante", f"El comprobante supera el máximo de "
                                          f"{limite // (1024 * 1024)} MB.")
    extension = next((ext for ext, (magia, _) in TIPOS.items() if datos.startswith(magia)), None)
    if extension is None:
        raise PagoInvalido("comprobante", "El comprobante debe ser un PDF, JPEG o PNG; el "
                                          "contenido de este archivo no es ninguno de ellos.")
    declarada = EXTENSIONES.get(nombre.rsplit(".", 1)[-1].lower() if "." in nombre else "")
    if declarada != extension:
        raise PagoInvalido("comprobante", f"El nombre «{nombre}» no corresponde a su contenido "
                                          f"({extension.upper()}): use .pdf, .jpg o .png según "
                                          "el tipo real del archivo.")
    return ArchivoComprobante(nombre=nombre[:255], extension=extension,
                              tipo=TIPOS[extension][1], datos=datos,
                              sha256=hashlib.sha256(datos).hexdigest())


def relativa(acreedor_id: int, archivo: ArchivoComprobante) -> str:
    return f"comprobantes/{acreedor_id}/{archivo.sha256}.{archivo.extension}"


def ruta(pago: Pago) -> Path | None:
    if not pago.comprobante:
        return None
    return Path(current_app.config["ALMACEN_ARCHIVOS"]) / pago.comprobante


def guardar(pago: Pago, archivo: ArchivoComprobante) -> None:
    """Writes the file (once per content) and fills the pago's comprobante fields."""
    destino = Path(current_app.config["ALMACEN_ARCHIVOS"]) / relativa(pago.acreedor_id, archivo)
    if not destino.exists():
        destino.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporal = tempfile.mkstemp(dir=destino.parent, prefix=".subiendo-")
        try:
            with os.fdopen(descriptor, "wb") as salida:
                salida.write(archivo.datos)
            os.replace(temporal, destino)
        except BaseException:
            Path(temporal).unlink(missing_ok=True)
            raise
    pago.comprobante = relativa(pago.acreedor_id, archivo)
    pago.comprobante_nombre = archivo.nombre
    pago.comprobante_tipo = archivo.tipo
    pago.comprobante_sha256 = archivo.sha256
    pago.comprobante_tamano = archivo.tamano
