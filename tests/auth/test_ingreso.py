"""Login, roles, CSRF, rate limit and the 404 page."""

from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db
from tests.conftest import CLAVE, ingresar, token_csrf


def test_agente_ingresa_y_llega_a_mi_dia(cliente, crear_usuario):
    crear_usuario("agente1")
    respuesta = ingresar(cliente, "agente1")
    assert respuesta.headers["Location"].endswith("/mi-dia")
    assert "Mi día" in cliente.get("/mi-dia").get_data(as_text=True)
    assert db.session.scalar(select(Auditoria).where(Auditoria.accion == "usuario.ingreso"))


def test_cliente_ingresa_al_portal(cliente, crear_usuario, crear_acreedor):
    acreedor = crear_acreedor()
    crear_usuario("cliente-acme", rol="cliente", acreedor=acreedor)
    assert ingresar(cliente, "cliente-acme").headers["Location"].endswith("/portal/")
    assert cliente.get("/mi-dia").status_code == 404


def test_clave_errada_y_usuario_inexistente_dan_el_mismo_mensaje(cliente, crear_usuario):
    crear_usuario("agente1")
    respuestas = []
    for usuario, clave in (("agente1", "otra-clave"), ("nadie", CLAVE)):
        r = cliente.post("/ingresar", data={"usuario": usuario, "clave": clave,
                                            "csrf_token": token_csrf(cliente)})
        respuestas.append((r.status_code, "Usuario o contraseña incorrectos." in r.get_data(as_text=True)))
    assert respuestas == [(401, True), (401, True)]


def test_formulario_sin_csrf_da_400(cliente, crear_usuario):
    crear_usuario("agente1")
    respuesta = cliente.post("/ingresar", data={"usuario": "agente1", "clave": CLAVE})
    assert respuesta.status_code == 400
    assert "código de seguridad" in respuesta.get_data(as_text=True)


def test_ingreso_limitado_por_minuto(cliente, crear_usuario):
    crear_usuario("agente1")
    codigos = [
        cliente.post("/ingresar", data={"usuario": "agente1", "clave": "mala-clave",
                                        "csrf_token": token_csrf(cliente)}).status_code
        for _ in range(7)
    ]
    assert codigos[:5] == [401] * 5
    assert codigos[-1] == 429


def test_cookie_de_sesion_httponly_y_samesite(cliente, crear_usuario):
    crear_usuario("agente1")
    respuesta = ingresar(cliente, "agente1")
    cookie = respuesta.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sin_sesion_redirige_al_ingreso(cliente):
    respuesta = cliente.get("/mi-dia")
    assert respuesta.status_code == 302 and "/ingresar" in respuesta.headers["Location"]


def test_pagina_desconocida_en_espanol(cliente):
    respuesta = cliente.get("/no-existe")
    assert respuesta.status_code == 404
    assert "Página no encontrada" in respuesta.get_data(as_text=True)


def test_salir_cierra_la_sesion(cliente, crear_usuario):
    crear_usuario("agente1")
    ingresar(cliente, "agente1")
    token = token_csrf(cliente, "/mi-dia")
    assert cliente.post("/salir", data={"csrf_token": token}).status_code == 302
    assert cliente.get("/mi-dia").status_code == 302
