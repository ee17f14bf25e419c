"""Documents in bulk: a ZIP whose files are named by the obligacion's referencia.

`BA-0000011.pdf`, `BA-0000011_contrato.pdf`, `BA-0000011_factura_2.jpg`: the referencia is the
name up to an underscore (the longest such prefix that is a referencia of the acreedor), the
tipo is the word after it when it is a known tipo (contrato, factura, comprobante, pagare),
otherwise "otro". Each file is attached to that obligacion and its caso.

The import is synchronous, so it is bounded: at most DOCUMENTOS_ZIP_MAX_ARCHIVOS files
(200), each at most DOCUMENTO_MAX_MB (20) once uncompressed, at most DOCUMENTOS_ZIP_MAX_MB
(200) uncompressed in all; the ZIP itself is limited by MAX_CONTENT_LENGTH. Against zip bombs
the declared size is checked before reading and each member is read with a cap (a member
that lies about its size stops at the cap and fails its CRC check). Directories, names with
"..", absolute names and macOS metadata are never used as paths; files are stored by content.
"""

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from flask import current_app
from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.casos.modelos import Obligacion
from agencia.documentos import almacen
from agencia.documentos.almacen import ArchivoInvalido
from agencia.documentos.modelos import TIPOS_DOCUMENTO
from agencia.documentos.servicios import adjuntar
from agencia.extensiones import db

MAXIMO_ARCHIVOS_DEFECTO = 200
MAXIMO_TOTAL_MB_DEFECTO = 200

ESTADOS = {
    "adjuntado": "Adjuntado",
    "ya_existia": "Ya existía",
    "referencia_no_encontrada": "Referencia no encontrada",
    "tipo_no_permitido": "Tipo no permitido",
    "demasiado_grande": "Demasiado grande",
    "vacio": "Archivo vacío",
    "nombre_no_permitido": "Nombre no permitido",
    "danado": "Dañado o cifrado",
    "limite_total": "No procesado (límite del ZIP)",
}


class ZipInvalido(ArchivoInvalido):
    """The ZIP as a whole cannot be processed (not a ZIP, too many files)."""


@dataclass
class ResultadoArchivo:
    nombre: str
    estado: str
    detalle: str = ""
    referencia: str | None = None
    tipo: str | None = None
    documento_id: int | None = None
    caso_id: int | None = None

    @property
    def nombre_estado(self) -> str:
        return ESTADOS.get(self.estado, self.estado)

    @property
    def ok(self) -> bool:
        return self.estado in ("adjuntado", "ya_existia")


@dataclass
class ReporteZip:
    archivo: str
    resultados: list[ResultadoArchivo] = field(default_factory=list)

    def cuenta(self, estado: str) -> int:
        return sum(1 for r in self.resultados if r.estado == estado)

    @property
    def adjuntados(self) -> int:
        return self.cuenta("adjuntado")

    @property
    def rechazados(self) -> int:
        return sum(1 for r in self.resultados if not r.ok)


def _config(nombre: str, defecto: int) -> int:
    return int(current_app.config.get(nombre, defecto))


def _nombre_peligroso(nombre: str) -> bool:
    partes = nombre.replace("\\", "/").split("/")
    return (nombre.startswith(("/", "\\")) or ".." in partes or ":" in partes[0]
            or "\x00" in nombre)


def _ignorado(info: zipfile.ZipInfo) -> bool:
    """Directories and the metadata macOS and Windows add to archives."""
    nombre = info.filename.replace("\\", "/")
    base = nombre.rsplit("/", 1)[-1]
    return (info.is_dir() or nombre.endswith("/") or nombre.startswith("__MACOSX/")
            or base.startswith("._") or base in (".DS_Store", "Thumbs.db", "desktop.ini"))


def _candidatas(raiz: str) -> list[tuple[str, str]]:
    """(referencia, resto) candidates for a file name without extension, longest first:
    `BA-1_factura_2` → (BA-1_factura_2, ''), (BA-1_factura, '2'), (BA-1, 'factura_2')."""
    candidatas = [(raiz, "")]
    posicion = raiz.rfind("_")
    while posicion > 0:
        candidatas.append((raiz[:posicion], raiz[posicion + 1:]))
        posicion = raiz.rfind("_", 0, posicion)
    return candidatas


def _obligaciones(acreedor_id: int, referencias: set[str]) -> dict[str, Obligacion]:
    """Obligaciones of the acreedor by referencia, exact or ignoring case."""
    if not referencias:
        return {}
    encontradas: dict[str, Obligacion] = {}
    lista = sorted(referencias)
    for inicio in range(0, len(lista), 500):
        trozo = lista[inicio:inicio + 500]
        for o in db.session.scalars(select(Obligacion).where(
                Obligacion.acreedor_id == acreedor_id,
                func.lower(Obligacion.referencia).in_([r.lower() for r in trozo]))):
            encontradas.setdefault(o.referencia.lower(), o)
    return encontradas


