"""The allocation of a payment, pure: known examples and properties (hypothesis)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agencia.monedas import unidad_minima
from agencia.pagos.imputacion import (
    Linea,
    LineaCuota,
    SaldoCuota,
    SaldoObligacion,
    abonar_cuotas,
    cronograma,
    imputar,
    validar_orden,
)

D = Decimal
ENERO, MARZO = date(2025, 1, 31), date(2025, 3, 31)


def test_orden_por_defecto_cubre_gastos_e_intereses_de_todas_antes_del_capital():
    vieja = SaldoObligacion(2, ENERO, gastos=D("10"), intereses=D("20"), capital=D("100"))
    nueva = SaldoObligacion(1, MARZO, gastos=D("5"), intereses=D("7"), capital=D("50"))
    lineas, excedente = imputar(D("60"), [nueva, vieja])
    assert lineas == [Linea(2, "gastos", D("10")), Linea(1, "gastos", D("5")),
                      Linea(2, "intereses", D("20")), Linea(1, "intereses", D("7")),
                      Linea(2, "capital", D("18"))]
    assert excedente == 0


def test_orden_del_acreedor_capital_primero():
    vieja = SaldoObligacion(2, ENERO, gastos=D("10"), intereses=D("20"), capital=D("100"))
    nueva = SaldoObligacion(1, MARZO, gastos=D("5"), intereses=D("7"), capital=D("50"))
    lineas, excedente = imputar(D("155"), [nueva, vieja], ("capital", "intereses", "gastos"))
    assert lineas == [Linea(2, "capital", D("100")), Linea(1, "capital", D("50")),
                      Linea(2, "intereses", D("5"))]
    assert excedente == 0


def test_misma_fecha_desempata_por_id_y_el_excedente_es_credito():
    a = SaldoObligacion(7, ENERO, capital=D("30"))
    b = SaldoObligacion(3, ENERO, capital=D("20"))
    lineas, excedente = imputar(D("80"), [a, b])
    assert lineas == [Linea(3, "capital", D("20")), Linea(7, "capital", D("30"))]
    assert excedente == D("30")


def test_orden_invalido():
    with pytest.raises(ValueError):
        validar_orden(["capital", "capital", "gastos"])
    assert validar_orden(None) == ("gastos", "intereses", "capital")


def test_cuotas_parcial_y_lo_que_sobra_pasa_a_la_siguiente():
    cuotas = [SaldoCuota(11, 1, D("100")), SaldoCuota(10, 0, D("50"), D("20")),
              SaldoCuota(12, 2, D("100"))]
    lineas, resto = abonar_cuotas(D("150"), cuotas)
    assert lineas == [LineaCuota(10, D("30")), LineaCuota(11, D("100")), LineaCuota(12, D("20"))]
    assert resto == 0


def test_cronograma_reanclado_muestra_lo_que_falta_de_cada_cuota():
    class C:
        def __init__(self, numero, monto, pagado):
            self.numero, self.fecha = numero, ENERO + timedelta(days=30 * numero)
            self.monto, self.pagado = D(monto), D(pagado)

    filas = cronograma([C(2, "100", "0"), C(1, "100", "40"), C(0, "50", "50")])
    assert [(f.numero, f.pendiente, f.estado) for f in filas] == [
        (0, D("0"), "pagada"), (1, D("60"), "parcial"), (2, D("100"), "pendiente")]


# --- properties -------------------------------------------------------------------------

MONEDAS = ["COP", "CLP", "USD", "MXN"]


def montos(moneda: str, maximo: int = 10_000_000):
    unidad = unidad_minima(moneda)
    pasos = int(D(maximo) / unidad)
    return st.integers(min_value=0, max_value=pasos).map(lambda n: D(n) * unidad)


@st.composite
def escenario(draw):
    moneda = draw(st.sampled_from(MONEDAS))
    n = draw(st.integers(min_value=1, max_value=5))
    obligaciones = [
        SaldoObligacion(i + 1, ENERO + timedelta(days=draw(st.integers(0, 400))),
                        gastos=draw(montos(moneda, 50_000)),
                        intereses=draw(montos(moneda, 200_000)),
                        capital=draw(montos(moneda, 2_000_000)))
        for i in range(n)]
    orden = tuple(draw(st.permutations(["gastos", "intereses", "capital"])))
    pago = draw(montos(moneda, 3_000_000).filter(lambda m: m > 0))
    return moneda, obligaciones, orden, pago


@settings(max_examples=300, deadline=None)
@given(escenario())
def test_lineas_y_credito_suman_exactamente_el_pago(datos):
    moneda, obligaciones, orden, pago = datos
    lineas, excedente = imputar(pago, obligaciones, orden)
    assert sum((x.monto for x in lineas), D("0")) + excedente == pago
    assert excedente >= 0 and all(x.monto > 0 for x in lineas)
    deuda = sum(o.gastos + o.intereses + o.capital for o in obligaciones)
    assert excedente == max(D("0"), pago - deuda)
    por_id = {o.obligacion_id: o for o in obligaciones}
    for x in lineas:  # in the currency's minor unit, and no component below zero
        assert x.monto == x.monto.quantize(unidad_minima(moneda))
    aplicado: dict = {}
    for x in lineas:
        aplicado[(x.obligacion_id, x.componente)] = aplicado.get(
            (x.obligacion_id, x.componente), D("0")) + x.monto
    for (ident, componente), monto in aplicado.items():
        assert monto <= por_id[ident].saldo(componente)
    # No later component is touched while an earlier one still owes anything.
    for i, componente in enumerate(orden[1:], start=1):
        if any(x.componente == componente for x in lineas):
            for anterior in orden[:i]:
                assert all(aplicado.get((o.obligacion_id, anterior), D("0"))
                           == o.saldo(anterior) for o in obligaciones)


@st.composite
def cuotas_y_pago(draw):
    moneda = draw(st.sampled_from(MONEDAS))
    n = draw(st.integers(min_value=1, max_value=12))
    cuotas = []
    for numero in range(n):
        monto = draw(montos(moneda, 500_000).filter(lambda m: m > 0))
        pagado = draw(montos(moneda, 500_000)).min(monto)
        cuotas.append(SaldoCuota(100 + numero, numero, monto, pagado))
    return moneda, cuotas, draw(montos(moneda, 3_000_000).filter(lambda m: m > 0))


@settings(max_examples=300, deadline=None)
@given(cuotas_y_pago())
def test_las_cuotas_nunca_reciben_mas_de_lo_que_deben(datos):
    moneda, cuotas, pago = datos
    lineas, resto = abonar_cuotas(pago, cuotas)
    assert sum((x.monto for x in lineas), D("0")) + resto == pago
    por_id = {c.cuota_id: c for c in cuotas}
    for x in lineas:
        assert D("0") < x.monto <= por_id[x.cuota_id].pendiente
        assert x.monto == x.monto.quantize(unidad_minima(moneda))
    assert resto == max(D("0"), pago - sum(c.pendiente for c in cuotas))
    # Filled in order: every cuota before the last one touched is complete afterwards.
    tocadas = [por_id[x.cuota_id].numero for x in lineas]
    assert tocadas == sorted(tocadas)
    for x in lineas[:-1]:
        assert x.monto == por_id[x.cuota_id].pendiente
