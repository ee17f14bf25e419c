"""Reading a placement file (DISENO §5) into numbered rows keyed by normalised column names.

CSV in UTF-8 (with or without BOM) or Windows-1252, `,` or `;` separated, or XLSX. An XLSX
must hold the cartera in one sheet: empty sheets are ignored, and a workbook with data in
several sheets is refused, naming them (reading "the first one" silently could import the
wrong sheet). Problems with the file as a whole raise `ErrorImportacion`; problems with one row
are left to the validation, which reports them by line and column.
"""

import csv
import hashlib
import io
import re
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
# Other names creditors give the columns (already normalised: lowercase, no accents, `_`).
ALIAS = {
    "numero_documento": ("documento", "cedula", "numero_cedula", "nit", "rut", "dni", "rfc",
                         "identificacion", "numero_identificacion", "no_documento",
                         "nro_documento", "num_documento", "numero_de_documento",
                         "documento_identidad", "cc", "id_deudor"),
    "tipo_documento": ("tipo_doc", "tipo_identificacion", "tipo_de_documento",
                       "tipo_de_identificacion"),
    "nombre": ("nombres", "nombre_completo", "nombre_deudor", "razon_social", "deudor",
               "cliente", "nombre_cliente", "titular"),
    "referencia": ("ref", "numero_obligacion", "obligacion", "no_obligacion", "nro_obligacion",
                   "numero_credito", "credito", "numero_cuenta", "cuenta", "pagare"),
    "fecha_vencimiento": ("vence", "vencimiento", "fecha_vence", "fecha_de_vencimiento",
                          "fecha_limite", "fecha_limite_pago"),
    "capital": ("valor", "saldo_capital", "valor_capital", "monto", "capital_adeudado",
                "valor_deuda", "deuda"),
    "intereses": ("interes", "intereses_mora", "interes_mora", "intereses_de_mora",
                  "saldo_intereses"),
    "gastos": ("gastos_cobranza", "gastos_de_cobranza", "costas", "otros_cargos"),
    "telefono": ("telefonos", "celular", "celulares", "movil", "tel", "telefono_celular",
                 "numero_telefono"),
    "email": ("correo", "correo_electronico", "e_mail", "mail", "emails", "correos"),
    "direccion": ("direccion_residencia", "domicilio", "direccion_domicilio"),
    "ciudad": ("municipio", "ciudad_residencia"),
    "numero_factura": ("factura", "no_factura", "nro_factura", "num_factura"),
    "producto": ("tipo_producto", "linea_producto"),
    "moneda": ("divisa",),
}
_COLUMNA_DE = {alias: columna for columna, nombres in ALIAS.items() for alias in nombres}
_ZIP = b"PK\x03\x04"
# Formats people upload by mistake, recognised by their first bytes.
_OTROS_FORMATOS = (
    (b"\xd0\xcf\x11\xe0", "Excel 97-2003 (.xls)", "guárdelo como .xlsx o como CSV"),
    (b"%PDF", "PDF", "suba la cartera como CSV o XLSX"),
    (b"\xff\xfe", "texto UTF-16", "guárdelo como CSV UTF-8"),
    (b"\xfe\xff", "texto UTF-16", "guárdelo como CSV UTF-8"),
)


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


def columna_de_encabezado(texto: str) -> str:
    """The column a header names: `Cédula` → `numero_documento`, `No. Factura` →
    `numero_factura`, `Vence` → `fecha_vencimiento`; an unknown header stays normalised."""
    normal = normalizar_encabezado(texto)
    if normal in COLUMNAS:
        return normal
    limpio = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", normal)).strip("_")
    if limpio in COLUMNAS:
        return limpio
    return _COLUMNA_DE.get(limpio, normal)


def _decodificar(contenido: bytes) -> str:
    for firma, formato, remedio in _OTROS_FORMATOS:
        if contenido.startswith(firma):
            raise ErrorImportacion(f"El archivo es {formato}, que no se puede importar: {remedio}.")
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
    if hasattr(valor, "text"):  # an array formula: its text (`=...`)
        return str(valor.text)
    if isinstance(valor, float):
        # Spreadsheet numbers arrive as float: written back as text, parsed as Decimal later.
        return str(int(valor)) if valor.is_integer() else repr(valor)
    return str(valor)


def _tiene_datos(hoja) -> bool:
    return any(any(v not in (None, "") for v in fila) for fila in hoja.iter_rows(values_only=True))


def _hoja_de_la_cartera(libro):
    """The one sheet with data; several sheets with data are refused, naming them."""
    con_datos = [hoja for hoja in libro.worksheets if _tiene_datos(hoja)]
    if len(con_datos) > 1:
        nombres = ", ".join(f"«{hoja.title}»" for hoja in con_datos)
        raise ErrorImportacion(
            f"El libro tiene {len(con_datos)} hojas con datos ({nombres}): la cartera debe ir "
            "en una sola hoja. Borre las demás hojas o guarde la hoja de la cartera como CSV."
        )
    return con_datos[0] if con_datos else libro.worksheets[0]


def _filas_xlsx(contenido: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        # Formulas are read as formulas (`=...`), so validation can refuse them by name.
        libro = load_workbook(io.BytesIO(contenido), read_only=True, data_only=False)
        try:
            hoja = _hoja_de_la_cartera(libro)
            filas = [(numero, [_celda_xlsx(v) for v in valores])
                     for numero, valores in enumerate(hoja.iter_rows(values_only=True), start=1)]
        finally:
            libro.close()
    except ErrorImportacion:
        raise
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
    columnas = [columna_de_encabezado(c) for c in encabezado[1]]
    repetidas = sorted({c for c in columnas if c and columnas.count(c) > 1})
    if repetidas:
        raise ErrorImportacion(
            "Columnas repetidas en el encabezado: " + ", ".join(f"«{c}»" for c in repetidas) + "."
        )
    faltan = [c for c in COLUMNAS_OBLIGATORIAS if c not in columnas]
    if faltan and any(";" in c or "," in c for c in encabezado[1]):
        raise ErrorImportacion(
            "El encabezado mezcla los separadores «;» y «,»: use uno solo en todo el archivo.")
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
