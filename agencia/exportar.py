"""Helpers for files people download and open in a spreadsheet."""

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets
# (CSV injection, OWASP): `=HYPERLINK(...)` copied from an uploaded file would become a link.
_INICIO_DE_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def celda_segura(valor) -> str:
    """The text of a CSV cell, neutralised: a leading apostrophe before a formula start."""
    texto = "" if valor is None else str(valor)
    return "'" + texto if texto.startswith(_INICIO_DE_FORMULA) else texto
