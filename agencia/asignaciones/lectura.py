"""Parsers for the values of a placement file: amounts, dates, documents, phones, emails.

Each parser takes the cell text and returns a clean value or raises `ValorInvalido` with the
reason in Spanish, ready for the import report ("monto no válido «12,3,4»").
"""

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

CENTAVOS = Decimal("0.01")
# Dinero is Numeric(14, 2): twelve digits before the decimal point.
MONTO_MAXIMO = Decimal("999999999999.99")

# Country calling code and length of a national number, to write phones in E.164.
TELEFONIA = {"CO": ("57", 10), "CL": ("56", 9), "PE": ("51", 9), "MX": ("52", 10), "US": ("1", 10)}

_ESPACIOS = re.compile(r"[\s\u00a0\u202f]+")
_FECHA_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_FECHA_LATINA = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOCUMENTO = re.compile(r"^[0-9A-Z][0-9A-Z-]*$")
# The common plain forms, parsed without the general rules: `1234567.89`, `150000`, `2024-03-31`.
_MONTO_SIMPLE = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
_FECHA_SIMPLE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class ValorInvalido(ValueError):
    """A cell whose value cannot be used; the message is the reason shown to the user."""


def normalizar_encabezado(texto: str) -> str:
    """`  Número Documento ` → `numero_documento`: lowercase, no accents, spaces → `_`."""
    texto = unicodedata.normalize("NFKD", texto.strip().lstrip("\ufeff").lower())
    texto = "".join(c for c in texto if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", texto.strip())


def _grupos_de_miles(partes: list[str]) -> bool:
    """`1.234.567` split on the separator: the first group 1–3 digits, the rest exactly 3."""
    return 1 <= len(partes[0]) <= 3 and all(len(p) == 3 for p in partes[1:])


def leer_monto(texto: str) -> Decimal:
    """`1234567.89`, `1.234.567,89`, `1,234,567.89`, `$ 150.000` → Decimal with 2 places.

    With both separators, the last one is the decimal point. With only one kind: repeated, it
    groups thousands; once, followed by exactly three digits, it also groups thousands
    (`150.000` is a hundred and fifty thousand pesos); followed by one or two digits it is
    the decimal point. Negative amounts are refused.
    """
    original = texto.strip()
    if _MONTO_SIMPLE.fullmatch(original):  # same result as below, without the detours
        return Decimal(original).quantize(CENTAVOS)
    limpio = _ESPACIOS.sub("", original).replace("$", "")
    if limpio.startswith("-") or (limpio.startswith("(") and limpio.endswith(")")):
        raise ValorInvalido(f"monto negativo «{original}»")
    if limpio.startswith("+"):
        limpio = limpio[1:]
    if not limpio or not re.fullmatch(r"[0-9.,]+", limpio) or not limpio[0].isdigit():
        raise ValorInvalido(f"monto no válido «{original}»")

    entero, decimales = limpio, ""
    if "." in limpio and "," in limpio:
        decimal_sep = "." if limpio.rfind(".") > limpio.rfind(",") else ","
        miles_sep = "," if decimal_sep == "." else "."
        entero, _, decimales = limpio.rpartition(decimal_sep)
        partes = entero.split(miles_sep)
        if decimal_sep in entero or not _grupos_de_miles(partes) or not 1 <= len(decimales) <= 2:
            raise ValorInvalido(f"monto no válido «{original}»")
        entero = "".join(partes)
    elif "." in limpio or "," in limpio:
        sep = "." if "." in limpio else ","
        partes = limpio.split(sep)
        if len(partes) == 2 and 1 <= len(partes[1]) <= 2:
            entero, decimales = partes
        elif _grupos_de_miles(partes):
            entero = "".join(partes)
        else:
            raise ValorInvalido(f"monto no válido «{original}»")
    try:
        valor = Decimal(f"{entero}.{decimales or '0'}").quantize(CENTAVOS)
    except InvalidOperation as error:
        raise ValorInvalido(f"monto no válido «{original}»") from error
    if valor > MONTO_MAXIMO:
        raise ValorInvalido(f"monto demasiado grande «{original}»")
    return valor


def leer_fecha(texto: str) -> date:
    """`2024-03-31` (an Excel-style time after it is ignored), `31/03/2024` or `31-03-2024`."""
    original = texto.strip()
    if encontrada := _FECHA_SIMPLE.fullmatch(original):
        anio, mes, dia = int(encontrada[1]), int(encontrada[2]), int(encontrada[3])
    elif encontrada := _FECHA_ISO.match(original):
        anio, mes, dia = (int(g) for g in encontrada.groups())
    elif encontrada := _FECHA_LATINA.match(original):
        dia, mes, anio = int(encontrada[1]), int(encontrada[3]), int(encontrada[4])
    else:
        raise ValorInvalido(f"fecha no válida «{original}» (use AAAA-MM-DD, DD/MM/AAAA o DD-MM-AAAA)")
    if not 1900 <= anio <= 2100:
        raise ValorInvalido(f"fecha fuera de rango «{original}»")
    try:
        return date(anio, mes, dia)
    except ValueError as error:
        raise ValorInvalido(f"fecha inexistente «{original}»") from error


def leer_documento(texto: str) -> str:
    """`1.020.304.050` → `1020304050`, `12.345.678-k` → `12345678-K`: one deudor, one key."""
    limpio = _ESPACIOS.sub("", texto).replace(".", "").upper()
    if not limpio or len(limpio) > 30 or not _DOCUMENTO.fullmatch(limpio):
        raise ValorInvalido(f"número de documento no válido «{texto.strip()}»")
    return limpio


def leer_telefono(texto: str, pais: str = "CO") -> str:
    """A phone in E.164 when the country is known: `300 123 4567` → `+573001234567`."""
    original = texto.strip()
    limpio = re.sub(r"[\s\u00a0().\-/]", "", original)
    if limpio.startswith("00"):
        limpio = "+" + limpio[2:]
    internacional = limpio.startswith("+")
    digitos = limpio.lstrip("+")
    if not digitos.isdigit() or not 7 <= len(digitos) <= 15:
        raise ValorInvalido(f"teléfono no válido «{original}»")
    if internacional:
        return "+" + digitos
    prefijo, largo = TELEFONIA.get(pais, ("", 0))
    if largo and len(digitos) == largo:
        return f"+{prefijo}{digitos}"
    if largo and len(digitos) == len(prefijo) + largo and digitos.startswith(prefijo):
        return "+" + digitos
    return digitos


def leer_email(texto: str) -> str:
    limpio = texto.strip().lower()
    if not _EMAIL.fullmatch(limpio) or len(limpio) > 254:
        raise ValorInvalido(f"correo electrónico no válido «{texto.strip()}»")
    return limpio
