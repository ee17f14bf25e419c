"""The contact policy on the caso page: told before saving, refused on saving, overridden only
by a supervisor (audited), inbound always recorded.

Route tests cannot choose the moment, so they use situations that block at any hour: the
deudor (Colombia, by the acreedor's country) never authorised WhatsApp, visits are forbidden
in Colombia, a caso in disputa, a deudor marked no-contactar.
"""

import re

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf

MOTIVO = "El deudor pidió por escrito que le escribieran por WhatsApp."


@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()  # CO
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("sara", rol="supervisor", nombre="Sara Supervisora")
    crear_usuario("cli", rol="cliente", acreedor=acme)
    return crear_caso(acme, ana)  # phone: llamada, sms; email: email; no address


def _enviar(cliente, caso, **cambios):
    datos = {"canal": "whatsapp", "direccion": "saliente", "resultado": "mensaje_dejado",
             "nota": "Le escribí por WhatsApp.", "proxima_accion": "",
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    datos.update(cambios)
    return cliente.post(f"/casos/{caso.id}/gestiones", data=datos)


def _gestiones() -> int:
    return db.session.scalar(select(func.count(Gestion.id)))


def _auditadas(accion: str) -> list[Auditoria]:
    return list(db.session.scalars(select(Auditoria).where(Auditoria.accion == accion)))


@pytest.mark.parametrize(("preparar", "canal", "motivo"), [
    (None, "whatsapp", "el deudor no autorizó el canal WhatsApp"),
    (None, "visita", "el canal Visita no está permitido"),
    ("disputa", "llamada", "el caso está en disputa"),
    ("no_contactar", "email", "el deudor está marcado «no contactar»"),
], ids=["sin consentimiento", "visita en CO", "disputa", "no contactar"])
def test_saliente_bloqueada_da_400_con_motivos_y_no_guarda(cliente, caso, preparar, canal,
                                                           motivo):
    if preparar == "disputa":
        caso.en_disputa = True
    elif preparar == "no_contactar":
        caso.deudor.no_contactar = True
    db.session.commit()
    ingresar(cliente, "ana")
    respuesta = _enviar(cliente, caso, canal=canal)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert "La política de contacto no permite este contacto ahora." in html
    assert "La política de contacto no permite un contacto saliente" in html
    assert motivo.lower() in html.lower()
    assert _gestiones() == 0 and not _auditadas("gestion.registrada")


def test_supervisor_autoriza_excepcion_y_queda_auditada(cliente, caso):
    ingresar(cliente, "sara")
    respuesta = _enviar(cliente, caso, excepcion="y", excepcion_motivo=MOTIVO)
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "Gestión registrada con una excepción a la política de contacto" in html

    gestion = db.session.scalars(select(Gestion)).one()
    assert gestion.canal == "whatsapp" and gestion.excepcion_motivo == MOTIVO
    assert gestion.excepcion_autorizada_por == gestion.usuario_id
    assert gestion.usuario.usuario == "sara"
    (entrada,) = _auditadas("contacto.excepcion")
    assert entrada.usuario_id == gestion.usuario_id and entrada.entidad_id == caso.id
    assert any("no autorizó el canal WhatsApp" in m for m in entrada.antes["motivos"])
    assert entrada.despues["canal"] == "whatsapp" and entrada.despues["motivo"] == MOTIVO


def test_excepcion_sin_motivo_suficiente_da_400(cliente, caso):
    ingresar(cliente, "sara")
    respuesta = _enviar(cliente, caso, excepcion="y", excepcion_motivo="urgente")
    assert respuesta.status_code == 400
    assert "Explique el motivo de la excepción (al menos 10 caracteres)." in (
        respuesta.get_data(as_text=True))
    assert _gestiones() == 0 and not _auditadas("contacto.excepcion")


def test_agente_no_puede_autorizar_excepcion(cliente, caso):
    ingresar(cliente, "ana")
    respuesta = _enviar(cliente, caso, excepcion="y", excepcion_motivo=MOTIVO)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert "Solo un supervisor o un administrador puede autorizar una excepción" in html
    assert _gestiones() == 0 and not _auditadas("contacto.excepcion")


def test_entrante_se_guarda_aunque_la_saliente_este_bloqueada(cliente, caso):
    caso.en_disputa = True
    db.session.commit()
    ingresar(cliente, "ana")
    respuesta = _enviar(cliente, caso, direccion="entrante", resultado="titular_contactado",
                        nota="El deudor escribió por WhatsApp.")
    assert respuesta.status_code == 302
    gestion = db.session.scalars(select(Gestion)).one()
    assert (gestion.canal, gestion.direccion) == ("whatsapp", "entrante")


def test_contacto_json_responde_antes_de_guardar(cliente, caso):
    ingresar(cliente, "ana")
    url = f"/casos/{caso.id}/contacto.json"
    bloqueado = cliente.get(url, query_string={"canal": "whatsapp", "direccion": "saliente"})
    assert bloqueado.status_code == 200
    assert bloqueado.headers["Cache-Control"] == "no-store"
    datos = bloqueado.get_json()
    assert datos["permitido"] is False
    assert any("no autorizó el canal WhatsApp" in m for m in datos["motivos"])
    assert datos["proximo_permitido"] is None and datos["proximo_texto"] == ""

    entrante = cliente.get(url, query_string={"canal": "whatsapp", "direccion": "entrante"})
    assert entrante.get_json()["permitido"] is True
    assert entrante.get_json()["motivos"] == []

    malo = cliente.get(url, query_string={"canal": "paloma"})
    assert malo.status_code == 400 and "Elija un canal" in malo.get_json()["mensaje"]
    assert cliente.get("/casos/999999/contacto.json?canal=sms").status_code == 404


def test_contacto_json_proximo_en_hora_local(cliente, caso):
    """When a time rule blocks, the answer carries the next moment (ISO) and its local text."""
    ingresar(cliente, "ana")
    datos = cliente.get(f"/casos/{caso.id}/contacto.json?canal=llamada").get_json()
    if datos["permitido"]:
        assert datos["proximo_permitido"] is None
    else:
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d \(hora local\)", datos["proximo_texto"])
        assert datos["proximo_permitido"].endswith("+00:00")


def test_contacto_json_solo_personal(cliente, caso):
    ingresar(cliente, "cli")
    assert cliente.get(f"/casos/{caso.id}/contacto.json?canal=sms").status_code == 404


def test_panel_contacto_ahora_en_la_pagina_del_caso(cliente, caso):
    ingresar(cliente, "ana")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    panel = html[html.index('id="contacto-ahora"'):html.index("Registrar gestión")]
    for texto in ("Contacto ahora", "Hora local del deudor", "America/Bogota",
                  "Colombia — Ley 2300 de 2023", "El deudor no tiene país registrado",
                  "WhatsApp", "el deudor no autorizó el canal WhatsApp",
                  "el canal visita no está permitido", "no hay una dirección válida"):
        assert texto.lower() in panel.lower(), texto
    assert panel.count("Bloqueado") >= 3  # whatsapp, carta, visita at least
    assert f'data-politica-url="/casos/{caso.id}/contacto.json"' in html
    assert re.search(r'<script src="/[a-z]+/politica\.js" defer></script>', html)
    assert "<script>" not in html  # CSP: no inline script
    assert "Autorizar excepción" not in html  # an agent cannot authorise


def test_supervisor_ve_la_casilla_de_excepcion(cliente, caso):
    ingresar(cliente, "sara")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Autorizar excepción a la política de contacto" in html
    assert 'name="excepcion_motivo"' in html
