"""GET /salud: database, Redis and workers; 200 when all answer, 503 otherwise."""

import time

from rq import Worker

from agencia import create_app
from agencia.config import ConfigPruebas
from colas.conexion import COLAS, nueva_conexion
from tests.servidores import puerto_libre


def _worker_registrado(app) -> Worker:
    worker = Worker(list(COLAS), connection=nueva_conexion(app.config["REDIS_URL"]))
    worker.register_birth()
    return worker


def test_todo_bien_con_un_worker_registrado(app, cliente):
    worker = _worker_registrado(app)
    try:
        respuesta = cliente.get("/salud")
    finally:
        worker.register_death()
    assert respuesta.status_code == 200
    datos = respuesta.get_json()
    assert datos["estado"] == "ok"
    assert datos["base_datos"]["ok"] is True
    assert datos["redis"]["ok"] is True
    assert datos["workers"] == {**datos["workers"], "ok": True, "cantidad": 1}
    assert respuesta.headers["Cache-Control"] == "no-store"


def test_sin_workers_es_degradado(cliente):
    respuesta = cliente.get("/salud")
    assert respuesta.status_code == 503
    datos = respuesta.get_json()
    assert datos["estado"] == "degradado"
    assert datos["redis"]["ok"] is True
    assert datos["workers"]["ok"] is False and datos["workers"]["cantidad"] == 0


def test_redis_caido_da_503_rapido(app, cliente):
    worker = _worker_registrado(app)
    anterior = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{puerto_libre()}/0"
    try:
        inicio = time.monotonic()
        respuesta = cliente.get("/salud")
        duracion = time.monotonic() - inicio
    finally:
        app.config["REDIS_URL"] = anterior
        worker.register_death()
    assert respuesta.status_code == 503
    datos = respuesta.get_json()
    assert datos["estado"] == "degradado"
    assert datos["base_datos"]["ok"] is True
    assert datos["redis"] == {"ok": False, "error": "Redis no responde."}
    assert datos["workers"]["ok"] is False
    assert duracion < 3


def test_base_de_datos_caida_da_503(app):
    otra = create_app(
        ConfigPruebas,
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://agencia@127.0.0.1:{puerto_libre()}/nada",
        REDIS_URL=app.config["REDIS_URL"],
    )
    worker = _worker_registrado(app)
    try:
        respuesta = otra.test_client().get("/salud")
    finally:
        worker.register_death()
    assert respuesta.status_code == 503
    datos = respuesta.get_json()
    assert datos["base_datos"]["ok"] is False
    assert datos["base_datos"]["error"] == "La base de datos no responde."
    assert datos["redis"]["ok"] is True and datos["workers"]["ok"] is True


def test_salud_no_pide_ingreso(cliente):
    respuesta = cliente.get("/salud")
    assert respuesta.status_code in (200, 503)
    assert respuesta.is_json
