"""Parsers for the values of a placement file: amounts, dates, documents, phones, emails.

Phones and emails are also read here for the contact forms (agencia.deudores.servicios), so
the importer and the UI store them the same way.

Each parser takes the cell text and returns a clean value or raises `ValorInvalido` with the
reason in Spanish, ready for the import report ("monto no válido «12,3,4»").
"""

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

CENTAVOS = Decimal("0.01")
# Dinero is Numeric(14, 2): twelve digits before the decimal point.
MONTO_MAXIMO = Decimal("999999999999.99")

_ESPACIOS = re.compile(r"[\s\u00a0\u202f]+")
_FECHA_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_FECHA_LATINA = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
_SEPARADORES_TELEFONO = re.compile(r"[\s\u00a0\u202f().\-/]")
# Addresses email_validator accepts unchanged (apart from case): ASCII dot-atoms, hostname
# labels without "--" (no IDNA), an alphabetic top-level domain. Anything else goes through it.
_EMAIL_SIMPLE = re.compile(
    r"(?=[^@]{1,64}@)[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?=.{4,253}$)"
    r"(?:(?!-)(?![a-z0-9\-]*--)[a-z0-9\-]{1,63}(?<!-)\.)+(?P<tld>[a-z]{2,63})")
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


def _numero_directo(digitos: str, codigo: int,
                    internacional: bool) -> phonenumbers.PhoneNumber | None:
    """Fast path for the common shapes (`3001234567`, `573001234567`, `+573001234567`): the
    number built without the general parser, when it is valid as it stands. None: use the
    parser (which also knows national prefixes, other countries...)."""
    if not codigo or digitos.startswith("0"):
        return None
    prefijo = str(codigo)
    sin_prefijo = digitos[len(prefijo):] if digitos.startswith(prefijo) else ""
    for nacional in ((sin_prefijo,) if internacional else (digitos, sin_prefijo)):
        if nacional and not nacional.startswith("0"):
            numero = phonenumbers.PhoneNumber(country_code=codigo, national_number=int(nacional))
            if phonenumbers.is_valid_number(numero):
                return numero
    return None


def leer_telefono(texto: str, pais: str = "CO") -> str:
    """A phone in E.164, read as a number of `pais` unless it carries its country code:
    `300 123 4567`, `(601) 745-2310`, `+57 300 123 4567`, `0056 9 8765 4321` → `+57…`/`+56…`.

    Mobile and fixed lines are both accepted; a number that `phonenumbers` does not consider a
    valid number of its country (wrong length, unassigned range, letters) is refused."""
    original = texto.strip()
    e164 = _e164(_SEPARADORES_TELEFONO.sub("", original), (pais or "").upper())
    if e164 is None:
        raise ValorInvalido(f"teléfono no válido «{original}»")
    return e164


@lru_cache(maxsize=65_536)  # a deudor's phone comes back on each of their rows
def _e164(limpio: str, region: str) -> str | None:
    if limpio.startswith("00"):
        limpio = "+" + limpio[2:]
    digitos = limpio[1:] if limpio.startswith("+") else limpio
    if not (digitos.isascii() and digitos.isdigit()) or not 7 <= len(digitos) <= 15:
        return None
    codigo = phonenumbers.country_code_for_region(region)
    numero = _numero_directo(digitos, codigo, limpio.startswith("+"))
    if numero is None:
        try:
            numero = phonenumbers.parse(limpio, region if codigo else None)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(numero):
            return None
    return f"+{numero.country_code}{numero.national_number}"


def leer_email(texto: str) -> str:
    """An email address as stored: checked with `email_validator` (syntax only, no DNS),
    normalised and in lower case (`Ana.Perez@Example.COM` → `ana.perez@example.com`)."""
    original = texto.strip()
    if len(original) > 254:
        raise ValorInvalido(f"correo electrónico no válido «{original[:60]}…» (demasiado largo)")
    simple = original.lower()
    encontrado = _EMAIL_SIMPLE.fullmatch(simple)
    if encontrado and encontrado["tld"] not in SPECIAL_USE_DOMAIN_NAMES:
        return simple  # plain ASCII address that email_validator accepts as it is
    try:
        return validate_email(original, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValorInvalido(f"correo electrónico no válido «{original}»") from None
