"""Fees: the admin page, the ledger (cargo and reversa) and the summary for the statement."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario
from agencia.honorarios.servicios import guardar_configuracion, resumen
from agencia.pagos.reversion import reversar_pago
from agencia.pagos.servicios import registrar_pago
from tests.conftest import ingresar, token_csrf
from tests.pagos.ayudas import HOY

D = Decimal
PORCENTAJES = {"prejuridico": D("10"), "negociacion": D("12.5"), "acuerdo": D("8"),
               "juridico": D("20")}


@pytest.fixture
def acme(crear_acreedor):
    acme = crear_acreedor()
    guardar_configuracion(acme, PORCENTAJES, ["gastos", "intereses", "capital"], 5, None)
    db.session.commit()
    return acme


def test_cargo_por_pago_y_reversa_negativa(acme, crear_caso):
    caso = crear_caso(acme, capitales=("100000",), etapa="negociacion")
    pago = registrar_pago(caso, D("120001"), HOY, "pse", "H-1", None)  # 20.001 of credit
    db.session.commit()
    cargo = db.session.scalars(select(Honorario)).one()
    assert (cargo.tipo, cargo.etapa, cargo.base, cargo.porcentaje, cargo.monto) == (
        "cargo", "negociacion", D("100000.00"), D("12.50"), D("12500.00"))
    reversar_pago(pago, None, "Transferencia devuelta por el banco")
    db.session.commit()
    reversa = db.session.scalars(select(Honorario).where(Honorario.tipo == "reversa")).one()
    assert (reversa.base, reversa.monto) == (D("-100000.00"), D("-12500.00"))


def test_redondeo_a_la_unidad_de_la_moneda(crear_acreedor, crear_caso):
    usd = crear_acreedor("USA", pais="US", moneda="USD")
    guardar_configuracion(usd, {**PORCENTAJES, "prejuridico": D("7.33")},
                          ["gastos", "intereses", "capital"], 5, None)
    registrar_pago(crear_caso(usd, capitales=("500.00",)), D("10.01"), HOY, "pse", "U", None)
    assert db.session.scalars(select(Honorario)).one().monto == D("0.73")  # 0.733733


def test_resumen_por_moneda_y_periodo(acme, crear_caso):
    caso = crear_caso(acme, capitales=("1000000",))
    registrar_pago(caso, D("200000"), HOY - timedelta(days=40), "pse", "R-1", None)
    registrar_pago(caso, D("100000"), HOY, "pse", "R-2", None)
    tercero = registrar_pago(caso, D("50000"), HOY, "pse", "R-3", None)
    reversar_pago(tercero, None, "Cheque rechazado por fondos")
    db.session.commit()
    mes = resumen(acme.id, HOY - timedelta(days=10), HOY)
    assert mes == {"COP": {"recuperado": D("100000.00"), "honorarios": D("10000.00"),
                           "neto": D("90000.00")}}
    todo = resumen(acme.id, HOY - timedelta(days=60), HOY)
    assert todo["COP"]["recuperado"] == D("300000.00") and todo["COP"]["neto"] == D("270000.00")


def test_pagina_de_administracion(cliente, acme, crear_usuario, app):
    crear_usuario("admin", rol="admin")
    ingresar(cliente, "admin")
    url = f"/admin/acreedores/{acme.id}/honorarios"
    html = cliente.get(url).get_data(as_text=True)
    assert "12.50" in html and "Orden de imputación" in html
    datos = {"porcentaje_prejuridico": "15", "porcentaje_negociacion": "12,5",
             "porcentaje_acuerdo": "8", "porcentaje_juridico": "25.25",
             "orden_1": "intereses", "orden_2": "gastos", "orden_3": "capital",
             "dias_gracia_cuota": "7", "csrf_token": token_csrf(cliente, url)}
    assert cliente.post(url, data=datos).status_code == 302
    db.session.expire_all()
    acreedor = db.session.get(Acreedor, acme.id)
    assert acreedor.orden_imputacion == ["intereses", "gastos", "capital"]
    assert acreedor.dias_gracia_cuota == 7
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "honorarios.configurar").order_by(Auditoria.id.desc())).first()
    assert entrada.despues["porcentajes"]["juridico"] == "25.25"
    for cambio, mensaje in [({"porcentaje_juridico": "101"}, "va de 0 a 100"),
                            ({"porcentaje_juridico": "1.234"}, "hasta dos decimales"),
                            ({"porcentaje_juridico": "x"}, "Escriba un porcentaje"),
                            ({"orden_3": "gastos"}, "cada uno una vez"),
                            ({"dias_gracia_cuota": "-1"}, "de 0 a 90")]:
        respuesta = cliente.post(url, data={**datos, **cambio})
        assert respuesta.status_code == 400 and mensaje in respuesta.get_data(as_text=True)
    supervisor = app.test_client()
    crear_usuario("sofia", rol="supervisor")
    ingresar(supervisor, "sofia")
    assert supervisor.get(url).status_code == 403
