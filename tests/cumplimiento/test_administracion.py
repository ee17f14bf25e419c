"""Policy administration as its users meet it: an admin tightens an acreedor's policy on the
page, loosening or nonsense is refused with every reason and nothing saved, and each role sees
what it may see.

Forms are read from the page and submitted the way a browser would, so the prefilled values
themselves are part of what is tested.
"""

from datetime import time

import pytest
from sqlalchemy import select

from agencia.cumplimiento import motor
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.presets import Tope
from agencia.cumplimiento.servicios import PoliticaInvalida, guardar_ajustes, politicas_de
from agencia.extensiones import db
from tests.conftest import ingresar
from tests.cumplimiento.paginas import (
    auditoria,
    filas_politica,
    formulario,
    preparar_mundo,
    url_politica,
)

SEMANA = range(5)  # lunes … viernes


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso):
    return preparar_mundo(crear_acreedor, crear_usuario, crear_caso)


def test_admin_endurece_horario_y_tope_y_el_motor_lo_aplica(cliente, mundo):
    acreedor, caso = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    datos = formulario(cliente, url)
    assert datos["desde_0"] == "07:00" and datos["hasta_0"] == "19:00"  # prefilled with the law
    for dia in SEMANA:
        datos[f"desde_{dia}"], datos[f"hasta_{dia}"] = "08:00", "17:00"
    datos["tope_llamada_max"], datos["tope_llamada_dias"] = "1", "7"

    respuesta = cliente.post(url, data=datos)

    assert respuesta.status_code == 302 and respuesta.location.endswith(url)
    assert "Política actualizada." in cliente.get(url).get_data(as_text=True)
    fila = db.session.scalars(select(PoliticaAcreedor)).one()
    esperado = {"horario": {str(d): ["08:00", "17:00"] for d in SEMANA},
                "topes": {"llamada": {"max": 1, "dias": 7}}}
    assert (fila.acreedor_id, fila.pais, fila.ajustes) == (acreedor.id, "CO", esperado)
    [entrada] = auditoria("politica.ajustar")
    assert entrada.acreedor_id == acreedor.id and entrada.usuario_id is not None
    assert (entrada.antes["ajustes"], entrada.despues["ajustes"]) == ({}, esperado)

    politica, _ = motor.politica_para(caso)
    assert politica.horario[0] == (time(8), time(17))
    assert politica.horario[5] == (time(8), time(15))  # Saturday keeps the law's hours
    assert politica.topes["llamada"] == Tope(1, 7)
    # The page now shows the new values, marked as stricter than the law.
    html = cliente.get(url).get_data(as_text=True)
    assert "lunes a viernes 08:00–17:00" in html and "más estricto" in html
    assert formulario(cliente, url)["desde_0"] == "08:00"


def test_guardar_sin_cambios_no_agrega_ajustes_ni_auditoria(cliente, mundo):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    assert cliente.post(url, data=formulario(cliente, url)).status_code == 302
    assert db.session.scalars(select(PoliticaAcreedor)).one().ajustes == {}
    assert auditoria("politica.ajustar") == []


@pytest.mark.parametrize("cambio, mensaje", [
    ({"desde_0": "06:00", "hasta_0": "21:00"},
     "Horario del lunes: 06:00–21:00 sale del horario legal, 07:00–19:00"),
    ({"sin_contacto_6": None, "desde_6": "09:00", "hasta_6": "12:00"},
     "Horario del domingo: la ley no permite contactar ese día"),
    ({"max_por_dia": "2"}, "Máximo de contactos por día: 2 supera el máximo legal, 1"),
    ({"max_por_dia": ""}, "Máximo de contactos por día: sin límite supera el máximo legal"),
    ({"prohibido_visita": None}, "Canales prohibidos: la ley prohíbe el canal"),
    ({"requiere_consentimiento": None}, "Consentimiento por canal: la ley lo exige"),
], ids=["horas-fuera", "domingo", "tope-diario", "sin-limite", "visita", "consentimiento"])
def test_aflojar_la_ley_se_rechaza_sin_guardar(cliente, mundo, cambio, mensaje):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    datos = formulario(cliente, url)
    datos["tope_llamada_max"], datos["tope_llamada_dias"] = "1", "7"  # a valid change alongside
    for campo, valor in cambio.items():
        datos.pop(campo) if valor is None else datos.__setitem__(campo, valor)

    respuesta = cliente.post(url, data=datos)

    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert mensaje in html and "No se guardó nada" in html
    assert filas_politica() == 0 and auditoria("politica.ajustar") == []


