"""Redis connection, queue names and the helpers every job goes through.

Jobs take ids, never ORM objects: an object pickled into Redis is a stale copy bound to
another process's session, so `encolar` refuses anything that is not an int or a str.
Jobs are declared with `@trabajo(...)`, which records their queue and RQ options and makes
each call run inside an app context (the worker's, or one app built once per process).
"""

from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from threading import Lock

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue
from rq.job import Job

COLA_CARTAS = "cartas"
COLA_DEFECTO = "default"
# The order is the worker's priority: letters someone is waiting for come first.
COLAS = (COLA_CARTAS, COLA_DEFECTO)


class ColaNoDisponible(Exception):
    """Redis does not answer: the work could not be queued (the message is for the user)."""


def _redis(url: str, **opciones) -> Redis:
    return Redis.from_url(url, **opciones)


def conexion(url: str | None = None) -> Redis:
    """The web process's Redis client for the current app (one pool per app and URL).

    Short timeouts: a request that enqueues must fail fast, not hang, when Redis is down.
    The worker builds its own client (`nueva_conexion`) because RQ raises its socket timeout
    above the blocking dequeue time.
    """
    app = current_app._get_current_object()
    url = url or app.config["REDIS_URL"]
    clientes = app.extensions.setdefault("agencia_redis", {})
    if url not in clientes:
        clientes[url] = _redis(url, socket_connect_timeout=2, socket_timeout=5)
    return clientes[url]


def nueva_conexion(url: str, **opciones) -> Redis:
    """A client of its own (the worker, the health check)."""
    return _redis(url, **opciones)


def obtener_cola(nombre: str = COLA_DEFECTO, conexion_redis: Redis | None = None) -> Queue:
    if nombre not in COLAS:
        raise ValueError(f"Cola desconocida: {nombre}")
    return Queue(nombre, connection=conexion_redis or conexion())


def _solo_ids(valores) -> None:
    for valor in valores:
        if isinstance(valor, bool) or not isinstance(valor, int | str):
            raise TypeError(
                f"Los trabajos reciben ids (int o str), no {type(valor).__name__}: "
                "pase el id y el trabajo recarga lo que necesita."
            )


def encolar(funcion: Callable, *ids: int | str, cola: str | None = None, **opciones) -> Job:
    """Enqueues `funcion(*ids)` and returns the RQ job.

    `opciones` are RQ's own (job_id, job_timeout, retry, result_ttl, at_front, meta...);
    defaults come from the function's `@trabajo` declaration. Raises ColaNoDisponible when
    Redis cannot be reached.
    """
    import redis

    _solo_ids(ids)
    declarado = getattr(funcion, "opciones_rq", {})
    nombre_cola = cola or getattr(funcion, "cola", COLA_DEFECTO)
    try:
        return obtener_cola(nombre_cola).enqueue(funcion, *ids, **{**declarado, **opciones})
    except redis.exceptions.RedisError as error:
        raise ColaNoDisponible(
            "El servicio de tareas en segundo plano (Redis) no responde."
        ) from error


# ---- app context for jobs -------------------------------------------------------------

_app_del_proceso: Flask | None = None
_candado = Lock()


def app_del_proceso() -> Flask:
    """One app per worker process, built on first use (never one per job)."""
    global _app_del_proceso
    with _candado:
        if _app_del_proceso is None:
            from agencia import create_app

            _app_del_proceso = create_app()
        return _app_del_proceso


@contextmanager
def contexto_app():
    """The current app context if there is one (our worker, a test), else the process app's."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    app = app_del_proceso()
    with app.app_context():
        yield app


def trabajo(cola: str = COLA_DEFECTO, **opciones_rq):
    """Declares a job: its queue and RQ options (job_timeout, retry, result_ttl...).

    The decorated function runs inside an app context wherever it is called, and gets
    `.encolar(*ids, **opciones)` as a shortcut for `encolar(funcion, *ids, ...)`.
    """
    if cola not in COLAS:
        raise ValueError(f"Cola desconocida: {cola}")

    def decorador(funcion):
        @wraps(funcion)
        def envuelta(*args, **kwargs):
            with contexto_app():
                return funcion(*args, **kwargs)

        envuelta.cola = cola
        envuelta.opciones_rq = opciones_rq
        envuelta.encolar = lambda *ids, **opciones: encolar(envuelta, *ids, **opciones)
        return envuelta

    return decorador


ESTADOS_VIVOS = ("queued", "started", "deferred", "scheduled")


def trabajo_vivo(job_id: str | None) -> bool:
    """Whether RQ still has this job waiting or running (so re-queuing it would double it)."""
    from rq.exceptions import NoSuchJobError
    from rq.registry import StartedJobRegistry

    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=conexion())
        estado = job.get_status()
        if estado == "started":
            # A killed worker leaves its job "started" until the registry is cleaned: a job
            # whose worker stopped sending heartbeats is moved to failed now, not minutes later.
            StartedJobRegistry(job.origin, connection=conexion()).cleanup()
            estado = job.get_status(refresh=True)
        return estado in ESTADOS_VIVOS
    except NoSuchJobError:
        return False
