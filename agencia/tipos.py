"""Column types shared by every feature: money as Decimal, times as aware UTC."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, TypeDecorator


def ahora() -> datetime:
    """The current moment, timezone-aware in UTC (the only way times are stored)."""
    return datetime.now(UTC)


class FechaHoraUTC(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("FechaHoraUTC necesita una fecha con zona horaria")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Dinero(TypeDecorator):
    """Money: Numeric(14, 2) in the database, Decimal in Python, never float."""

    impl = Numeric(14, 2)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("El dinero se maneja como Decimal, nunca float")
        return Decimal(value).quantize(Decimal("0.01"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


def entero_de_texto(texto: str, digitos: int = 9) -> int | None:
    """The whole number typed in a form or query value, or None when it is not one: ASCII
    digits only (str.isdigit() also accepts "²", which int() refuses) and at most `digitos`
    of them (int() refuses over 4300; a database integer holds 9 safely)."""
    if texto.isascii() and texto.isdigit() and len(texto) <= digitos:
        return int(texto)
    return None
