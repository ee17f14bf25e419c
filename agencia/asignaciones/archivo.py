"""Reading a placement file (DISENO §5) into numbered rows keyed by normalised column names.

CSV in UTF-8 (with or without BOM) or Windows-1252, `,` or `;` separated, or XLSX (first sheet).
Problems with the file as a whole raise `ErrorImportacion`; problems with one row are left to
the validation, which reports them by line and column.
"""

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from agencia.asignaciones.lectura import normalizar_encabezado

COLUMNAS_OBLIGATORIAS = ("referencia", "numero_documento", "nombre", "fecha_vencimiento", "capital")
COLUMNAS_OPCIONALES = (
    "tipo_documento", "email", "telefono", "direccion", "ciudad", "numero_factura",
    "intereses", "gastos", "moneda", "producto",
)
COLUMNAS = COLUMNAS_OBLIGATORIAS + COLUMNAS_OPCIONALES
_ZIP = b"PK\x03\x04"


class ErrorImportacion(Exception):
    """The file cannot be imported at all; the message says why, in Spanish."""


@dataclass
class Tabla:
    """The rows of a file: (line number in the file, {column: text}); the header is line 1."""

    columnas: list[str]
    filas: list[tuple[int, dict[str, str]]]
    ignoradas: list[str] = field(default_factory=list)


def suma_de_control(contenido: bytes) -> str:
    """The SHA-256 that identifies a file: the same file placed twice is the same lote."""
    return hashlib.sha256(contenido).hexdigest()


def _decodificar(contenido: bytes) -> str:
    if b"\x00" in contenido[:4096]:
        raise ErrorImportacion(
            "El archivo no es un CSV de texto ni un XLSX: no se pudo leer su contenido."
        )
    try:
        return contenido.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return contenido.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ErrorImportacion(
            "No se pudo leer el archivo: guárdelo como CSV en UTF-8 o Windows-1252."
        ) from error


def _separador(texto: str) -> str:
    """`;` (what Excel writes in Spanish locales) or `,`, decided by the header line."""
    primera = texto.lstrip("\r\n").split("\n", 1)[0]
    return ";" if primera.count(";") > primera.count(",") else ","


def _filas_csv(texto: str) -> Iterator[tuple[int, list[str]]]:
    lector = csv.reader(io.StringIO(texto, newline=""), delimiter=_separador(texto))
    fin_anterior = 0
    for celdas in lector:
        # A quoted cell may span lines: a row is numbered by the line where it starts.
        yield fin_anterior + 1, celdas
        fin_anterior = lector.line_num


def _celda_xlsx(valor) -> str:
    if valor is None:
        return ""
    if isinstance(valor, datetime | date):
        return valor.strftime("%Y-%m-%d")
    if isinstance(valor, float):
        # Spreadsheet numbers arrive as float: written back as text, parsed as Decimal later.
        return str(int(valor)) if valor.is_integer() else repr(valor)
    return str(valor)


def _filas_xlsx(contenido: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        libro = load_workbook(io.BytesIO(contenido), read_only=True, data_only=True)
        try:
            hoja = libro.worksheets[0]
            filas = [(numero, [_celda_xlsx(v) for v in valores])
                     for numero, valores in enumerate(hoja.iter_rows(values_only=True), start=1)]
        finally:
            libro.close()
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ErrorImportacion("No se pudo leer el archivo XLSX: está dañado o no es XLSX.") from error
    return filas


def leer_contenido(contenido: bytes) -> Tabla:
    """Decodes and splits a placement file; raises ErrorImportacion for whole-file problems."""
    if not contenido.strip():
        raise ErrorImportacion("El archivo está vacío.")
    try:
        if contenido.startswith(_ZIP):
            filas = _filas_xlsx(contenido)
        else:
            filas = list(_filas_csv(_decodificar(contenido)))
    except csv.Error as error:
        raise ErrorImportacion(f"El archivo CSV está mal formado: {error}.") from error
    filas = iter([(n, c) for n, c in filas if any(v.strip() for v in c)])  # skip blank lines

    encabezado = next(filas, None)
    if encabezado is None:
        raise ErrorImportacion("El archivo está vacío.")
    columnas = [normalizar_encabezado(c) for c in encabezado[1]]
    repetidas = sorted({c for c in columnas if c and columnas.count(c) > 1})
    if repetidas:
        raise ErrorImportacion(
            "Columnas repetidas en el encabezado: " + ", ".join(f"«{c}»" for c in repetidas) + "."
        )
    faltan = [c for c in COLUMNAS_OBLIGATORIAS if c not in columnas]
    if len(faltan) == 1:
        raise ErrorImportacion(f"Falta la columna obligatoria «{faltan[0]}».")
    if faltan:
        raise ErrorImportacion(
            "Faltan las columnas obligatorias " + ", ".join(f"«{c}»" for c in faltan) + "."
        )

    tabla = Tabla(columnas=[c for c in columnas if c in COLUMNAS], filas=[],
                  ignoradas=[c for c in columnas if c and c not in COLUMNAS])
    for numero, celdas in filas:
        datos = {
            columna: celdas[i].strip() if i < len(celdas) else ""
            for i, columna in enumerate(columnas) if columna in COLUMNAS
        }
        tabla.filas.append((numero, datos))
    if not tabla.filas:
        raise ErrorImportacion("El archivo solo tiene el encabezado: no hay filas para importar.")
    return tabla
