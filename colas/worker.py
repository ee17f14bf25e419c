"""The RQ worker of the application: one app per worker process, one app context per job.

How rq 3.0 runs a job (rq/worker/worker_classes.py): `Worker` forks a "work horse" per job
with `os.fork()`; the horse calls `main_work_horse` → `perform_job` → `job.perform()` and
leaves with `os._exit`. `SimpleWorker` calls `perform_job` in its own process (no fork),
and `SpawnWorker` starts a fresh interpreter with `posix_spawn` (for macOS).

So with the forking worker the horse inherits the parent's SQLAlchemy pool, whose sockets
belong to the parent: the horse drops them with `engine.dispose(close=False)` (close=False
leaves the parent's connections open) before touching the database. Redis clients need
nothing: redis-py resets its pool when it sees a new pid.
"""

import signal
import threading

from flask import Flask
from rq import SimpleWorker, Worker

from agencia.extensiones import db
from colas.conexion import COLAS, app_del_proceso, nueva_conexion


class _ConContextoApp:
    """Runs each job inside the app context (the session is removed on teardown).

    `app` is optional because RQ rebuilds worker objects itself (`Worker.all`,
    `find_by_key`); without one, the process's app is used (colas.conexion).
    """

    def __init__(self, *args, app: Flask | None = None, **kwargs):
        self.app = app
        super().__init__(*args, **kwargs)

    def app_de_trabajo(self) -> Flask:
        return self.app or app_del_proceso()

    def perform_job(self, job, queue, execution):
        with self.app_de_trabajo().app_context():
            return super().perform_job(job, queue, execution)


class WorkerAgencia(_ConContextoApp, Worker):
    """Forks a horse per job (isolation: a crash or leak in one job ends with it)."""

    def main_work_horse(self, job, queue):
        # In the forked child: forget the parent's pooled connections without closing them.
        with self.app_de_trabajo().app_context():
            for motor in db.engines.values():
                motor.dispose(close=False)
        super().main_work_horse(job, queue)


class WorkerAgenciaSimple(_ConContextoApp, SimpleWorker):
    """Runs jobs in the worker's own process: for platforms without fork, and debugging."""


def ejecutar_worker(
    app: Flask,
    burst: bool = False,
    programador: bool = True,
    *,
    colas: tuple[str, ...] = COLAS,
    sin_fork: bool = False,
) -> bool:
    """Runs a worker on the app's queues until stopped (or until empty with `burst`).

    `programador` runs RQ's scheduler with it (enqueue_at, retries with interval, and the
    periodic jobs of colas.programacion, which are registered here). Returns whether any
    job was processed. Usable in-process (tests): the signal handlers RQ installs are
    restored afterwards.
    """
    conexion = nueva_conexion(app.config["REDIS_URL"])
    if programador:
        from colas.programacion import registrar_periodicos

        registrar_periodicos(conexion)
    clase = WorkerAgenciaSimple if sin_fork else WorkerAgencia
    worker = clase(list(colas), app=app, connection=conexion)
    anteriores = _senales()
    try:
        return worker.work(burst=burst, with_scheduler=programador)
    finally:
        _restaurar(anteriores)


def _senales() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}


def _restaurar(anteriores: dict) -> None:
    for senal, manejador in anteriores.items():
        if manejador is not None:
            signal.signal(senal, manejador)
