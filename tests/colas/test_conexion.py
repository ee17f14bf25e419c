"""Queue helpers: ids only, declared options, Redis down, the app context of a job."""

import contextvars

import pytest
from flask import has_app_context
from rq import Queue

from agencia.acreedores.modelos import Acreedor
from colas import conexion as modulo
from colas.conexion import COLA_CARTAS, ColaNoDisponible, conexion, encolar, trabajo
from tests.colas import trabajos_prueba
from tests.servidores import puerto_libre


def test_encolar_rechaza_objetos_orm_y_otros_no_ids():
    with pytest.raises(TypeError, match="ids"):
        encolar(trabajos_prueba.informar, Acreedor(codigo="X", nombre="X"))
    for valor in (True, 1.5, None, {"id": 1}):
        with pytest.raises(TypeError):
            encolar(trabajos_prueba.informar, valor)


def test_encolar_usa_la_cola_y_opciones_declaradas():
    from colas.trabajos.cartas import generar_carta

    job = generar_carta.encolar(7)
    assert job.origin == COLA_CARTAS
    assert job.args == (7,)
    assert job.timeout == 300
    assert job.func_name == "colas.trabajos.cartas.generar_carta"
    assert Queue(COLA_CARTAS, connection=conexion()).job_ids == [job.id]
    otra = encolar(trabajos_prueba.informar, "x", job_timeout=5)
    assert (otra.origin, otra.timeout) == ("default", 5)


def test_cola_desconocida():
    with pytest.raises(ValueError):
        trabajo(cola="inventada")
    with pytest.raises(ValueError):
        encolar(trabajos_prueba.anotar, cola="inventada")


def test_redis_caido_da_error_claro_y_rapido(app):
    anterior = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{puerto_libre()}/0"
    try:
        with pytest.raises(ColaNoDisponible, match="no responde"):
            encolar(trabajos_prueba.anotar)
    finally:
        app.config["REDIS_URL"] = anterior


def test_sin_contexto_el_trabajo_usa_una_sola_app_por_proceso(app, monkeypatch):
    creadas = []

    def crear_app():
        creadas.append(1)
        return app

    monkeypatch.setattr("agencia.create_app", crear_app)
    monkeypatch.setattr(modulo, "_app_del_proceso", None)

    @trabajo()
    def dentro():
        return has_app_context()

    fuera = contextvars.Context()  # as a plain `rq worker` would call it: no app context
    assert fuera.run(has_app_context) is False
    assert fuera.run(dentro) is True
    assert fuera.run(dentro) is True
    assert creadas == [1]