def test_tope_por_encima_del_legal_se_rechaza(cliente, mundo, crear_acreedor):
    chile = crear_acreedor("CHL", "Retail Chile", pais="CL", moneda="CLP")
    ingresar(cliente, "admin")
    url = url_politica(chile, "CL")
    datos = formulario(cliente, url)
    assert (datos["tope_llamada_max"], datos["tope_llamada_dias"]) == ("1", "7")
    datos["tope_llamada_max"], datos["separacion_sms"] = "3", "1"

    respuesta = cliente.post(url, data=datos)

    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert ": 3 en 7 días es menos estricto que el legal, 1 en 7 días" in html
    assert "Separación de SMS: 1 día es menos que el mínimo legal, 2 días" in html
    assert filas_politica() == 0


@pytest.mark.parametrize("cambio, mensaje", [
    ({"desde_2": "17:00", "hasta_2": "08:00"},
     "Horario del miércoles: la hora de inicio (17:00) debe ser anterior a la de fin (08:00)."),
    ({"desde_1": "10:00", "hasta_1": "10:00"}, "Horario del martes: la hora de inicio (10:00)"),
    ({"tope_email_max": "-1", "tope_email_dias": "7"},
     "el máximo debe ser un número entero mayor que cero."),
    ({"tope_sms_max": "2", "tope_sms_dias": "0"}, "el período debe ser de al menos 1 día"),
    ({"separacion_carta": "-3"}, "debe ser un número de días entero y no negativo"),
    ({"tope_sms_max": "2", "tope_sms_dias": ""},
     "Indique el máximo y los días del tope de SMS, o deje ambos vacíos."),
    ({"desde_3": "25:99"}, "Escriba una hora válida (HH:MM)."),
    ({"desde_4": ""}, "Indique desde y hasta para el viernes, o marque «sin contacto»."),
    ({"max_por_dia": "uno"}, "Escriba un número entero."),
    ({"tope_total_max": "5", "tope_total_dias": "100000"}, "El valor no puede superar 366."),
], ids=["desde-mayor", "desde-igual", "tope-negativo", "cero-dias", "separacion-negativa",
        "tope-a-medias", "hora-mala", "hora-faltante", "no-numero", "dias-enormes"])
def test_valores_contradictorios_se_rechazan_sin_guardar(cliente, mundo, cambio, mensaje):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    datos = formulario(cliente, url) | cambio

    respuesta = cliente.post(url, data=datos)

    assert respuesta.status_code == 400
    assert mensaje in respuesta.get_data(as_text=True)
    assert filas_politica() == 0 and auditoria("politica.ajustar") == []


def test_lista_marca_lo_endurecido_y_los_paises_de_los_deudores(cliente, mundo, crear_caso):
    acreedor, _ = mundo
    otro = crear_caso(acreedor, nombre="Deudor en Lima")
    otro.deudor.pais = "PE"
    guardar_ajustes(acreedor.id, "CO", {"max_por_dia": 1, "canales_prohibidos": ["visita", "sms"]},
                    None)
    db.session.commit()
    ingresar(cliente, "supervisor")

    html = cliente.get("/admin/politicas/").get_data(as_text=True)

    assert "Banco Acme" in html and "Colombia — Ley 2300 de 2023" in html
    assert "Perú — Ley 29571" in html  # a deudor lives in Peru
    assert "SMS, Visita" in html and "más estricto" in html
    assert [p.pais for p in politicas_de(acreedor.id)] == ["CO", "PE"]


