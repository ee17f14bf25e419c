"""Letter templates: sandbox, autoescape, and what the recordatorio says."""

from datetime import UTC, datetime

import pytest
from jinja2 import TemplateNotFound, UndefinedError
from jinja2.exceptions import SecurityError

from agencia.cartas import plantillas
from agencia.cartas.servicios import solicitar_carta
from agencia.extensiones import db


def _html(caso, agente, plantilla="recordatorio_amistoso"):
    carta = solicitar_carta(caso.id, plantilla, agente.id)
    db.session.flush()
    return plantillas.renderizar(plantilla, plantillas.contexto(carta, caso))


@pytest.mark.parametrize(
    "fuente",
    [
        "{{ deudor.nombre.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ deudor.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_el_sandbox_no_deja_llegar_a_los_atributos_internos(fuente):
    plantilla = plantillas.entorno().from_string(fuente)
    with pytest.raises(SecurityError):
        plantilla.render(deudor={"nombre": "Ana"})


def test_una_plantilla_no_sale_de_su_carpeta():
    with pytest.raises(TemplateNotFound):
        plantillas.entorno().from_string('{% include "../base.html" %}').render()


def test_variable_mal_escrita_hace_fallar_la_carta_en_vez_de_imprimir_vacio():
    with pytest.raises(UndefinedError):
        plantillas.entorno().from_string("Estimado {{ deudr.nombre }}").render(deudor={})


def test_autoescape_el_nombre_con_script_sale_como_texto(crear_acreedor, crear_usuario, crear_caso):
    acreedor = crear_acreedor()
    agente = crear_usuario("agente1")
    caso = crear_caso(acreedor, nombre='<script>alert("x")</script> Pérez & Cía')
    html = _html(caso, agente)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Pérez &amp; Cía" in html
    assert "<script>" not in html


def test_el_recordatorio_trae_deudor_obligaciones_total_y_contacto(escenario):
    acreedor, agente, caso = escenario
    html = _html(caso, agente)
    obligacion = caso.obligaciones[0]
    for esperado in (
        "María Fernanda Gómez Rojas",
        caso.deudor.documento,
        "Comercializadora Acme S.A.S.",
        "NIT 900123456-7",
        obligacion.referencia,
        obligacion.numero_factura,
        obligacion.fecha_vencimiento.strftime("%d/%m/%Y"),
        "$ 1.234.567",
        "Total saldo pendiente",
        "Agencia de Cobranza S.A.S.",
        "no es una comunicación de un juzgado",
        "Ley 1581 de 2012",
    ):
        assert esperado in html, esperado
    for amenaza in ("embargo", "demanda", "cárcel", "juzgado de", "reportado"):
        assert amenaza not in html.lower()


def test_contexto_fecha_larga_en_espanol_y_dinero_en_la_moneda_del_acreedor(
    crear_acreedor, crear_usuario, crear_caso
):
    acreedor = crear_acreedor("PERU", pais="PE", moneda="PEN", zona_horaria="America/Lima")
    agente = crear_usuario("agente1")
    caso = crear_caso(acreedor, capitales=("1500.50",))
    carta = solicitar_carta(caso.id, "recordatorio_amistoso", agente.id)
    contexto = plantillas.contexto(carta, caso, ahora=datetime(2025, 3, 1, 3, 0, tzinfo=UTC))
    assert contexto["fecha_larga"] == "28 de febrero de 2025"  # still Feb 28 in Lima
    assert contexto["fecha"] == "28/02/2025"
    assert contexto["saldo"] == "S/ 1.500,50"
    assert plantillas.papel_de("PE") == "A4" and plantillas.papel_de("CO") == "Letter"
    # Plain data only: a template cannot walk ORM relationships.
    assert isinstance(contexto["deudor"], dict) and isinstance(contexto["acreedor"], dict)
