"""Where a payment goes: pure functions over Decimal amounts, no database.

Obligaciones — "component across all obligaciones". The payment first covers the chosen
first component (gastos by default) of every obligacion, oldest due date first (then id),
then the second component of every obligacion, then the third. This is what collection
agencies and the civil codes of the region expect (a payment goes to costs and interest
before capital: Código Civil de Colombia art. 1653, Chile art. 1595): no capital is paid
while any obligacion of the caso still owes costs or interest. The order of the components
is the acreedor's (`Acreedor.orden_imputacion`, a permutation of gastos/intereses/capital)
or ORDEN_IMPUTACION_DEFECTO (gastos → intereses → capital).

Cuotas of a vigente acuerdo: the earliest unpaid cuota first (numero order; numero 0 is the
abono inicial). A partial payment fills a cuota partly; anything left goes to the next ones,
so the remaining schedule "re-anchors": each cuota shows what it still owes.

Everything the functions return adds up exactly: sum(lines) + excess == amount.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from agencia.pagos.modelos import COMPONENTES, ORDEN_IMPUTACION_DEFECTO

CERO = Decimal("0")


@dataclass(frozen=True)
class SaldoObligacion:
    """What one obligacion still owes, per component."""

    obligacion_id: int
    fecha_vencimiento: date
    gastos: Decimal = CERO
    intereses: Decimal = CERO
    capital: Decimal = CERO

    def saldo(self, componente: str) -> Decimal:
        return getattr(self, componente)


@dataclass(frozen=True)
class Linea:
    """Part of a payment applied to one component of one obligacion."""

    obligacion_id: int
    componente: str
    monto: Decimal


@dataclass(frozen=True)
class SaldoCuota:
    cuota_id: int
    numero: int
    monto: Decimal
    pagado: Decimal = CERO

    @property
    def pendiente(self) -> Decimal:
        return max(CERO, self.monto - self.pagado)


@dataclass(frozen=True)
class LineaCuota:
    cuota_id: int
    monto: Decimal


def validar_orden(orden: Iterable[str] | None) -> tuple[str, ...]:
    """The order as a tuple; None means the default. Raises ValueError unless it is a
    permutation of the three components."""
    if orden is None:
        return ORDEN_IMPUTACION_DEFECTO
    orden = tuple(orden)
    if sorted(orden) != sorted(COMPONENTES):
        raise ValueError("El orden de imputación debe nombrar gastos, intereses y capital, "
                         "cada uno una vez.")
    return orden


def orden_del_acreedor(acreedor) -> tuple[str, ...]:
    """The acreedor's allocation order, or the default when unset or malformed."""
    try:
        return validar_orden(getattr(acreedor, "orden_imputacion", None) or None)
    except ValueError:
        return ORDEN_IMPUTACION_DEFECTO


def imputar(monto: Decimal, obligaciones: Sequence[SaldoObligacion],
            orden: Sequence[str] = ORDEN_IMPUTACION_DEFECTO) -> tuple[list[Linea], Decimal]:
    """Splits `monto` over the obligaciones' components; returns (lines, excess).

    Component by component across all obligaciones (oldest due date first, then id). The
    excess is what is left when every component is covered (the deudor's credit)."""
    if monto < CERO:
        raise ValueError("monto negativo")
    ordenadas = sorted(obligaciones, key=lambda o: (o.fecha_vencimiento, o.obligacion_id))
    restante, lineas = monto, []
    for componente in validar_orden(orden):
        for obligacion in ordenadas:
            if restante <= CERO:
                return lineas, CERO
            parte = min(restante, max(CERO, obligacion.saldo(componente)))
            if parte > CERO:
                lineas.append(Linea(obligacion.obligacion_id, componente, parte))
                restante -= parte
    return lineas, restante


def abonar_cuotas(monto: Decimal, cuotas: Sequence[SaldoCuota]
                  ) -> tuple[list[LineaCuota], Decimal]:
    """Fills the cuotas in numero order, each up to what it still owes; returns (lines,
    what no cuota could take)."""
    if monto < CERO:
        raise ValueError("monto negativo")
    restante, lineas = monto, []
    for cuota in sorted(cuotas, key=lambda c: c.numero):
        if restante <= CERO:
            break
        parte = min(restante, cuota.pendiente)
        if parte > CERO:
            lineas.append(LineaCuota(cuota.cuota_id, parte))
            restante -= parte
    return lineas, restante


@dataclass(frozen=True)
class CuotaReanclada:
    numero: int
    fecha: date
    monto: Decimal
    pagado: Decimal
    pendiente: Decimal
    estado: str  # pagada | parcial | pendiente


def cronograma(cuotas: Iterable) -> list[CuotaReanclada]:
    """The schedule as it stands after the payments: what each cuota still owes."""
    filas = []
    for cuota in sorted(cuotas, key=lambda c: c.numero):
        pendiente = max(CERO, cuota.monto - cuota.pagado)
        estado = ("pagada" if pendiente == CERO
                  else "parcial" if cuota.pagado > CERO else "pendiente")
        filas.append(CuotaReanclada(cuota.numero, cuota.fecha, cuota.monto, cuota.pagado,
                                    pendiente, estado))
    return filas
