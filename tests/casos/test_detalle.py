"""The caso page: everything the agent needs on one screen."""

from datetime import date, timedelta
from decimal import Decimal

from agencia.casos.modelos import Obligacion
from agencia.extensiones import db
from tests.conftest import ingresar


def test_pagina_del_caso_muestra_deudor_obligaciones_y_saldo(
    cliente, crear_acreedor, crear_usuario, crear_caso
):
    acme = crear_acreedor(nombre="Banco Acme")
    ana = crear_usuario("ana", nombre="Ana Agente")
    caso = crear_caso(acme, ana, nombre="María Fernanda Gómez Rojas", documento="1020304050",
                      capitales=("1000000", "234567"), dias_mora=45)
    caso.deudor.ciudad = "Medellín"
    caso.deudor.contactos[0].valido = False
    obligacion = caso.obligaciones[0]
    obligacion.intereses = Decimal("1500.50")
    obligacion.saldo = obligacion.capital + obligacion.intereses
    caso.saldo = Decimal("1236067.50")
    db.session.commit()

    ingresar(cliente, "ana")
    respuesta = cliente.get(f"/casos/{caso.id}")
    html = respuesta.get_data(as_text=True)

    assert respuesta.status_code == 200
    for texto in ("María Fernanda Gómez Rojas", "CC 1020304050", "Medellín", "Banco Acme",
                  "Prejurídico", "Ana Agente", "+573001234567", "No válido",
                  "Llamada, SMS", "Correo electrónico"):
        assert texto in html, texto
    assert "$ 1.236.067,50" in html  # total saldo, with cents
    assert "$ 1.234.567" in html  # total capital row
    assert "$ 1.500,50" in html
    assert ">45<" in html  # días de mora
    for o in caso.obligaciones:
        assert o.referencia in html and o.numero_factura in html
    vence = (date.today() - timedelta(days=45)).strftime("%d/%m/%Y")
    assert vence in html
    assert 'name="csrf_token"' in html and "Registrar gestión" in html


def test_caso_inexistente_da_404(cliente, crear_usuario):
    crear_usuario("ana")
    ingresar(cliente, "ana")
    assert cliente.get("/casos/999999").status_code == 404


def test_obligaciones_ordenadas_y_con_total(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    caso = crear_caso(acme, ana, capitales=("100", "200", "300"))
    ingresar(cliente, "ana")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    total = html[html.index("<tfoot>"):]
    assert "$ 600" in total
    assert db.session.query(Obligacion).count() == 3
