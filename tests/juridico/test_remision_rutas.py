"""Legal referral, the pages: the caso page's panel and form, the staff list, the acreedor's
rule, and the portal's approvals (tenancy: another acreedor's remision is a 404)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from agencia.casos.modelos import Caso, Gestion
from agencia.extensiones import db
from agencia.juridico import remision as r
from agencia.juridico.modelos import ReglaRemision, Remision
from agencia.promesas.servicios import hoy_local
from tests.conftest import ingresar, token_csrf

MOTIVO = "El deudor no responde y el plan de pagos se incumplió."


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    otro = crear_acreedor("OTRO")
    usuarios = {rol: crear_usuario(rol, rol=rol) for rol in ("agente", "supervisor", "admin")}
    usuarios["cliente"] = crear_usuario("cliente", rol="cliente", acreedor=acme)
    usuarios["cliente-otro"] = crear_usuario("cliente-otro", rol="cliente", acreedor=otro)
    caso = crear_caso(acme, usuarios["agente"], etapa="negociacion")
    return type("Mundo", (), dict(acme=acme, otro=otro, usuarios=usuarios, caso=caso))


def _post(cliente, url: str, pagina: str, **datos):
    datos.setdefault("csrf_token", token_csrf(cliente, pagina))
    return cliente.post(url, data=datos)


def _remisiones() -> int:
    return db.session.scalar(select(func.count(Remision.id)))


def test_supervisor_solicita_desde_la_pagina_del_caso(cliente, mundo):
    caso = mundo.caso
    ingresar(cliente, "supervisor")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Solicitar remisión a jurídico" in html and "Remitir a jurídico" not in html
    respuesta = _post(cliente, f"/juridico/remisiones/casos/{caso.id}", f"/casos/{caso.id}",
                      motivo=MOTIVO)
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    remision = db.session.scalars(select(Remision)).one()
    assert f"Remisión n.º {remision.id} solicitada" in html
    assert "Esperando el aviso de remisión" in html and "cuando se envíe el aviso" in html
    assert db.session.get(Caso, caso.id).etapa == "negociacion"


@pytest.mark.parametrize(("preparar", "motivo", "mensaje"), [
    (lambda c: setattr(c, "en_disputa", True), MOTIVO, "el caso está en disputa"),
    (lambda c: None, "corto", "al menos 10 caracteres"),
])
def test_solicitud_rechazada_400_con_el_motivo(cliente, mundo, preparar, motivo, mensaje):
    preparar(mundo.caso)
    db.session.commit()
    ingresar(cliente, "supervisor")
    caso_id = mundo.caso.id
    respuesta = _post(cliente, f"/juridico/remisiones/casos/{caso_id}", f"/casos/{caso_id}",
                      motivo=motivo)
    assert respuesta.status_code == 400
    assert mensaje in respuesta.get_data(as_text=True)
    assert _remisiones() == 0


def test_agente_no_solicita(cliente, mundo):
    ingresar(cliente, "agente")
    caso_id = mundo.caso.id
    assert "Solicitar remisión a jurídico" not in cliente.get(f"/casos/{caso_id}").get_data(
        as_text=True)
    respuesta = _post(cliente, f"/juridico/remisiones/casos/{caso_id}", f"/casos/{caso_id}",
                      motivo=MOTIVO)
    assert respuesta.status_code == 403 and _remisiones() == 0


def test_panel_muestra_el_error_del_aviso_y_cancelar(cliente, mundo):
    remision = r.solicitar_remision(mundo.caso, mundo.usuarios["supervisor"], MOTIVO)
    remision.carta_aviso.estado = "error"
    remision.carta_aviso.error = "La política de contacto no permite esta carta: sin dirección."
    db.session.commit()
    ingresar(cliente, "supervisor")
    caso_id = mundo.caso.id
    html = cliente.get(f"/casos/{caso_id}").get_data(as_text=True)
    assert "con error: La política de contacto no permite esta carta" in html
    url = f"/juridico/remisiones/{remision.id}/cancelar"
    respuesta = _post(cliente, url, f"/casos/{caso_id}", motivo_cancelacion="")
    assert respuesta.status_code == 400
    assert "motivo de la cancelación" in respuesta.get_data(as_text=True)
    respuesta = _post(cliente, url, f"/casos/{caso_id}",
                      motivo_cancelacion="El aviso no puede enviarse.")
    assert respuesta.status_code == 302
    assert db.session.get(Remision, remision.id).estado == "cancelada"
    respuesta = _post(cliente, url, f"/casos/{caso_id}",
                      motivo_cancelacion="El aviso no puede enviarse.")
    assert respuesta.status_code == 409 and "ya terminó" in respuesta.get_data(as_text=True)


def test_lista_filtra_y_rechaza_filtros_invalidos(cliente, mundo):
    remision = r.solicitar_remision(mundo.caso, mundo.usuarios["supervisor"], MOTIVO)
    db.session.commit()
    ingresar(cliente, "supervisor")
    html = cliente.get("/juridico/remisiones/?estado=esperando_aviso").get_data(as_text=True)
    assert f'data-remision="{remision.id}"' in html
    html = cliente.get("/juridico/remisiones/?estado=remitida").get_data(as_text=True)
    assert f'data-remision="{remision.id}"' not in html
    html = cliente.get(f"/juridico/remisiones/?acreedor_id={mundo.otro.id}").get_data(
        as_text=True)
    assert f'data-remision="{remision.id}"' not in html
    respuesta = cliente.get("/juridico/remisiones/?estado=inventado")
    assert respuesta.status_code == 400 and "no existe" in respuesta.get_data(as_text=True)
    respuesta = cliente.get("/juridico/remisiones/?acreedor_id=x")
    assert respuesta.status_code == 400


def test_regla_admin_edita_supervisor_lee(cliente, mundo):
    url = f"/juridico/remisiones/reglas/{mundo.acme.id}"
    ingresar(cliente, "supervisor")
    assert cliente.get(url).status_code == 200
    assert _post(cliente, url, url, dias_tras_aviso="5").status_code == 403
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, url)})
    ingresar(cliente, "admin")
    respuesta = _post(cliente, url, url, dias_tras_aviso="120", activa="1",
                      dias_en_negociacion="30")
    assert respuesta.status_code == 400 and "entre 0 y 90" in respuesta.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReglaRemision.id))) == 0
    respuesta = _post(cliente, url, url, dias_tras_aviso="15", activa="1",
                      dias_en_negociacion="30", requiere_aprobacion="1")
    assert respuesta.status_code == 302
    regla = r.regla_de(mundo.acme.id)
    assert (regla.activa, regla.dias_en_negociacion, regla.dias_tras_aviso,
            regla.requiere_aprobacion) == (True, 30, 15, True)
    assert cliente.get("/juridico/remisiones/reglas/999999").status_code == 404


# ---------------------------------------------------------------- the portal


def _pendiente(mundo) -> Remision:
    db.session.add(ReglaRemision(acreedor_id=mundo.acme.id, requiere_aprobacion=True,
                                 dias_tras_aviso=10))
    remision = r.solicitar_remision(mundo.caso, mundo.usuarios["supervisor"], MOTIVO)
    carta = remision.carta_aviso
    hoy = hoy_local()
    carta.estado = "lista"
    carta.terminado_en = datetime.combine(hoy - timedelta(days=10), time(15), tzinfo=UTC)
    db.session.add(Gestion(caso_id=mundo.caso.id, usuario_id=mundo.usuarios["agente"].id,
                           canal="llamada", direccion="saliente", resultado="negativa",
                           nota="NOTA INTERNA DEL AGENTE"))
    db.session.commit()
    r.avanzar_remisiones(hoy)
    db.session.commit()
    assert remision.estado == "pendiente_acreedor"
    return remision


def test_cliente_aprueba_en_el_portal_una_vez(cliente, mundo):
    remision = _pendiente(mundo)
    ingresar(cliente, "cliente")
    html = cliente.get("/portal/remisiones").get_data(as_text=True)
    assert f"Remisión n.º {remision.id}" in html and MOTIVO in html
    assert 'title="Remisiones a jurídico esperando su decisión">1<' in html
    assert "NOTA INTERNA DEL AGENTE" not in html
    url = f"/portal/remisiones/{remision.id}/aprobar"
    respuesta = _post(cliente, url, "/portal/remisiones")
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "el caso pasó a Jurídico" in html
    assert db.session.get(Caso, mundo.caso.id).etapa == "juridico"
    respuesta = _post(cliente, url, "/portal/remisiones")
    assert respuesta.status_code == 409
    assert "ya no espera su decisión" in respuesta.get_data(as_text=True)
    assert db.session.get(Remision, remision.id).estado == "remitida"


def test_cliente_rechaza_con_motivo(cliente, mundo):
    remision = _pendiente(mundo)
    ingresar(cliente, "cliente")
    url = f"/portal/remisiones/{remision.id}/rechazar"
    respuesta = _post(cliente, url, "/portal/remisiones", motivo="")
    assert respuesta.status_code == 400
    assert "motivo del rechazo" in respuesta.get_data(as_text=True)
    assert db.session.get(Remision, remision.id).estado == "pendiente_acreedor"
    respuesta = _post(cliente, url, "/portal/remisiones", motivo="Seguimos negociando nosotros.")
    assert respuesta.status_code == 302
    remision = db.session.get(Remision, remision.id)
    assert remision.estado == "rechazada" and remision.decidida_por == mundo.usuarios["cliente"].id
    assert db.session.get(Caso, mundo.caso.id).etapa == "negociacion"


def test_cliente_de_otro_acreedor_no_ve_ni_decide(cliente, mundo):
    remision = _pendiente(mundo)
    ingresar(cliente, "cliente-otro")
    html = cliente.get("/portal/remisiones").get_data(as_text=True)
    assert f"Remisión n.º {remision.id}" not in html and "No hay remisiones esperando" in html
    for accion in ("aprobar", "rechazar"):
        respuesta = _post(cliente, f"/portal/remisiones/{remision.id}/{accion}",
                          "/portal/remisiones", motivo="No es mío pero lo intento.")
        assert respuesta.status_code == 404
    assert db.session.get(Remision, remision.id).estado == "pendiente_acreedor"
    assert cliente.get("/juridico/remisiones/").status_code == 404
