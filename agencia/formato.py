"""How money, dates and times are shown: es_CO by default (`$ 1.234.567`, dd/mm/aaaa)."""

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import parse_pattern
from flask import current_app, has_app_context

SIMBOLOS = {"COP": "$", "CLP": "$", "MXN": "$", "PEN": "S/", "USD": "US$", "EUR": "€"}


def _locale() -> str:
    if has_app_context():
        return current_app.config.get("LOCALE_DINERO", "es_CO")
    return "es_CO"


@cache
def _formato(patron: str, locale: str):
    """The parsed number pattern and locale (Babel parses both on every call otherwise: a
    page with a hundred amounts spent milliseconds on it)."""
    return parse_pattern(patron), Locale.parse(locale)


def format_decimal(valor, format: str, locale: str) -> str:
    patron, localizacion = _formato(format, locale)
    return patron.apply(Decimal(valor), localizacion)


def dinero(valor, moneda: str = "COP") -> str:
    """`$ 1.234.567` for whole amounts, `$ 1.234.567,89` when there are cents."""
    if valor is None:
        return ""
    valor = Decimal(valor)
    patron = "#,##0" if valor == valor.to_integral_value() else "#,##0.00"
    numero = format_decimal(valor, format=patron, locale=_locale())
    return f"{SIMBOLOS.get(moneda, moneda)} {numero}"


def fecha(valor) -> str:
    if valor is None:
        return ""
    if isinstance(valor, datetime):
        valor = valor.astimezone(_zona()).date()
    if isinstance(valor, date):
        return valor.strftime("%d/%m/%Y")
    return str(valor)


def fecha_hora(valor) -> str:
    if valor is None:
        return ""
    return valor.astimezone(_zona()).strftime("%d/%m/%Y %H:%M")


def numero(valor) -> str:
    return format_decimal(valor or 0, format="#,##0", locale=_locale())


def porcentaje(valor) -> str:
    """A rate with one decimal, in the UI's number format: "33,3 %"; "—" when there is none."""
    if valor is None:
        return "—"
    return f"{format_decimal(valor, format='#,##0.0', locale=_locale())} %"


def _zona() -> ZoneInfo:
    nombre = current_app.config["TZ_DEFAULT"] if has_app_context() else "America/Bogota"
    return ZoneInfo(nombre)


FILTROS = {"dinero": dinero, "fecha": fecha, "fecha_hora": fecha_hora, "numero": numero,
           "porcentaje": porcentaje}
