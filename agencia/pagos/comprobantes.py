"""Proof of payment (comprobante): a PDF, JPEG or PNG kept outside the database.

Checked and stored by the document store (agencia.documentos.almacen: type by the first
bytes, size limit, one file per content, atomic write) under
ALMACEN_ARCHIVOS/comprobantes/<acreedor_id>/<sha256>.<ext>, with PAGO_COMPROBANTE_MAX_MB as
the limit. A proof must also be named for what it is: a PNG called "recibo.pdf" is refused.
The Pago keeps the path, name, type, SHA-256 and size.
"""

from pathlib import Path

from flask import current_app

from agencia.documentos import almacen
from agencia.documentos.almacen import ArchivoLeido
from agencia.pagos.modelos import Pago

CARPETA = "comprobantes"
MAXIMO_MB_DEFECTO = 10
EXTENSIONES = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png"}


def maximo_bytes() -> int:
    return int(current_app.config.get("PAGO_COMPROBANTE_MAX_MB", MAXIMO_MB_DEFECTO)) * 1024 * 1024


def leer(archivo) -> ArchivoLeido | None:
    """Checks an uploaded file (FileStorage, or an ArchivoLeido already checked); None when
    no file was sent. Raises PagoInvalido("comprobante", ...)."""
    from agencia.pagos.servicios import PagoInvalido

    if archivo is None or isinstance(archivo, ArchivoLeido):
        return archivo
    if not almacen.nombre_seguro(getattr(archivo, "filename", None)):
        return None
    try:
        leido = almacen.leer_subido(archivo, "comprobante", limite=maximo_bytes())
    except almacen.ArchivoInvalido as error:
        raise PagoInvalido("comprobante", error.mensaje.replace("El archivo", "El comprobante",
                                                                 1)) from error
    nombre = leido.nombre
    declarada = EXTENSIONES.get(nombre.rsplit(".", 1)[-1].lower() if "." in nombre else "")
    if declarada != leido.extension:
        raise PagoInvalido("comprobante", f"El nombre «{nombre}» no corresponde a su contenido "
                                          f"({leido.extension.upper()}): use .pdf, .jpg o .png "
                                          "según el tipo real del archivo.")
    return leido


def ruta(pago: Pago) -> Path | None:
    """The stored proof (None if none, missing, or a path outside the store)."""
    return almacen.ruta_absoluta(pago.comprobante) if pago.comprobante else None


def guardar(pago: Pago, archivo: ArchivoLeido) -> None:
    """Writes the file (once per content) and fills the pago's comprobante fields."""
    pago.comprobante = almacen.guardar(pago.acreedor_id, archivo, CARPETA)
    pago.comprobante_nombre = archivo.nombre
    pago.comprobante_tipo = archivo.tipo_contenido
    pago.comprobante_sha256 = archivo.sha256
    pago.comprobante_tamano = archivo.tamano
