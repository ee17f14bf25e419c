"""Health checks for GET /salud: database, Redis and RQ workers, each answered quickly.

The answers say what is down, not why in detail: /salud is public, so errors are logged
and the JSON carries a short Spanish message only.
"""

import time

from flask import current_app
from sqlalchemy import text

from agencia.extensiones import db
from colas.conexion import COLAS, nueva_conexion

TIMEOUT_REDIS = 1  # second


def _ms(inicio: float) -> float:
    return round((time.perf_counter() - inicio) * 1000, 1)


def base_datos() -> dict:
    inicio = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any failure means "down"
        db.session.rollback()
        current_app.logger.exception("Salud: la base de datos no responde")
        return {
            "ok": False,
            "motor": db.engine.dialect.name,
            "error": "La base de datos no responde.",
        }
    return {"ok": True, "motor": db.engine.dialect.name, "ms": _ms(inicio)}


def redis_y_workers() -> tuple[dict, dict]:
    """Redis by ping (1 s timeout), then the workers registered in it."""
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    conexion = nueva_conexion(
        current_app.config["REDIS_URL"],
        socket_timeout=TIMEOUT_REDIS,
        socket_connect_timeout=TIMEOUT_REDIS,
        retry_on_timeout=False,
    )
    inicio = time.perf_counter()
    try:
        conexion.ping()
        redis = {"ok": True, "ms": _ms(inicio)}
        try:
            cantidad = len(Worker.all(connection=conexion))
            pendientes = {nombre: Queue(nombre, connection=conexion).count for nombre in COLAS}
            workers = {"ok": cantidad > 0, "cantidad": cantidad, "en_cola": pendientes}
        except RedisError:
            current_app.logger.exception("Salud: no se pudieron leer los workers")
            workers = {"ok": False, "cantidad": 0, "error": "No se pudieron consultar los workers."}
    except RedisError:
        current_app.logger.warning("Salud: Redis no responde")
        redis = {"ok": False, "error": "Redis no responde."}
        workers = {"ok": False, "cantidad": 0, "error": "Sin Redis no hay workers."}
    finally:
        conexion.close()
    return redis, workers


def resumen() -> dict:
    bd = base_datos()
    redis, workers = redis_y_workers()
    todo_ok = bd["ok"] and redis["ok"] and workers["ok"]
    return {
        "estado": "ok" if todo_ok else "degradado",
        "base_datos": bd,
        "redis": redis,
        "workers": workers,
    }
