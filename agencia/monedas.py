"""Currencies' minor units: how finely an amount in each currency may be split.

COP and CLP are paid in whole pesos in practice (no centavos circulate), so schedules and
payments in them are whole numbers; the others use cents. Amounts are still stored as
Numeric(14, 2): only the smallest step changes.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

DECIMALES = {"COP": 0, "CLP": 0, "MXN": 2, "PEN": 2, "USD": 2, "EUR": 2}


def unidad_minima(moneda: str) -> Decimal:
    """The smallest amount of the currency: Decimal("1") for COP, Decimal("0.01") for USD."""
    return Decimal(1).scaleb(-DECIMALES.get(moneda, 2))


def redondear(monto: Decimal, moneda: str) -> Decimal:
    """Rounded half up to the currency's minor unit."""
    return monto.quantize(unidad_minima(moneda), rounding=ROUND_HALF_UP)


def truncar(monto: Decimal, moneda: str) -> Decimal:
    """Rounded down to the currency's minor unit (what a split may give without exceeding)."""
    return monto.quantize(unidad_minima(moneda), rounding=ROUND_DOWN)


def en_unidad_minima(monto: Decimal, moneda: str) -> bool:
    """Whether the amount is a whole number of the currency's minor unit."""
    return monto == redondear(monto, moneda)


def texto_unidad(moneda: str) -> str:
    """How the UI explains the minor unit in messages."""
    return "sin centavos" if DECIMALES.get(moneda, 2) == 0 else "con hasta dos decimales"