def test_supervisor_ve_sin_poder_modificar(cliente, mundo):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    datos = formulario(cliente, url) | {"max_por_dia": "1", "tope_sms_max": "1",
                                        "tope_sms_dias": "7"}
    cliente.post("/salir", data={"csrf_token": datos["csrf_token"]})
    ingresar(cliente, "supervisor")

    pagina = cliente.get(url).get_data(as_text=True)
    assert "modo de consulta" in pagina and "Guardar política" not in pagina
    assert "Excepción auditada" not in pagina and "/excepcion" not in pagina
    token = formulario(cliente, url)["csrf_token"]
    assert cliente.post(url, data=datos | {"csrf_token": token}).status_code == 403
    excepcion = {"csrf_token": token, "excepcion-motivo": "Campaña especial autorizada"}
    assert cliente.post(url + "/excepcion", data=excepcion).status_code == 403
    assert filas_politica() == 0


@pytest.mark.parametrize("usuario, codigo", [("agente", 403), ("cliente", 404)])
def test_agente_403_y_cliente_404(cliente, mundo, usuario, codigo):
    acreedor, _ = mundo
    ingresar(cliente, usuario)
    assert cliente.get("/admin/politicas/").status_code == codigo
    assert cliente.get(url_politica(acreedor)).status_code == codigo


def test_pais_sin_politica(cliente, mundo):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    assert cliente.get(url_politica(acreedor, "XX")).status_code == 404
    assert cliente.get("/admin/politicas/999999/CO").status_code == 404
    with pytest.raises(PoliticaInvalida) as error:
        guardar_ajustes(acreedor.id, "XX", {}, None)
    assert error.value.errores == ["No hay política para el país «XX»."]


def test_sin_csrf_400_y_nada_guardado(cliente, mundo):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    datos = formulario(cliente, url) | {"max_por_dia": "1", "tope_sms_max": "1",
                                        "tope_sms_dias": "7"}
    del datos["csrf_token"]
    assert cliente.post(url, data=datos).status_code == 400
    assert cliente.post(url + "/excepcion/retirar").status_code == 400
    assert filas_politica() == 0


def test_fila_guardada_que_ya_no_es_valida_se_muestra_y_no_se_aplica(cliente, mundo):
    """A row written before the law changed (here: by hand) never loosens anything."""
    acreedor, _ = mundo
    db.session.add(PoliticaAcreedor(acreedor_id=acreedor.id, pais="CO", ajustes={"max_por_dia": 5}))
    db.session.commit()
    ingresar(cliente, "admin")

    html = cliente.get(url_politica(acreedor)).get_data(as_text=True)

    assert "ya no es válida y no se aplica" in html
    assert "supera el máximo legal" in html
    [politica] = [p for p in politicas_de(acreedor.id) if p.pais == "CO"]
    assert politica.efectiva.max_por_dia == 1 and politica.errores
    assert cliente.get("/admin/politicas/").status_code == 200


def test_fila_creada_a_la_vez_por_otro_admin_no_falla(crear_acreedor, monkeypatch):
    """Two admins saving a new country at once: the second insert meets the unique constraint
    and uses the row the first one wrote (simulated: the look-up misses a row that exists)."""
    from agencia.cumplimiento import servicios as srv

    acreedor = crear_acreedor("CARRERA")
    db.session.add(PoliticaAcreedor(acreedor_id=acreedor.id, pais="CO", ajustes={}))
    db.session.commit()
    original, llamadas = srv._fila, []

    def fila_que_llega_tarde(acreedor_id, pais):
        llamadas.append(pais)
        return None if len(llamadas) == 1 else original(acreedor_id, pais)

    monkeypatch.setattr(srv, "_fila", fila_que_llega_tarde)
    fila = srv._fila_para_escribir(acreedor.id, "CO")
    assert fila.id is not None and len(llamadas) == 2
    assert db.session.query(PoliticaAcreedor).count() == 1
