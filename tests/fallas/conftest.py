"""Fault-test fixtures: a private Redis each test may stop, an app bound to it (on the
session's database), and real RQ worker processes that can be killed like a crashed server.

The session app and its Redis/database are never stopped here: other tests share them.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agencia import create_app
from agencia.config import ConfigPruebas
from agencia.extensiones import db
from tests.conftest import ClienteAislado
from tests.servidores import ServidorRedis

# Builds the app from JSON settings and runs the app's worker (no scheduler: the tests call
# the periodic functions themselves).
LANZADOR = """
import json, sys
from agencia import create_app
from agencia.config import Config
from colas.worker import ejecutar_worker
app = create_app(Config, **json.loads(sys.argv[1]))
ejecutar_worker(app, programador=False)
"""


@pytest.fixture
def redis_privado(tmp_path):
    servidor = ServidorRedis(tmp_path / "redis").iniciar()
    yield servidor
    servidor.detener()


def app_de_prueba(url_bd: str, url_redis: str, carpeta: Path, **ajustes):
    return create_app(
        ConfigPruebas,
        SQLALCHEMY_DATABASE_URI=url_bd,
        REDIS_URL=url_redis,
        ALMACEN_ARCHIVOS=carpeta / "archivos",
        INSTANCIA=carpeta,
        **ajustes,
    )


@pytest.fixture
def app_privada(app, redis_privado, tmp_path):
    """A second app on the session database and the private Redis."""
    privada = app_de_prueba(app.config["SQLALCHEMY_DATABASE_URI"], redis_privado.url, tmp_path)
    privada.test_client_class = ClienteAislado
    yield privada
    with privada.app_context():
        db.session.remove()
        db.engine.dispose()


def _hijos(pid: int) -> list[int]:
    hijos = []
    for entrada in Path("/proc").iterdir():
        if not entrada.name.isdigit():
            continue
        try:
            campos = (entrada / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(campos[1]) == pid:  # field 4 of /proc/<pid>/stat: the parent's pid
            hijos.append(int(entrada.name))
    return hijos


class Workers:
    """Real `WorkerAgencia` processes, each the leader of its own process group so that a
    SIGKILL takes the work horse and its wkhtmltopdf with it, as a crashed machine would."""

    def __init__(self, carpeta: Path):
        self.carpeta = carpeta
        self.procesos: list[subprocess.Popen] = []

    def lanzar(self, app, **ajustes) -> subprocess.Popen:
        config = {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": app.config["REDIS_URL"],
            "ALMACEN_ARCHIVOS": str(app.config["ALMACEN_ARCHIVOS"]),
            **ajustes,
        }
        entorno = {**os.environ, "AGENCIA_INSTANCIA": str(app.config["INSTANCIA"]),
                   "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
                   "REDIS_URL": config["REDIS_URL"]}
        registro = open(self.carpeta / f"worker-{len(self.procesos)}.log", "wb")  # noqa: SIM115
        proceso = subprocess.Popen(
            [sys.executable, "-c", LANZADOR, json.dumps(config)], env=entorno,
            stdout=registro, stderr=subprocess.STDOUT, start_new_session=True,
        )
        registro.close()
        self.procesos.append(proceso)
        return proceso

    @staticmethod
    def matar(proceso: subprocess.Popen) -> None:
        """SIGKILL to the worker and its work horse (RQ puts the horse in a process group
        of its own, with its wkhtmltopdf): no clean-up runs anywhere."""
        grupos = [proceso.pid, *_hijos(proceso.pid)]
        for grupo in grupos:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(grupo, signal.SIGKILL)
        proceso.wait(10)

    def registro(self) -> str:
        return "\n".join((self.carpeta / f"worker-{i}.log").read_text(errors="replace")
                         for i in range(len(self.procesos)))

    def terminar(self) -> None:
        for proceso in self.procesos:
            if proceso.poll() is None:
                self.matar(proceso)


@pytest.fixture
def workers(tmp_path):
    conjunto = Workers(tmp_path)
    yield conjunto
    conjunto.terminar()


def esperar(condicion, segundos: float = 30, cada: float = 0.05, mensaje: str = ""):
    """Polls `condicion()` until it returns something truthy; fails after `segundos`."""
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        valor = condicion()
        if valor:
            return valor
        time.sleep(cada)
    pytest.fail(mensaje or "La condición no se cumplió a tiempo.")
