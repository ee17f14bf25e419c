"""The outbox pages (Bandeja de salida): list with filters and counts, detail, and the
supervisor's actions (retry a failed message, cancel a waiting one, resolve a stuck one)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.mensajes.modelos import Mensaje
from agencia.tipos import ahora
from tests.conftest import ingresar, token_csrf

N = {"n": 0}


def _mensaje(caso, estado="pendiente", canal="email", **campos) -> Mensaje:
    N["n"] += 1
    campos.setdefault("programado_para", ahora())
    mensaje = Mensaje(acreedor_id=caso.acreedor_id, caso_id=caso.id, canal=canal,
                      plantilla="recordatorio", origen=campos.pop("origen", "recordatorio"),
                      clave=f"bandeja:{N['n']}", destino="maria@example.com",
                      asunto="Recordatorio", cuerpo=campos.pop("cuerpo", "Hola, le recordamos."),
                      estado=estado, **campos)
    db.session.add(mensaje)
    db.session.commit()
    return mensaje


@pytest.fixture
def supervisor(cliente, crear_usuario):
    crear_usuario("super1", rol="supervisor", nombre="Sara Supervisora")
    ingresar(cliente, "super1")
    return cliente


def _filas(html: str) -> list[str]:
    return re.findall(r'<tr data-mensaje="(\d+)" data-estado="(\w+)"', html)


def _auditorias(accion: str) -> int:
    return db.session.scalar(select(func.count(Auditoria.id)).where(Auditoria.accion == accion))


def _post(cliente, url: str, **datos):
    token = token_csrf(cliente, url.rsplit("/", 1)[0])
    return cliente.post(url, data={"csrf_token": token, **datos})


def test_la_bandeja_lista_filtra_y_cuenta_por_estado(supervisor, caso_co):
    caso = caso_co()
    otro = caso_co(nombre="Otro Deudor", codigo="OTRO")
    fallido = _mensaje(caso, "fallido", ultimo_error="550 buzón inexistente")
    esperando = _mensaje(caso, "esperando", canal="sms",
                         motivo="fuera del horario permitido",
                         programado_para=datetime(2030, 3, 11, 12, tzinfo=UTC))
    enviado = _mensaje(otro, "enviado", origen="estrategia")

    html = supervisor.get("/mensajes/").get_data(as_text=True)
    assert [int(i) for i, _ in _filas(html)] == [enviado.id, esperando.id, fallido.id]
    assert "550 buzón inexistente" in html and "fuera del horario permitido" in html
    assert "11/03/2030 07:00" in html  # programado_para in Bogotá time
    conteos = dict(re.findall(r'<tr data-estado="(\w+)">.*?<td class="num">(\d+)</td>', html,
                              re.S))
    assert (conteos["fallido"], conteos["esperando"], conteos["enviado"],
            conteos["pendiente"]) == ("1", "1", "1", "0")

    html = supervisor.get("/mensajes/", query_string={"estado": "fallido"}).get_data(as_text=True)
    assert _filas(html) == [(str(fallido.id), "fallido")]
    html = supervisor.get("/mensajes/", query_string={"canal": "sms"}).get_data(as_text=True)
    assert _filas(html) == [(str(esperando.id), "esperando")]
    html = supervisor.get("/mensajes/", query_string={
        "acreedor_id": otro.acreedor_id, "origen": "estrategia"}).get_data(as_text=True)
    assert _filas(html) == [(str(enviado.id), "enviado")]
    html = supervisor.get("/mensajes/", query_string={"caso_id": caso.id}).get_data(as_text=True)
    assert len(_filas(html)) == 2 and f'href="/casos/{caso.id}"' in html
    hoy = ahora().date()
    html = supervisor.get("/mensajes/", query_string={
        "desde": (hoy + timedelta(days=2)).isoformat()}).get_data(as_text=True)
    assert _filas(html) == [] and "No hay mensajes con estos filtros" in html


def test_la_bandeja_pagina_de_a_50(supervisor, caso_co):
    caso = caso_co()
    for _ in range(51):
        _mensaje(caso)
    html = supervisor.get("/mensajes/").get_data(as_text=True)
    assert len(_filas(html)) == 50 and "Página 1 de 2" in html
    assert len(_filas(supervisor.get("/mensajes/?pagina=2").get_data(as_text=True))) == 1


@pytest.mark.parametrize(("parametros", "texto"), [
    ({"estado": "perdido"}, "Estado no válido"),
    ({"canal": "fax"}, "Canal no válido"),
    ({"origen": "<b>x</b>"}, "Origen no válido"),
    ({"acreedor_id": "abc"}, "Acreedor: escriba un número"),
    ({"acreedor_id": "99999"}, "El acreedor elegido no existe"),
    ({"caso_id": "12a"}, "Caso: escriba un número"),
    ({"desde": "2026-13-01"}, "Desde: escriba una fecha válida"),
    ({"desde": "2026-03-10", "hasta": "2026-03-01"}, "posterior"),
])
def test_un_filtro_invalido_da_400_con_mensaje(supervisor, caso_co, parametros, texto):
    _mensaje(caso_co())
    respuesta = supervisor.get("/mensajes/", query_string=parametros)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert texto in html and 'id="error-bandeja"' in html and _filas(html) == []


def test_la_bandeja_muestra_los_atascados(supervisor, caso_co):
    caso = caso_co()
    atascado = _mensaje(caso, "enviando", intentos=1, programado_para=ahora() - timedelta(hours=1))
    reciente = _mensaje(caso, "enviando", intentos=1, programado_para=ahora())
    html = supervisor.get("/mensajes/").get_data(as_text=True)
    seccion = html.split('id="atascados"')[1].split("</section>")[0]
    assert f'data-mensaje="{atascado.id}"' in seccion
    assert f'data-mensaje="{reciente.id}"' not in seccion


def test_agente_y_cliente_no_ven_la_bandeja(cliente, crear_usuario, caso_co):
    caso = caso_co()
    crear_usuario("agente1")
    crear_usuario("cli", rol="cliente", acreedor=caso.acreedor)
    ingresar(cliente, "agente1")
    assert cliente.get("/mensajes/").status_code == 403
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, "/mi-dia")})
    ingresar(cliente, "cli")
    assert cliente.get("/mensajes/").status_code == 404


def test_el_detalle_muestra_el_cuerpo_como_texto(supervisor, caso_co):
    caso = caso_co(nombre="<script>alert(1)</script> Pérez")
    mensaje = _mensaje(caso, cuerpo=f"Hola {caso.deudor.nombre}, le recordamos su pago.")
    html = supervisor.get(f"/mensajes/{mensaje.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pérez" in html
    assert "<script>alert(1)" not in html
    assert "Cancelar el mensaje" in html and "Reintentar</button>" not in html


def test_detalle_de_otro_acreedor_o_de_un_caso_ajeno_da_404(cliente, crear_usuario, caso_co):
    caso = caso_co()
    otro = caso_co(nombre="Otro Deudor", codigo="OTRO")
    mensaje = _mensaje(caso)
    crear_usuario("cli", rol="cliente", acreedor=otro.acreedor)
    crear_usuario("forastero")
    ingresar(cliente, "cli")
    assert cliente.get(f"/mensajes/{mensaje.id}").status_code == 404
    otro_cliente = cliente.application.test_client()
    ingresar(otro_cliente, "forastero")  # an agent with no caso of this acreedor
    assert otro_cliente.get(f"/mensajes/{mensaje.id}").status_code == 404
    token = token_csrf(otro_cliente, "/mi-dia")
    respuesta = otro_cliente.post(f"/mensajes/{mensaje.id}/cancelar",
                                  data={"csrf_token": token, "motivo": "x"})
    assert respuesta.status_code in (403, 404)
    db.session.refresh(mensaje)
    assert mensaje.estado == "pendiente"


def test_reintentar_un_fallido_una_sola_vez(supervisor, caso_co):
    mensaje = _mensaje(caso_co(), "fallido", intentos=5, ultimo_error="timeout",
                       programado_para=ahora() - timedelta(days=1))
    url = f"/mensajes/{mensaje.id}/reintentar"
    respuesta = _post(supervisor, url, motivo="el buzón ya existe")
    assert respuesta.status_code == 302
    db.session.refresh(mensaje)
    assert mensaje.estado == "pendiente"
    assert mensaje.programado_para >= ahora() - timedelta(minutes=1)
    assert mensaje.motivo == "reintento pedido por Sara Supervisora: el buzón ya existe"
    assert "volvió a la cola" in supervisor.get(respuesta.location).get_data(as_text=True)

    segunda = _post(supervisor, url)
    assert segunda.status_code == 400
    assert "Solo se reintenta un mensaje fallido" in segunda.get_data(as_text=True)
    assert _auditorias("mensaje.reintentado") == 1


@pytest.mark.parametrize("estado", ["pendiente", "esperando", "enviando", "enviado", "omitido"])
def test_solo_un_fallido_se_reintenta(supervisor, caso_co, estado):
    mensaje = _mensaje(caso_co(), estado)
    respuesta = _post(supervisor, f"/mensajes/{mensaje.id}/reintentar")
    assert respuesta.status_code == 400 and "No se puede reintentar" in respuesta.get_data(
        as_text=True)
    db.session.refresh(mensaje)
    assert mensaje.estado == estado and _auditorias("mensaje.reintentado") == 0


def test_cancelar_exige_motivo_y_omite_el_mensaje(supervisor, caso_co):
    mensaje = _mensaje(caso_co(), "esperando", motivo="fuera del horario permitido")
    url = f"/mensajes/{mensaje.id}/cancelar"
    sin_motivo = _post(supervisor, url, motivo="   ")
    assert sin_motivo.status_code == 400 and "Escriba el motivo" in sin_motivo.get_data(
        as_text=True)
    db.session.refresh(mensaje)
    assert mensaje.estado == "esperando"

    assert _post(supervisor, url, motivo="el deudor pagó").status_code == 302
    db.session.refresh(mensaje)
    assert (mensaje.estado, mensaje.motivo) == (
        "omitido", "cancelado por Sara Supervisora: el deudor pagó")
    otra = _post(supervisor, url, motivo="otra vez")
    assert otra.status_code == 400 and "Solo se cancela" in otra.get_data(as_text=True)
    assert _auditorias("mensaje.cancelado") == 1


def test_resolver_un_atascado_como_enviado_registra_la_gestion(supervisor, caso_co):
    caso = caso_co()
    reclamado = ahora() - timedelta(hours=1)
    mensaje = _mensaje(caso, "enviando", intentos=1, programado_para=reclamado)
    url = f"/mensajes/{mensaje.id}/resolver"
    assert _post(supervisor, url, decision="talvez").status_code == 400
    respuesta = _post(supervisor, url, decision="enviado", proveedor_id="smtp-123")
    assert respuesta.status_code == 302
    db.session.refresh(mensaje)
    assert (mensaje.estado, mensaje.proveedor_id) == ("enviado", "smtp-123")
    gestion = db.session.get(Gestion, mensaje.gestion_id)
    assert (gestion.canal, gestion.resultado, gestion.caso_id) == (
        "email", "mensaje_dejado", caso.id)
    assert f"mensaje n.º {mensaje.id}" in gestion.nota
    html = supervisor.get(f"/mensajes/{mensaje.id}").get_data(as_text=True)
    assert f"Gestión n.º {gestion.id}" in html

    segunda = _post(supervisor, url, decision="enviado")
    assert segunda.status_code == 400
    assert db.session.scalar(select(func.count(Gestion.id)).where(
        Gestion.caso_id == caso.id)) == 1
    assert _auditorias("mensaje.resuelto") == 1


def test_resolver_como_fallido_y_no_un_envio_en_curso(supervisor, caso_co):
    caso = caso_co()
    atascado = _mensaje(caso, "enviando", programado_para=ahora() - timedelta(hours=1))
    en_curso = _mensaje(caso, "enviando", programado_para=ahora())
    respuesta = _post(supervisor, f"/mensajes/{en_curso.id}/resolver", decision="fallido")
    assert respuesta.status_code == 400 and "atascado" in respuesta.get_data(as_text=True)
    assert _post(supervisor, f"/mensajes/{atascado.id}/resolver", decision="fallido",
                 motivo="el proveedor no lo tiene").status_code == 302
    db.session.refresh(atascado)
    db.session.refresh(en_curso)
    assert atascado.estado == "fallido" and "el proveedor no lo tiene" in atascado.ultimo_error
    assert atascado.gestion_id is None and en_curso.estado == "enviando"


def test_el_panel_del_caso_lista_sus_mensajes_automaticos(cliente, crear_usuario, caso_co):
    agente = crear_usuario("agente1")
    caso = caso_co()
    caso.agente_id = agente.id
    db.session.commit()
    _mensaje(caso, "esperando", canal="whatsapp", motivo="hoy es domingo",
             programado_para=datetime(2030, 3, 11, 12, tzinfo=UTC))
    ingresar(cliente, "agente1")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    panel = html.split('id="mensajes-automaticos"')[1]
    assert "WhatsApp" in panel and "Esperando horario permitido" in panel
    assert "hoy es domingo" in panel and "11/03/2030 07:00" in panel