def _leer_miembro(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limite: int) -> bytes:
    with zf.open(info) as miembro:
        datos = miembro.read(limite + 1)
        if len(datos) <= limite:
            miembro.read(1)  # reaching the end makes zipfile check the CRC
    return datos


def importar_zip(acreedor: Acreedor, contenido, nombre_zip: str, *,
                 usuario_id: int | None = None) -> ReporteZip:
    """Attaches every usable file of the ZIP (bytes or a binary file object); flushes, the
    caller commits. Raises ZipInvalido when the ZIP itself is refused (nothing attached)."""
    reporte = ReporteZip(archivo=almacen.nombre_seguro(nombre_zip) or "documentos.zip")
    origen = io.BytesIO(contenido) if isinstance(contenido, bytes | bytearray) else contenido
    try:
        zf = zipfile.ZipFile(origen)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise ZipInvalido("archivo", f"«{reporte.archivo}» no es un archivo ZIP válido.") from None

    with zf:
        miembros = [i for i in zf.infolist() if not _ignorado(i)]
        maximo = _config("DOCUMENTOS_ZIP_MAX_ARCHIVOS", MAXIMO_ARCHIVOS_DEFECTO)
        if not miembros:
            raise ZipInvalido("archivo", f"El ZIP «{reporte.archivo}» no contiene archivos.")
        if len(miembros) > maximo:
            raise ZipInvalido("archivo", f"El ZIP tiene {len(miembros)} archivos; el máximo es "
                                         f"{maximo}. Divídalo en varios ZIP.")
        limite = almacen.maximo_bytes()
        restante = _config("DOCUMENTOS_ZIP_MAX_MB", MAXIMO_TOTAL_MB_DEFECTO) * 1024 * 1024

        # Names first: which referencias to look up, in one query per 500.
        planes: list[tuple[zipfile.ZipInfo, str, str]] = []
        referencias: set[str] = set()
        for info in miembros:
            nombre = info.filename
            if _nombre_peligroso(nombre):
                reporte.resultados.append(ResultadoArchivo(
                    nombre[:255], "nombre_no_permitido",
                    "El nombre contiene una ruta (.., / inicial o unidad); no se usó."))
                continue
            base = PurePosixPath(nombre.replace("\\", "/")).name
            raiz = base.rsplit(".", 1)[0] if "." in base else base
            planes.append((info, base, raiz))
            referencias.update(r for r, _ in _candidatas(raiz))
        obligaciones = _obligaciones(acreedor.id, referencias)

        for info, base, raiz in planes:
            resultado = ResultadoArchivo(base[:255], "")
            reporte.resultados.append(resultado)
            hallada = next(((obligaciones[r.lower()], resto) for r, resto in _candidatas(raiz)
                            if r.lower() in obligaciones), None)
            if hallada is None:
                resultado.estado = "referencia_no_encontrada"
                resultado.detalle = (f"Ninguna obligación de {acreedor.codigo} tiene la "
                                     f"referencia «{raiz.split('_')[0]}».")
                continue
            obligacion, resto = hallada
            palabra = resto.split("_", 1)[0].lower()
            resultado.referencia = obligacion.referencia
            resultado.tipo = palabra if palabra in TIPOS_DOCUMENTO else "otro"
            resultado.caso_id = obligacion.caso_id
            if info.flag_bits & 0x1:
                resultado.estado, resultado.detalle = "danado", "El archivo está cifrado."
                continue
            if info.file_size > limite:
                resultado.estado = "demasiado_grande"
                resultado.detalle = f"Supera el máximo de {limite // (1024 * 1024)} MB."
                continue
            if restante <= 0:
                resultado.estado = "limite_total"
                resultado.detalle = "El contenido del ZIP supera el total permitido."
                continue
            try:
                datos = _leer_miembro(zf, info, min(limite, restante))
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                    NotImplementedError):
                resultado.estado = "danado"
                resultado.detalle = "No se pudo leer del ZIP (dañado o con tamaño falso)."
                continue
            restante -= len(datos)
            if len(datos) > limite:
                resultado.estado = "demasiado_grande"
                resultado.detalle = f"Supera el máximo de {limite // (1024 * 1024)} MB."
                continue
            if restante < 0:
                resultado.estado = "limite_total"
                resultado.detalle = "El contenido del ZIP supera el total permitido."
                continue
            try:
                archivo = almacen.verificar(datos, base)
            except ArchivoInvalido as error:
                resultado.estado = "vacio" if not datos else "tipo_no_permitido"
                resultado.detalle = error.mensaje
                continue
            documento, nuevo = adjuntar(obligacion.caso, archivo, resultado.tipo,
                                        obligacion_id=obligacion.id, origen="zip",
                                        usuario_id=usuario_id)
            resultado.estado = "adjuntado" if nuevo else "ya_existia"
            resultado.documento_id = documento.id
    return reporte
