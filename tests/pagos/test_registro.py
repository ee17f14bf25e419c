"""Recording payments to the cent: bad input, credit, components, acuerdos and reversals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import CambioEtapa, Caso
from agencia.extensiones import db
from agencia.pagos.modelos import AbonoCuota, ImputacionPago, Pago
from agencia.pagos.reversion import PagoYaReversado, reversar_pago
from agencia.pagos.servicios import PagoInvalido, registrar_pago
from tests.pagos.ayudas import HOY, componer, crear_acuerdo, foto

D = Decimal
MOTIVO = "Transferencia devuelta por el banco"


@pytest.fixture
def acme(crear_acreedor):
    return crear_acreedor()


@pytest.fixture
def caso(acme, crear_caso):
    """Two obligaciones: the older owes 100.000 capital + 20.000 intereses + 5.000 gastos,
    the newer 50.000 capital + 10.000 intereses."""
    return componer(crear_caso(acme, capitales=("1", "1")),
                    ("100000", "20000", "5000"), ("50000", "10000", "0"))


def _pagar(caso, monto, referencia="REF-1", **extra):
    extra.setdefault("moneda", caso.acreedor.moneda)
    return registrar_pago(caso, D(monto), extra.pop("fecha", HOY), extra.pop("metodo", "pse"),
                          referencia, None, **extra)


def _contar(modelo) -> int:
    return db.session.scalar(select(func.count(modelo.id)))


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(("monto", "extra", "campo", "mensaje"), [
    ("0", {}, "monto", "mayor que cero"),
    ("-5000", {}, "monto", "mayor que cero"),
    ("1000.50", {}, "monto", "En COP el monto va sin centavos"),
    ("1000", {"moneda": "USD"}, "moneda", "El pago está en USD y el acreedor cobra en COP"),
    ("1000", {"fecha": HOY + timedelta(days=1)}, "fecha", "no puede ser futura"),
    ("1000", {"metodo": "trueque"}, "metodo", "método de pago"),
])
def test_entrada_invalida_no_escribe_nada(caso, monto, extra, campo, mensaje):
    antes = foto(caso.id)
    with pytest.raises(PagoInvalido) as error:
        _pagar(caso, monto, **extra)
    assert error.value.campo == campo and mensaje in error.value.mensaje
    db.session.rollback()
    assert _contar(Pago) == 0 and _contar(ImputacionPago) == 0 and foto(caso.id) == antes


def test_usd_admite_centavos_y_clp_no(crear_acreedor, crear_caso):
    dolares = crear_caso(crear_acreedor("USA", pais="US", moneda="USD"), capitales=("100.00",))
    pago = _pagar(dolares, "10.25", "U-1")
    assert pago.monto == D("10.25") and dolares.saldo == D("89.75")
    pesos = crear_caso(crear_acreedor("CHL", pais="CL", moneda="CLP"), capitales=("100000",))
    with pytest.raises(PagoInvalido, match="En CLP el monto va sin centavos"):
        _pagar(pesos, "10.25", "C-1")


@pytest.mark.parametrize("etapa", ["pagado", "incobrable", "devuelto"])
def test_caso_cerrado_no_recibe_pagos(caso, etapa):
    caso.etapa = etapa
    db.session.commit()
    with pytest.raises(PagoInvalido) as error:
        _pagar(caso, "1000")
    assert error.value.campo == "caso" and "cerrado" in error.value.mensaje
    db.session.rollback()
    assert _contar(Pago) == 0


def test_referencia_repetida_se_registra_una_vez_aun_con_el_caso_ya_cerrado(caso):
    primero = _pagar(caso, "185000", "TOTAL-1")
    db.session.commit()
    assert db.session.get(Caso, caso.id).etapa == "pagado"
    segundo = _pagar(db.session.get(Caso, caso.id), "185000", "TOTAL-1")
    assert segundo.ya_existia and segundo.id == primero.id and _contar(Pago) == 1


def test_sobrepago_queda_como_credito(caso):
    pago = _pagar(caso, "200000")
    db.session.commit()
    assert pago.credito == D("15000.00") and pago.aplicado_a_deuda == D("185000.00")
    assert db.session.get(Caso, caso.id).saldo == 0
    assert sum(x.monto for x in pago.imputaciones) == D("185000.00")


# --- components ---------------------------------------------------------------------------

def test_pago_cubre_gastos_e_intereses_de_todas_antes_del_capital(caso):
    pago = _pagar(caso, "40000")
    db.session.commit()
    viejo, nuevo = caso.obligaciones
    assert [(x.obligacion_id, x.componente, x.monto) for x in pago.imputaciones] == [
        (viejo.id, "gastos", D("5000.00")), (viejo.id, "intereses", D("20000.00")),
        (nuevo.id, "intereses", D("10000.00")), (viejo.id, "capital", D("5000.00"))]
    f = foto(caso.id)
    assert f["obligaciones"] == [(viejo.id, D("95000.00"), D("95000.00"), D("0.00"), D("0.00")),
                                 (nuevo.id, D("50000.00"), D("50000.00"), D("0.00"), D("0.00"))]
    assert f["caso"][0] == D("145000.00")
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "pago.registrar")).one()
    assert len(entrada.despues["aplicado"]) == 4 and entrada.despues["credito"] == "0.00"


def test_orden_del_acreedor_capital_primero(caso, acme):
    acme.orden_imputacion = ["capital", "intereses", "gastos"]
    db.session.commit()
    pago = _pagar(caso, "120000")
    viejo, nuevo = caso.obligaciones
    assert [(x.obligacion_id, x.componente, x.monto) for x in pago.imputaciones] == [
        (viejo.id, "capital", D("100000.00")), (nuevo.id, "capital", D("20000.00"))]


# --- acuerdos -----------------------------------------------------------------------------

@pytest.fixture
def acuerdo(caso):
    """Debt 185.000; agreed 150.000 (quita 35.000) in 50.000 + 2 × 50.000."""
    return crear_acuerdo(caso, ["50000", "50000", "50000"], quita=("0", "30000", "5000"))


def test_cuota_parcial_y_luego_completa(caso, acuerdo):
    _pagar(caso, "70000", "A-1")
    db.session.commit()
    cuotas = foto(caso.id)["cuotas"]
    assert [(n, p) for _, n, p, _ in cuotas] == [(0, D("50000.00")), (1, D("20000.00")),
                                                (2, D("0.00"))]
    assert cuotas[0][3] is not None and cuotas[1][3] is None
    _pagar(db.session.get(Caso, caso.id), "30000", "A-2")
    db.session.commit()
    cuotas = foto(caso.id)["cuotas"]
    assert cuotas[1][2] == D("50000.00") and cuotas[1][3] is not None
    assert foto(caso.id)["acuerdos"][0][1:3] == ("vigente", D("100000.00"))


def test_pago_que_completa_el_acuerdo_condona_el_resto_y_cierra_el_caso(caso, acuerdo):
    _pagar(caso, "100000", "A-1")
    db.session.commit()
    pago = _pagar(db.session.get(Caso, caso.id), "60000", "A-2")
    db.session.commit()
    assert pago.credito == D("10000.00")  # the acuerdo only owed 50.000 more
    f = foto(caso.id)
    assert f["acuerdos"][0][1:3] == ("cumplido", D("150000.00")) and f["acuerdos"][0][3]
    assert f["caso"][:2] == (D("0.00"), "pagado")
    assert all(o[1:] == (0, 0, 0, 0) for o in f["obligaciones"])
    condonacion = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "acuerdo.condonacion")).one()
    assert condonacion.despues["pago_id"] == pago.id
    assert sum(D(x["monto"]) for x in condonacion.despues["lineas"]) == D("35000.00")
    cambio = db.session.scalars(select(CambioEtapa).where(CambioEtapa.hacia == "pagado")).one()
    assert (cambio.desde, cambio.usuario_id) == ("acuerdo", None)
    assert pago.etapa == "acuerdo"
    carta = db.session.scalars(select(Carta).where(Carta.plantilla == "paz_y_salvo")).one()
    assert carta.caso_id == caso.id and carta.parametros == {}
    assert pago.carta_paz_y_salvo is not None and pago.carta_paz_y_salvo.id == carta.id


# --- reversal -----------------------------------------------------------------------------

def test_reversar_deja_todo_como_antes_del_pago(caso, acuerdo):
    _pagar(caso, "70000", "A-1")
    db.session.commit()
    antes = foto(caso.id)
    pago = _pagar(db.session.get(Caso, caso.id), "95000", "A-2")  # completes: 80.000 + credit
    db.session.commit()
    assert foto(caso.id)["caso"][1] == "pagado"
    reversar_pago(pago, None, MOTIVO)
    db.session.commit()
    assert foto(caso.id) == antes
    pago = db.session.get(Pago, pago.id)
    assert pago.estado == "reversado" and pago.motivo_reversion == MOTIVO
    reapertura = db.session.scalars(select(CambioEtapa).where(
        CambioEtapa.desde == "pagado")).one()
    assert reapertura.hacia == "acuerdo" and reapertura.motivo == f"Pago A-2 reversado: {MOTIVO}"
    assert db.session.scalar(select(func.count(Auditoria.id)).where(
        Auditoria.accion == "pago.reversar")) == 1


def test_reversar_un_pago_anterior_reabre_el_acuerdo_cumplido(caso, acuerdo):
    primero = _pagar(caso, "50000", "A-1")
    db.session.commit()
    _pagar(db.session.get(Caso, caso.id), "100000", "A-2")
    db.session.commit()
    reversar_pago(db.session.get(Pago, primero.id), None, MOTIVO)
    db.session.commit()
    f = foto(caso.id)
    assert f["acuerdos"][0][1:3] == ("vigente", D("100000.00"))
    assert [p for _, _, p, _ in f["cuotas"]] == [D("0.00"), D("50000.00"), D("50000.00")]
    assert f["caso"][:2] == (D("85000.00"), "acuerdo")  # 185.000 − the 100.000 still applied
    assert sum(o[1] for o in f["obligaciones"]) == D("85000.00")


def test_no_se_reversa_dos_veces(caso):
    pago = _pagar(caso, "1000")
    db.session.commit()
    reversar_pago(pago, None, MOTIVO)
    db.session.commit()
    antes = foto(caso.id)
    with pytest.raises(PagoYaReversado, match="ya fue reversado"):
        reversar_pago(db.session.get(Pago, pago.id), None, MOTIVO)
    db.session.rollback()
    assert foto(caso.id) == antes


def test_reversar_exige_motivo(caso):
    pago = _pagar(caso, "1000")
    db.session.commit()
    with pytest.raises(PagoInvalido) as error:
        reversar_pago(pago, None, "corto")
    assert error.value.campo == "motivo"


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datos=st.data())
def test_registrar_y_reversar_devuelve_cada_numero(acme, crear_caso, datos):
    """Any schedule, any earlier payment, any payment: reversing it restores everything."""
    entero = st.integers(min_value=0, max_value=300).map(lambda n: D(n * 1000))
    caso = componer(crear_caso(acme, capitales=("1", "1")),
                    *[(datos.draw(entero) + 1000, datos.draw(entero), datos.draw(entero))
                      for _ in range(2)])
    if datos.draw(st.booleans()):
        deuda = caso.saldo
        cuotas = [deuda // 3, deuda // 3, deuda - 2 * (deuda // 3) - datos.draw(
            st.integers(0, int(deuda // 3)).map(D))]
        crear_acuerdo(caso, [str(c) for c in cuotas])
    if datos.draw(st.booleans()):
        _pagar(caso, str(datos.draw(st.integers(1, int(caso.saldo)))), f"P0-{caso.id}")
        db.session.commit()
    caso = db.session.get(Caso, caso.id)
    if caso.etapa == "pagado":
        return
    antes = foto(caso.id)
    pago = _pagar(caso, str(datos.draw(st.integers(1, int(caso.saldo) * 2))), f"P1-{caso.id}")
    db.session.commit()
    assert sum(x.monto for x in pago.imputaciones) + pago.credito == pago.monto
    assert all(c[2] >= 0 for c in foto(caso.id)["cuotas"])
    assert all(min(o[1:]) >= 0 for o in foto(caso.id)["obligaciones"])
    reversar_pago(db.session.get(Pago, pago.id), None, MOTIVO)
    db.session.commit()
    assert foto(caso.id) == antes
    assert sum(x.monto for x in db.session.scalars(select(AbonoCuota).where(
        AbonoCuota.pago_id == pago.id))) <= pago.monto
