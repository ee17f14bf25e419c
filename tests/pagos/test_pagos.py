"""Payments, simply: recorded once per bank reference, lowering the saldo; full payment closes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import CambioEtapa, Caso, Obligacion
from agencia.extensiones import db
from agencia.pagos.modelos import Pago
from agencia.pagos.servicios import PagoInvalido, registrar_pago
from tests.conftest import ingresar, token_csrf

HOY = date.today()


@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana", nombre="Ana Agente")
    caso = crear_caso(acme, ana, capitales=("100000", "50000"))
    # Two obligaciones with different due dates: the older one is paid first.
    caso.obligaciones[1].fecha_vencimiento = HOY - timedelta(days=90)
    db.session.commit()
    return caso


def _pagos() -> int:
    return db.session.scalar(select(func.count(Pago.id)))


def test_pago_reduce_saldo_de_la_obligacion_mas_antigua_y_audita(caso):
    pago = registrar_pago(caso, Decimal("60000"), HOY, "transferencia", "TRX-1", None)
    db.session.commit()
    assert not pago.ya_existia
    assert caso.saldo == Decimal("90000.00")
    saldos = {o.capital: o.saldo for o in db.session.scalars(select(Obligacion))}
    assert saldos == {Decimal("50000.00"): Decimal("0.00"), Decimal("100000.00"):
                      Decimal("90000.00")}
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "pago.registrar")).one()
    assert entrada.antes == {"saldo": "150000.00"} and entrada.despues["saldo"] == "90000.00"
    assert caso.etapa == "prejuridico"


def test_misma_referencia_dos_veces_se_registra_una(caso):
    primero = registrar_pago(caso, Decimal("1000"), HOY, "pse", "REF-7", None)
    db.session.commit()
    segundo = registrar_pago(caso, Decimal("1000"), HOY, "pse", " REF-7 ", None)
    db.session.commit()
    assert segundo.ya_existia and segundo.id == primero.id
    assert _pagos() == 1 and db.session.get(Caso, caso.id).saldo == Decimal("149000.00")


def test_carrera_en_el_insert_devuelve_el_existente(caso, monkeypatch):
    """The other request inserted between our check and our insert: the unique constraint
    decides inside a savepoint and we get theirs back, with nothing else written."""
    from agencia.pagos import servicios

    db.session.add(Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=Decimal("1000"),
                        fecha=HOY, metodo="pse", referencia_bancaria="REF-9"))
    db.session.commit()
    reales = servicios.pago_por_referencia
    llamadas = {"n": 0}

    def ciega(acreedor_id, referencia):
        llamadas["n"] += 1
        return None if llamadas["n"] == 1 else reales(acreedor_id, referencia)

    monkeypatch.setattr(servicios, "pago_por_referencia", ciega)
    pago = registrar_pago(caso, Decimal("1000"), HOY, "pse", "REF-9", None)
    db.session.commit()
    assert pago.ya_existia and _pagos() == 1
    assert db.session.get(Caso, caso.id).saldo == Decimal("150000.00")


def test_pago_total_pasa_el_caso_a_pagado(caso):
    registrar_pago(caso, Decimal("150000"), HOY, "consignacion", "C-1", None)
    db.session.commit()
    caso = db.session.get(Caso, caso.id)
    assert caso.saldo == 0 and caso.etapa == "pagado"
    cambio = db.session.scalars(select(CambioEtapa)).one()
    assert (cambio.desde, cambio.hacia, cambio.usuario_id) == ("prejuridico", "pagado", None)


@pytest.mark.parametrize(
    ("monto", "fecha", "metodo", "referencia", "campo"),
    [
        (Decimal("0"), HOY, "pse", "R", "monto"),
        (Decimal("-5"), HOY, "pse", "R", "monto"),
        (Decimal("10"), HOY + timedelta(days=1), "pse", "R", "fecha"),
        (Decimal("10"), HOY, "paloma", "R", "metodo"),
        (Decimal("10"), HOY, "pse", "  ", "referencia_bancaria"),
    ],
)
def test_pago_invalido_no_escribe_nada(caso, monto, fecha, metodo, referencia, campo):
    with pytest.raises(PagoInvalido) as error:
        registrar_pago(caso, monto, fecha, metodo, referencia, None)
    assert error.value.campo == campo
    db.session.rollback()
    assert _pagos() == 0 and db.session.get(Caso, caso.id).saldo == Decimal("150000.00")


def _post(cliente, caso, **cambios):
    datos = {"monto": "150.000", "fecha": HOY.isoformat(), "metodo": "transferencia",
             "referencia_bancaria": "BANCO-1",
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    datos.update(cambios)
    return cliente.post(f"/casos/{caso.id}/pagos", data=datos)


def test_ruta_registra_una_vez_y_cierra_el_caso(cliente, caso):
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, monto="50.000")
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "Pago de $ 50.000 registrado." in html and "BANCO-1" in html
    respuesta = _post(cliente, caso, monto="50.000")
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "ya estaba registrado" in html and _pagos() == 1
    respuesta = _post(cliente, caso, monto="100.000", referencia_bancaria="BANCO-2")
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "el caso pasó a Pagado" in html
    assert db.session.get(Caso, caso.id).etapa == "pagado"


@pytest.mark.parametrize(
    ("cambios", "mensaje"),
    [
        ({"monto": ""}, "Indique el monto del pago."),
        ({"monto": "abc"}, "Escriba un monto válido"),
        ({"monto": "0"}, "mayor que cero"),
        ({"referencia_bancaria": ""}, "Indique la referencia bancaria del pago."),
        ({"fecha": (HOY + timedelta(days=3)).isoformat()}, "no puede ser futura"),
        ({"fecha": "31/02/2025"}, "Escriba una fecha válida"),
    ],
)
def test_ruta_pago_invalido_400(cliente, caso, cambios, mensaje):
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, **cambios)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert mensaje in html and "No se registró el pago" in html
    assert _pagos() == 0


def test_abogado_no_registra_pagos(cliente, caso, crear_usuario):
    crear_usuario("luis", rol="abogado")
    ingresar(cliente, "luis")
    assert _post(cliente, caso).status_code == 403
    assert _pagos() == 0
