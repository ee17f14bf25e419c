"""Where document files live: ALMACEN_ARCHIVOS/documentos/<acreedor_id>/<sha256>.<ext>.

A file is accepted when its first bytes are those of a PDF, a JPEG or a PNG (the name is not
trusted: an .exe renamed .pdf is refused) and it is not larger than DOCUMENTO_MAX_MB (20 by
default). Files are stored by content, so the same bytes are written once per acreedor, and
atomically (a temporary file renamed into place): a reader never sees half a file.
"""

import hashlib
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import current_app

from agencia.errores import EntradaInvalida

MAXIMO_MB_DEFECTO = 20
# extension -> (magic bytes, MIME type)
TIPOS = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}
MAXIMO_NOMBRE = 255


class ArchivoInvalido(EntradaInvalida):
    """A file that cannot be stored (empty, too big, not a PDF/JPEG/PNG)."""


@dataclass(frozen=True)
class ArchivoLeido:
    """A checked file, ready to be stored."""

    nombre: str
    extension: str
    tipo_contenido: str
    datos: bytes
    sha256: str

    @property
    def tamano(self) -> int:
        return len(self.datos)


def maximo_bytes() -> int:
    return int(current_app.config.get("DOCUMENTO_MAX_MB", MAXIMO_MB_DEFECTO)) * 1024 * 1024


def nombre_seguro(nombre: str | None) -> str:
    """The last part of a client-supplied name (no folders), at most 255 characters."""
    base = PurePath((nombre or "").replace("\\", "/")).name.strip()
    if len(base) > MAXIMO_NOMBRE:
        raiz, punto, ext = base.rpartition(".")
        base = (raiz[: MAXIMO_NOMBRE - len(ext) - 1] + punto + ext) if punto and len(ext) < 10 \
            else base[:MAXIMO_NOMBRE]
    return base


def tipo_por_contenido(datos: bytes) -> str | None:
    """The extension matching the file's first bytes, or None."""
    return next((ext for ext, (magia, _) in TIPOS.items() if datos.startswith(magia)), None)


def _mb(limite: int) -> str:
    return f"{limite / (1024 * 1024):g} MB"


def verificar(datos: bytes, nombre: str, campo: str = "archivo", *,
              limite: int | None = None) -> ArchivoLeido:
    """Checks bytes already read (against `limite` bytes, DOCUMENTO_MAX_MB by default);
    raises ArchivoInvalido(campo, ...) in Spanish."""
    nombre = nombre_seguro(nombre) or "documento"
    limite = limite or maximo_bytes()
    if not datos:
        raise ArchivoInvalido(campo, f"El archivo «{nombre}» está vacío.")
    if len(datos) > limite:
        raise ArchivoInvalido(campo, f"El archivo «{nombre}» supera el máximo de {_mb(limite)}.")
    extension = tipo_por_contenido(datos)
    if extension is None:
        raise ArchivoInvalido(campo, f"El archivo «{nombre}» no es un PDF, JPEG ni PNG (se "
                                     "revisa su contenido, no su nombre).")
    return ArchivoLeido(nombre=nombre, extension=extension, tipo_contenido=TIPOS[extension][1],
                        datos=datos, sha256=hashlib.sha256(datos).hexdigest())


def leer_subido(archivo, campo: str = "archivo", *, limite: int | None = None) -> ArchivoLeido:
    """Reads an uploaded file (werkzeug FileStorage) with a cap, then checks it."""
    nombre = nombre_seguro(getattr(archivo, "filename", None)) if archivo is not None else ""
    if not nombre:
        raise ArchivoInvalido(campo, "Elija un archivo para subir.")
    limite = limite or maximo_bytes()
    datos = archivo.read(limite + 1)
    return verificar(datos, nombre, campo, limite=limite)


def relativa(acreedor_id: int, archivo: ArchivoLeido, carpeta: str = "documentos") -> str:
    return f"{carpeta}/{int(acreedor_id)}/{archivo.sha256}.{archivo.extension}"


def raiz() -> Path:
    return Path(current_app.config["ALMACEN_ARCHIVOS"])


def ruta_absoluta(relativa_: str) -> Path | None:
    """The stored file for a relative path kept in the database; None if it would leave the
    store (a tampered row) or is missing."""
    base = raiz().resolve()
    ruta = (base / relativa_).resolve()
    if base not in ruta.parents or not ruta.is_file():
        return None
    return ruta


def guardar(acreedor_id: int, archivo: ArchivoLeido, carpeta: str = "documentos") -> str:
    """Writes the file once per content (atomically) under `carpeta` and returns its
    relative path."""
    destino_rel = relativa(acreedor_id, archivo, carpeta)
    destino = raiz() / destino_rel
    if destino.is_file() and destino.stat().st_size == archivo.tamano:
        return destino_rel
    escribir_archivos([(destino, archivo.datos)])
    return destino_rel


def _fsync(ruta: str) -> None:
    descriptor = os.open(ruta, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# One writer at a time in this process: threads creating and renaming files in the same
# directory at once contend in the kernel (the directory's lock) and burn CPU spinning.
_ESCRITURA = threading.Lock()


def escribir_archivos(pares: list[tuple[Path, bytes]]) -> None:
    """Writes each file to a temporary file beside it, flushes them to disk, then renames
    each into place: a reader never sees part of a file, and a renamed file has its bytes.
    The flushes run in threads (they wait on the disk, not on the CPU): hundreds of files
    (a chunk of letters) cost about one disk flush."""
    temporales: list[str] = []
    try:
        with _ESCRITURA:
            carpetas: set[Path] = set()
            for ruta, datos in pares:
                if ruta.parent not in carpetas:
                    ruta.parent.mkdir(parents=True, exist_ok=True)
                    carpetas.add(ruta.parent)
                descriptor, temporal = tempfile.mkstemp(
                    dir=ruta.parent, prefix=f".{ruta.stem}-", suffix=".tmp")
                temporales.append(temporal)
                with os.fdopen(descriptor, "wb") as salida:
                    salida.write(datos)
        if len(temporales) == 1:
            _fsync(temporales[0])
        else:
            with ThreadPoolExecutor(max_workers=min(16, len(temporales))) as hilos:
                list(hilos.map(_fsync, temporales))
        with _ESCRITURA:
            for (ruta, _), temporal in zip(pares, temporales, strict=True):
                os.replace(temporal, ruta)
        temporales = []
    finally:
        for temporal in temporales:
            Path(temporal).unlink(missing_ok=True)
