"""The calculator with known examples, and its money properties (hypothesis)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agencia.acuerdos.calculo import (
    CalculoInvalido,
    Condiciones,
    Deuda,
    calcular,
    evaluar_mandato,
    nivel_aprobacion,
    repartir,
    sumar_periodos,
)
from agencia.acuerdos.mandato import DEFECTO
from agencia.monedas import unidad_minima

D = Decimal
HOY = date(2027, 1, 10)


def mandato(**cambios):
    return SimpleNamespace(**{**DEFECTO, **cambios})


def condiciones(deuda=("1000000", "200000", "50000"), moneda="COP", quitas=None, **extra):
    return Condiciones(deuda=Deuda(*(D(v) for v in deuda)), moneda=moneda,
                       quita_pct=quitas or {}, **{"numero_cuotas": 1,
                                                   "primera_fecha": HOY, **extra})


def test_plan_cop_pesos_enteros_y_reparto_exacto():
    plan = calcular(condiciones(quitas={"capital": D("10"), "intereses": D("100")},
                                abono_inicial=D("100000"), numero_cuotas=3,
                                frecuencia="mensual", primera_fecha=date(2027, 1, 31)), HOY)
    assert plan.quita == {"capital": D("100000"), "intereses": D("200000"), "gastos": D("0")}
    assert plan.total_acordado == D("950000")
    assert plan.quita_total + plan.total_acordado == plan.deuda.total
    assert [(c.numero, c.fecha, c.monto) for c in plan.cuotas] == [
        (0, date(2027, 1, 31), D("100000")),
        (1, date(2027, 2, 28), D("283334")),  # the first `resto` cuotas get one peso more
        (2, date(2027, 3, 31), D("283333")),
        (3, date(2027, 4, 30), D("283333")),
    ]
    assert plan.quita_pct() == D("24.00")
    assert plan.quita_pct("capital") == D("10.00")


def test_plan_usd_centavos():
    plan = calcular(condiciones(deuda=("100.00", "0", "0"), moneda="USD", numero_cuotas=3,
                                frecuencia="quincenal"), HOY)
    assert [c.monto for c in plan.cuotas] == [D("33.34"), D("33.33"), D("33.33")]
    assert [c.fecha for c in plan.cuotas] == [HOY, date(2027, 1, 25), date(2027, 2, 9)]


def test_quita_trunca_a_la_unidad_minima_a_favor_del_deudor():
    plan = calcular(condiciones(deuda=("1234567", "0", "0"), quitas={"capital": D("10")}), HOY)
    assert plan.total_acordado == D("1111110")  # 1.111.110,3 truncated
    assert plan.quita["capital"] == D("123457")


def test_semanal_y_mensual_desde_la_primera_fecha():
    assert sumar_periodos(date(2027, 1, 31), "semanal", 2) == date(2027, 2, 14)
    assert sumar_periodos(date(2027, 1, 31), "mensual", 1) == date(2027, 2, 28)
    assert sumar_periodos(date(2027, 1, 31), "mensual", 13) == date(2028, 2, 29)
    assert sumar_periodos(date(2027, 11, 30), "mensual", 3) == date(2028, 2, 29)


def test_pronto_pago_una_cuota_en_la_fecha_limite():
    plan = calcular(condiciones(tipo="pronto_pago", quitas={"capital": D("20")},
                                fecha_limite=date(2027, 2, 1)), HOY)
    assert [(c.numero, c.fecha, c.monto) for c in plan.cuotas] == [
        (1, date(2027, 2, 1), D("1050000"))]


@pytest.mark.parametrize("extra, campo", [
    ({"quitas": {"capital": D("100"), "intereses": D("100"), "gastos": D("100")}},
     "quita_capital_pct"),
    ({"quitas": {"capital": D("101")}}, "quita_capital_pct"),
    ({"quitas": {"gastos": D("-1")}}, "quita_gastos_pct"),
    ({"primera_fecha": date(2027, 1, 9)}, "primera_fecha"),
    ({"primera_fecha": date(9999, 12, 31), "numero_cuotas": 3}, "primera_fecha"),
    ({"tipo": "pronto_pago", "fecha_limite": date(2028, 6, 1)}, "fecha_limite"),
    ({"tipo": "pronto_pago", "fecha_limite": date(2027, 1, 9)}, "fecha_limite"),
    ({"tipo": "pronto_pago"}, "fecha_limite"),
    ({"abono_inicial": D("100.50")}, "abono_inicial"),
    ({"abono_inicial": D("-1")}, "abono_inicial"),
    ({"abono_inicial": D("1250000")}, "abono_inicial"),
    ({"numero_cuotas": 0}, "numero_cuotas"),
    ({"frecuencia": "diaria"}, "frecuencia"),
])
def test_entradas_imposibles(extra, campo):
    with pytest.raises(CalculoInvalido) as error:
        calcular(condiciones(**extra), HOY)
    assert error.value.campo == campo
    assert error.value.mensaje


def test_mas_cuotas_que_unidades_minimas():
    with pytest.raises(CalculoInvalido, match="mayor que cero"):
        calcular(condiciones(deuda=("5", "0", "0"), numero_cuotas=6), HOY)
    assert repartir(D("5"), 5, "COP") == [D("1")] * 5


def test_excepciones_del_mandato_y_nivel():
    plan = calcular(condiciones(quitas={"capital": D("15"), "intereses": D("100")},
                                numero_cuotas=18), HOY)
    evaluacion = evaluar_mandato(plan, mandato(quita_max_capital_pct=D("10"),
                                               condonar_intereses=False,
                                               cuota_minima=D("60000")))
    assert evaluacion.excepciones == [
        "La quita sobre capital (15 %) supera el máximo del mandato (10 %).",
        "El mandato no permite condonar la totalidad de los intereses.",
        "El plan tiene 18 cuotas; el mandato permite hasta 12.",
        "El abono inicial ($ 0) es menor que el mínimo del mandato (10 % del total acordado: "
        "$ 90.000).",
        "Hay cuotas de $ 50.000, por debajo de la cuota mínima del mandato ($ 60.000).",
    ]
    # 350.000 of 1.250.000 = 28 %: above the supervisor's 20, below the acreedor's 40.
    assert evaluacion.nivel == "supervisor"
    assert not evaluacion.dentro_del_mandato


def test_dentro_del_mandato_y_nivel_acreedor():
    dentro = calcular(condiciones(quitas={"intereses": D("50")}, abono_inicial=D("200000"),
                                  numero_cuotas=6), HOY)
    assert evaluar_mandato(dentro, mandato()).dentro_del_mandato
    fuera = calcular(condiciones(quitas={"capital": D("50"), "intereses": D("100")},
                                 abono_inicial=D("200000"), numero_cuotas=6), HOY)
    assert evaluar_mandato(fuera, mandato(quita_max_capital_pct=D("60"))).nivel == "acreedor"


# ------------------------------------------------------------------------------ properties

MONEDAS = st.sampled_from(["COP", "CLP", "USD", "MXN"])


@st.composite
def entradas(draw):
    moneda = draw(MONEDAS)
    unidad = unidad_minima(moneda)
    componentes = [draw(st.integers(0, 10**9)) * unidad for _ in range(3)]
    if sum(componentes) == 0:
        componentes[0] = unidad * 1000
    quitas = {c: D(draw(st.integers(0, 9999))) / 100
              for c in ("capital", "intereses", "gastos")}
    return moneda, componentes, quitas


@settings(max_examples=300, deadline=None)
@given(entradas(), st.integers(1, 60), st.integers(0, 100),
       st.sampled_from(["semanal", "quincenal", "mensual"]))
def test_el_cronograma_suma_exactamente_el_total(entrada, n, pct_abono, frecuencia):
    moneda, componentes, quitas = entrada
    unidad = unidad_minima(moneda)
    c = Condiciones(deuda=Deuda(*componentes), moneda=moneda, quita_pct=quitas,
                    numero_cuotas=n, frecuencia=frecuencia, primera_fecha=HOY)
    try:
        total = calcular(c, HOY).total_acordado
    except CalculoInvalido:
        return  # a debt too small for so many cuotas, or a 100 % quita
    abono = (total * pct_abono / 100 / unidad).to_integral_value() * unidad
    if abono >= total:
        abono = D(0)
    c = Condiciones(**{**c.__dict__, "abono_inicial": abono})
    try:
        plan = calcular(c, HOY)
    except CalculoInvalido as error:
        assert error.campo == "numero_cuotas"
        assert (total - abono) / unidad < n
        return
    assert sum(q.monto for q in plan.cuotas) == plan.total_acordado
    assert all(q.monto > 0 and q.monto % unidad == 0 for q in plan.cuotas)
    assert plan.quita_total + plan.total_acordado == plan.deuda.total
    assert all(plan.quita[k] >= 0 for k in plan.quita)
    assert len(plan.cuotas_regulares) == n
    fechas = [q.fecha for q in plan.cuotas]
    assert fechas == sorted(fechas) and len(set(fechas)) == len(fechas)
    regulares = [q.monto for q in plan.cuotas_regulares]
    assert max(regulares) - min(regulares) <= unidad


@settings(max_examples=300, deadline=None)
@given(st.decimals(0, 100, places=2), st.decimals(0, 100, places=2), st.booleans(),
       st.decimals(0, 100, places=2), st.decimals(0, 100, places=2))
def test_el_nivel_es_monotono_en_la_quita(a, b, excepciones, umbral_1, umbral_2):
    m = mandato(umbral_supervisor_pct=min(umbral_1, umbral_2),
                umbral_acreedor_pct=max(umbral_1, umbral_2))
    orden = {"agente": 0, "supervisor": 1, "acreedor": 2}
    menor, mayor = sorted((a, b))
    assert orden[nivel_aprobacion(menor, excepciones, m)] <= \
        orden[nivel_aprobacion(mayor, excepciones, m)]
    assert orden[nivel_aprobacion(menor, False, m)] <= orden[nivel_aprobacion(menor, True, m)]


@settings(max_examples=200, deadline=None)
@given(entradas(), st.integers(0, 10000), st.integers(0, 10000))
def test_mas_quita_nunca_baja_el_nivel(entrada, p1, p2):
    moneda, componentes, _ = entrada
    deuda = Deuda(*componentes)
    niveles = []
    for p in sorted((p1, p2)):
        pct = D(p) / 100
        c = Condiciones(deuda=deuda, moneda=moneda, tipo="pronto_pago", fecha_limite=HOY,
                        quita_pct={"capital": pct, "intereses": pct, "gastos": pct})
        try:
            plan = calcular(c, HOY)
        except CalculoInvalido:
            return
        niveles.append(evaluar_mandato(plan, mandato(quita_max_capital_pct=D(100))).nivel)
    orden = ["agente", "supervisor", "acreedor"]
    assert orden.index(niveles[0]) <= orden.index(niveles[1])
