"""Reading a recall file: CSV (UTF-8 or Windows-1252, `,` or `;`) or XLSX with a column
`referencia` (or one of its aliases: `ref`, `numero_obligacion`, `credito`…). Other columns
are ignored; blank lines are skipped. Problems raise DevolucionInvalida naming the line."""

import csv
import io

from agencia.asignaciones.archivo import columna_de_encabezado
from agencia.devoluciones.servicios import MAXIMO_LINEAS, DevolucionInvalida

_ZIP = b"PK\x03\x04"


def _texto(contenido: bytes) -> str:
    if b"\x00" in contenido[:4096]:
        raise DevolucionInvalida("archivo", "El archivo no es un CSV de texto ni un XLSX.")
    for codificacion in ("utf-8-sig", "cp1252"):
        try:
            return contenido.decode(codificacion)
        except UnicodeDecodeError:
            continue
    raise DevolucionInvalida("archivo", "No se pudo leer el archivo: guárdelo como CSV en UTF-8.")


def _filas_csv(contenido: bytes) -> list[list[str]]:
    texto = _texto(contenido)
    primera = texto.lstrip("\r\n").split("\n", 1)[0]
    separador = ";" if primera.count(";") > primera.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(texto, newline=""), delimiter=separador))
    except csv.Error as error:
        raise DevolucionInvalida("archivo", f"El archivo CSV está mal formado: {error}.") \
            from error


def _filas_xlsx(contenido: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        libro = load_workbook(io.BytesIO(contenido), read_only=True, data_only=True)
        try:
            return [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                           else str(v)) for v in fila]
                    for fila in libro.worksheets[0].iter_rows(values_only=True)]
        finally:
            libro.close()
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise DevolucionInvalida("archivo", "No se pudo leer el archivo XLSX: está dañado o no "
                                            "es XLSX.") from error


def leer_referencias(contenido: bytes) -> list[str]:
    """The referencias of the file, in order (header excluded)."""
    if not contenido.strip():
        raise DevolucionInvalida("archivo", "El archivo está vacío.")
    filas = _filas_xlsx(contenido) if contenido.startswith(_ZIP) else _filas_csv(contenido)
    numeradas = [(n, f) for n, f in enumerate(filas, start=1) if any(c.strip() for c in f)]
    if not numeradas:
        raise DevolucionInvalida("archivo", "El archivo está vacío.")
    columnas = [columna_de_encabezado(c) for c in numeradas[0][1]]
    if "referencia" not in columnas:
        raise DevolucionInvalida(
            "archivo", "Falta la columna «referencia» en la primera línea del archivo (una "
                       "referencia por línea debajo de ella).")
    indice = columnas.index("referencia")
    if len(numeradas) - 1 > MAXIMO_LINEAS:
        raise DevolucionInvalida(
            "archivo", f"El archivo tiene {len(numeradas) - 1} líneas; el máximo por devolución "
                       f"es {MAXIMO_LINEAS}. Divídalo en partes.")
    referencias = []
    for numero, celdas in numeradas[1:]:
        valor = celdas[indice].strip() if indice < len(celdas) else ""
        if not valor:
            raise DevolucionInvalida(
                "archivo", f"Línea {numero}, columna «referencia»: está vacía.")
        referencias.append(valor)
    if not referencias:
        raise DevolucionInvalida("archivo", "El archivo solo tiene el encabezado: no hay "
                                            "referencias para devolver.")
    return referencias
