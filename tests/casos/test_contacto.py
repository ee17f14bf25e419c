"""The caso's Contacto page: the full contact state, the disputa, and the deudor's settings
(consent, country and time zone, preferred hours, no-contactar), each audited."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Gestion
from agencia.cumplimiento.motor import evaluar
from agencia.extensiones import db
from agencia.tipos import ahora
from tests.conftest import ingresar, token_csrf


@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()  # CO
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("sara", rol="supervisor")
    crear_usuario("abel", rol="abogado")
    return crear_caso(acme, ana)  # phone: llamada, sms; email: email


def _url(caso, resto=""):
    return f"/casos/{caso.id}/contacto{resto}"


def _auditadas(accion: str) -> list[Auditoria]:
    return list(db.session.scalars(select(Auditoria).where(Auditoria.accion == accion)))


def _csrf(cliente, caso, prefijo=""):
    return {f"{prefijo}csrf_token": token_csrf(cliente, _url(caso))}


def _motivos(caso, canal):
    db.session.expire_all()
    return " ".join(evaluar(caso, canal).motivos)


def test_pagina_de_contacto_muestra_el_estado_completo(cliente, caso):
    caso.deudor.hora_preferida_desde, caso.deudor.hora_preferida_hasta = time(9), time(12)
    db.session.add(Gestion(caso_id=caso.id, canal="sms", direccion="saliente",
                           resultado="mensaje_dejado", creado_en=ahora() - timedelta(days=2)))
    db.session.commit()
    ingresar(cliente, "ana")
    respuesta = cliente.get(_url(caso))
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    for texto in ("Canales ahora", "Hora local del deudor", "America/Bogota",
                  "El deudor no tiene país registrado", "el deudor no autorizó el canal WhatsApp",
                  "no hay una dirección válida", "Sin fecha",
                  "Política vigente", "Horario (hora local del deudor)", "lunes a viernes",
                  "07:00–19:00", "solo canales autorizados por el deudor",
                  "+573001234567", "maria@example.com", "09:00–12:00",
                  "El caso no está en disputa.", "El deudor puede ser contactado"):
        assert texto.lower() in html.lower(), texto
    fila_sms = html[html.index("<td>SMS</td>"):]
    fila_sms = fila_sms[:fila_sms.index("</tr>")]
    assert '<td class="num">1</td>' in fila_sms  # one outbound SMS in the last 7 days
    # An agent edits consent and preferences but not no-contactar nor disputas.
    assert f'action="{_url(caso, "/preferencias")}"' in html
    assert f'action="{_url(caso, "/no-contactar")}"' not in html


def test_pagina_de_contacto_solo_personal(cliente, caso, crear_usuario):
    crear_usuario("cli", rol="cliente", acreedor=caso.acreedor)
    ingresar(cliente, "cli")
    assert cliente.get(_url(caso)).status_code == 404


def test_disputa_se_ve_y_el_supervisor_la_resuelve(cliente, caso):
    caso.en_disputa, caso.disputa_motivo = True, "Dice que la factura F-1 ya fue pagada."
    caso.disputa_desde = ahora()
    db.session.commit()
    ingresar(cliente, "sara")
    html = cliente.get(_url(caso)).get_data(as_text=True)
    assert "El deudor disputa la deuda" in html and "F-1 ya fue pagada" in html
    assert "Resolver disputa" in html
    assert "el caso está en disputa" in _motivos(caso, "email")

    malo = cliente.post(_url(caso).replace("/contacto", "/disputa/resolver"),
                        data={"motivo": "", **_csrf(cliente, caso)})
    assert malo.status_code == 400
    assert "Explique cómo se resolvió la disputa." in malo.get_data(as_text=True)

    respuesta = cliente.post(f"/casos/{caso.id}/disputa/resolver", data={
        "motivo": "El acreedor confirmó que el pago no existe.", **_csrf(cliente, caso)})
    assert respuesta.status_code == 302
    assert "Disputa resuelta" in cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    db.session.refresh(caso)
    assert not caso.en_disputa and caso.disputa_desde is None
    assert "disputa" not in _motivos(caso, "email")
    (entrada,) = _auditadas("caso.disputa_resuelta")
    assert entrada.antes["en_disputa"] is True
    assert entrada.despues["motivo"] == "El acreedor confirmó que el pago no existe."


def test_agente_no_resuelve_disputas(cliente, caso):
    caso.en_disputa = True
    db.session.commit()
    ingresar(cliente, "ana")
    html = cliente.get(_url(caso)).get_data(as_text=True)
    assert "Solo un supervisor o un administrador puede resolverla." in html
    respuesta = cliente.post(f"/casos/{caso.id}/disputa/resolver", data={
        "motivo": "Me parece que ya no disputa.", **_csrf(cliente, caso)})
    assert respuesta.status_code == 403
    db.session.refresh(caso)
    assert caso.en_disputa and not _auditadas("caso.disputa_resuelta")


def test_editar_consentimiento_habilita_el_canal(cliente, caso):
    telefono = caso.deudor.contactos[0]
    assert "no autorizó el canal WhatsApp" in _motivos(caso, "whatsapp")
    ingresar(cliente, "ana")
    prefijo = f"contacto-{telefono.id}-"
    respuesta = cliente.post(_url(caso, f"/contactos/{telefono.id}"), data={
        f"{prefijo}canales": ["llamada", "sms", "whatsapp"], f"{prefijo}valido": "y",
        **_csrf(cliente, caso, prefijo)})
    assert respuesta.status_code == 302
    db.session.refresh(telefono)
    assert telefono.consentimientos == ["llamada", "sms", "whatsapp"] and telefono.valido
    assert "no autorizó" not in _motivos(caso, "whatsapp")
    (entrada,) = _auditadas("deudor.consentimiento")
    assert entrada.antes["consentimientos"] == ["llamada", "sms"]
    assert entrada.despues["consentimientos"] == ["llamada", "sms", "whatsapp"]


def test_consentimiento_de_un_canal_ajeno_al_contacto_da_400(cliente, caso):
    telefono = caso.deudor.contactos[0]
    ingresar(cliente, "ana")
    prefijo = f"contacto-{telefono.id}-"
    respuesta = cliente.post(_url(caso, f"/contactos/{telefono.id}"), data={
        f"{prefijo}canales": ["email"], f"{prefijo}valido": "y",
        **_csrf(cliente, caso, prefijo)})
    assert respuesta.status_code == 400
    assert "Este contacto solo admite Llamada, SMS, WhatsApp" in respuesta.get_data(as_text=True)
    db.session.refresh(telefono)
    assert telefono.consentimientos == ["llamada", "sms"] and not _auditadas(
        "deudor.consentimiento")


def test_contacto_de_otro_deudor_da_404(cliente, caso, crear_caso):
    otro = crear_caso(caso.acreedor, nombre="Otro Deudor")
    ajeno = otro.deudor.contactos[0]
    ingresar(cliente, "ana")
    prefijo = f"contacto-{ajeno.id}-"
    respuesta = cliente.post(_url(caso, f"/contactos/{ajeno.id}"), data={
        f"{prefijo}canales": ["llamada"], **_csrf(cliente, caso, prefijo)})
    assert respuesta.status_code == 404


def _preferencias(cliente, caso, **datos):
    base = {"pais": "CO", "zona_horaria": "America/Bogota", "hora_preferida_desde": "",
            "hora_preferida_hasta": "", **_csrf(cliente, caso)}
    return cliente.post(_url(caso, "/preferencias"), data={**base, **datos})


def test_preferencias_validas_se_guardan_y_auditan(cliente, caso):
    ingresar(cliente, "ana")
    respuesta = _preferencias(cliente, caso, hora_preferida_desde="09:00",
                              hora_preferida_hasta="12:30")
    assert respuesta.status_code == 302
    db.session.refresh(caso.deudor)
    deudor = caso.deudor
    assert (deudor.pais, deudor.zona_horaria) == ("CO", "America/Bogota")
    assert (deudor.hora_preferida_desde, deudor.hora_preferida_hasta) == (time(9), time(12, 30))
    (entrada,) = _auditadas("deudor.contacto")
    assert entrada.antes["pais"] is None and entrada.despues["pais"] == "CO"
    assert entrada.despues["hora_preferida_desde"] == "09:00:00"
    html = cliente.get(_url(caso)).get_data(as_text=True)
    assert "El deudor no tiene país registrado" not in html


@pytest.mark.parametrize(("datos", "mensaje"), [
    ({"zona_horaria": "America/Gotham"}, "Zona horaria desconocida: «America/Gotham»"),
    ({"zona_horaria": "../../etc/passwd"}, "Zona horaria desconocida"),
    ({"pais": "ZZ"}, "País sin política de contacto: ZZ"),
    ({"hora_preferida_desde": "18:00", "hora_preferida_hasta": "09:00"},
     "El horario preferido debe terminar después de empezar (18:00–09:00)."),
    ({"hora_preferida_desde": "05:00", "hora_preferida_hasta": "06:30"},
     "El horario preferido 05:00–06:30 no cabe en el horario legal de ningún día"),
    ({"hora_preferida_desde": "09:00"}, "Indique las dos horas del horario preferido"),
    ({"hora_preferida_desde": "25:00", "hora_preferida_hasta": "26:00"},
     "Escriba una hora válida (HH:MM)."),
], ids=["zona desconocida", "zona con ruta", "pais", "horas al revés", "fuera de la ley",
        "una sola hora", "hora imposible"])
def test_preferencias_invalidas_dan_400_con_mensaje(cliente, caso, datos, mensaje):
    ingresar(cliente, "ana")
    respuesta = _preferencias(cliente, caso, **datos)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert mensaje in html
    assert "No se guardó el cambio" in html
    db.session.refresh(caso.deudor)
    assert caso.deudor.pais is None and caso.deudor.zona_horaria is None
    assert caso.deudor.hora_preferida_desde is None and not _auditadas("deudor.contacto")


def test_abogado_no_edita_preferencias(cliente, caso):
    ingresar(cliente, "abel")
    assert cliente.get(_url(caso)).status_code == 200
    assert _preferencias(cliente, caso).status_code == 403


def test_no_contactar_solo_supervisor(cliente, caso):
    ingresar(cliente, "ana")
    datos = {"no_contactar": "y", "nota": "Pidió no ser contactado.", **_csrf(cliente, caso)}
    assert cliente.post(_url(caso, "/no-contactar"), data=datos).status_code == 403
    db.session.refresh(caso.deudor)
    assert not caso.deudor.no_contactar

    cliente.post("/salir", data=_csrf(cliente, caso))
    ingresar(cliente, "sara")
    datos["csrf_token"] = token_csrf(cliente, _url(caso))
    respuesta = cliente.post(_url(caso, "/no-contactar"), data=datos)
    assert respuesta.status_code == 302
    db.session.refresh(caso.deudor)
    assert caso.deudor.no_contactar
    assert "no contactar" in _motivos(caso, "llamada")
    (entrada,) = _auditadas("deudor.no_contactar")
    assert entrada.despues == {"no_contactar": True, "nota": "Pidió no ser contactado."}
