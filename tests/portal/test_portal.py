"""The creditor's portal: portfolio by etapa, its casos, a caso without internal notes."""

import re
from decimal import Decimal

import pytest

from agencia.casos.modelos import ETAPAS, Gestion
from agencia.extensiones import db
from agencia.portal.servicios import resumen_por_etapa
from tests.conftest import ingresar


@pytest.fixture
def carteras(crear_acreedor, crear_usuario, crear_caso):
    """ACME with casos in three etapas, and OTRO with a caso that must never show."""
    acme = crear_acreedor("ACME", nombre="Banco Acme")
    otro = crear_acreedor("OTRO", nombre="Otro Acreedor")
    crear_usuario("portal-acme", rol="cliente", acreedor=acme)
    casos = {
        "gomez": crear_caso(acme, nombre="María Gómez", documento="1020304050",
                            capitales=("1000000.50", "234567")),
        "perez": crear_caso(acme, nombre="Pedro Pérez", capitales=("500000",),
                            etapa="negociacion"),
        "ruiz": crear_caso(acme, nombre="Rosa Ruiz", capitales=("250000.25",),
                           etapa="negociacion"),
        "diaz": crear_caso(acme, nombre="Darío Díaz", capitales=("100000",), etapa="pagado"),
        "ajeno": crear_caso(otro, nombre="Deudor Ajeno", capitales=("9999999",)),
    }
    return acme, otro, casos


def test_resumen_por_etapa_en_decimal_con_todas_las_etapas(carteras):
    acme, otro, _ = carteras
    resumen = resumen_por_etapa(acme.id)
    assert resumen.casos == 4
    assert resumen.saldo == Decimal("2084567.75")
    por_etapa = {fila.etapa: (fila.casos, fila.saldo) for fila in resumen.etapas}
    assert list(por_etapa) == list(ETAPAS)
    assert por_etapa["prejuridico"] == (1, Decimal("1234567.50"))
    assert por_etapa["negociacion"] == (2, Decimal("750000.25"))
    assert por_etapa["pagado"] == (1, Decimal("100000.00"))
    assert por_etapa["juridico"] == (0, Decimal("0"))
    assert all(isinstance(saldo, Decimal) for _, saldo in por_etapa.values())
    assert resumen_por_etapa(otro.id).saldo == Decimal("9999999.00")


def test_resumen_exige_un_acreedor(carteras):
    with pytest.raises(ValueError):
        resumen_por_etapa(None)


def test_portafolio_muestra_totales_y_barras(cliente, carteras):
    ingresar(cliente, "portal-acme")
    html = cliente.get("/portal/").get_data(as_text=True)
    assert "$ 2.084.567,75" in html and "$ 750.000,25" in html
    for nombre in ETAPAS.values():
        assert nombre in html
    assert html.count('class="barra-grafico') == 2 * len(ETAPAS)
    assert re.search(r'class="barra-grafico\s+ancho-50"', html)  # negociacion: 2 of 4 casos
    assert "Deudor Ajeno" not in html and "9.999.999" not in html


def test_lista_de_casos_con_filtros(cliente, carteras):
    _, _, casos = carteras
    ingresar(cliente, "portal-acme")
    html = cliente.get("/portal/casos").get_data(as_text=True)
    for nombre in ("María Gómez", "Pedro Pérez", "Rosa Ruiz", "Darío Díaz"):
        assert nombre in html
    assert "Deudor Ajeno" not in html
    assert casos["gomez"].obligaciones[0].referencia in html
    assert "$ 1.234.567,50" in html

    html = cliente.get("/portal/casos?etapa=negociacion").get_data(as_text=True)
    assert "Pedro Pérez" in html and "Rosa Ruiz" in html and "María Gómez" not in html

    for q in ("1020304050", "gómez", casos["gomez"].obligaciones[1].referencia):
        html = cliente.get("/portal/casos", query_string={"q": q}).get_data(as_text=True)
        assert "María Gómez" in html and "Pedro Pérez" not in html, q

    html = cliente.get("/portal/casos?q=Ajeno").get_data(as_text=True)
    assert "Deudor Ajeno" not in html and "No hay casos con esos filtros" in html


def test_detalle_del_caso_sin_notas_internas(cliente, carteras, crear_usuario):
    _, _, casos = carteras
    ana = crear_usuario("ana", nombre="Ana Agente")
    caso = casos["gomez"]
    db.session.add(Gestion(caso_id=caso.id, usuario_id=ana.id, canal="llamada",
                           direccion="saliente", resultado="promesa_pago",
                           nota="NOTA-INTERNA: el deudor suena molesto"))
    db.session.commit()

    ingresar(cliente, "portal-acme")
    respuesta = cliente.get(f"/portal/casos/{caso.id}")
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    assert "María Gómez" in html and "Prejurídico" in html and "$ 1.234.567,50" in html
    assert "Llamada" in html and "Promesa de pago" in html
    assert "NOTA-INTERNA" not in html and "Ana Agente" not in html
    for obligacion in caso.obligaciones:
        assert obligacion.referencia in html


def test_caso_de_otro_acreedor_da_404(cliente, carteras):
    _, _, casos = carteras
    ingresar(cliente, "portal-acme")
    assert cliente.get(f"/portal/casos/{casos['ajeno'].id}").status_code == 404


def test_personal_no_entra_al_portal(cliente, carteras, crear_usuario):
    crear_usuario("ana")
    ingresar(cliente, "ana")
    assert cliente.get("/portal/casos").status_code == 403
