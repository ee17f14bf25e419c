"""The worker: forked work horses with their own DB connections, inside the app context."""

import json
import os
import signal

from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.extensiones import db
from colas.conexion import conexion
from colas.worker import WorkerAgencia, ejecutar_worker
from tests.colas import trabajos_prueba


def _informe(marca: str) -> dict:
    return json.loads(conexion().get(marca))


def test_el_horse_bifurcado_corre_en_el_contexto_de_la_app_con_su_propia_conexion(
    app, crear_acreedor
):
    crear_acreedor("ACME")
    trabajos_prueba.informar.encolar("informe")
    trabajos_prueba.crear_acreedor.encolar("NUEVO")
    antes = signal.getsignal(signal.SIGINT)

    assert ejecutar_worker(app, burst=True, programador=False) is True

    informe = _informe("informe")
    assert informe["pid"] != os.getpid()  # ran in a forked horse
    assert informe == {**informe, "contexto": True, "app_pruebas": True, "acreedores": 1}
    # The horse committed on its own connection; the parent's connection still works.
    db.session.expire_all()
    codigos = db.session.scalars(select(Acreedor.codigo).order_by(Acreedor.codigo)).all()
    assert codigos == ["ACME", "NUEVO"]
    assert signal.getsignal(signal.SIGINT) is antes


def test_sin_fork_corre_en_el_mismo_proceso(app):
    trabajos_prueba.informar.encolar("informe")
    assert ejecutar_worker(app, burst=True, programador=False, sin_fork=True) is True
    informe = _informe("informe")
    assert informe["pid"] == os.getpid() and informe["contexto"] is True


def test_un_trabajo_que_falla_queda_registrado_y_el_worker_sigue(app):
    fallido = trabajos_prueba.fallar.encolar()
    trabajos_prueba.crear_acreedor.encolar("DESPUES")
    ejecutar_worker(app, burst=True, programador=False)
    assert fallido.id in FailedJobRegistry("default", connection=conexion()).get_job_ids()
    assert db.session.scalar(select(func.count()).select_from(Acreedor)) == 1
    assert Queue("default", connection=conexion()).count == 0


def test_worker_vacio_devuelve_false(app):
    assert ejecutar_worker(app, burst=True, programador=True) is False
    assert WorkerAgencia.all(connection=conexion()) == []  # registered its death


def test_rq_puede_reconstruir_el_worker_sin_app(app):
    vivo = WorkerAgencia(["default"], app=app, connection=conexion())
    vivo.register_birth()
    try:
        encontrados = WorkerAgencia.all(connection=conexion())
    finally:
        vivo.register_death()
    assert [w.name for w in encontrados] == [vivo.name]
