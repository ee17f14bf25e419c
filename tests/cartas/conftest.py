"""Fixtures of the cartas tests: a caso with its agent, fake wkhtmltopdf programs, and a
real RQ worker run in burst mode against the session's redis-server."""

import stat
from pathlib import Path

import pytest


@pytest.fixture
def escenario(crear_acreedor, crear_usuario, crear_caso):
    """An acreedor, an agent and a caso of María Fernanda Gómez Rojas with saldo 1.234.567."""
    acreedor = crear_acreedor("ACME", nombre="Comercializadora Acme S.A.S.", nit="900123456-7")
    agente = crear_usuario("agente1")
    caso = crear_caso(acreedor, agente=agente)
    return acreedor, agente, caso


@pytest.fixture(autouse=True)
def almacen(app, tmp_path) -> Path:
    """A file store of this test: ids start again after each test on SQLite."""
    anterior = app.config["ALMACEN_ARCHIVOS"]
    app.config["ALMACEN_ARCHIVOS"] = tmp_path / "archivos"
    yield app.config["ALMACEN_ARCHIVOS"]
    app.config["ALMACEN_ARCHIVOS"] = anterior


@pytest.fixture
def programa(tmp_path):
    """Writes an executable shell script (a stand-in for wkhtmltopdf) and returns its path."""

    def crear(nombre: str, cuerpo: str) -> str:
        ruta = tmp_path / nombre
        ruta.write_text("#!/bin/sh\n" + cuerpo + "\n")
        ruta.chmod(ruta.stat().st_mode | stat.S_IEXEC)
        return str(ruta)

    return crear


@pytest.fixture
def trabajar(app):
    """Runs the real worker (forking, as in production) until the queues are empty."""
    from colas.worker import ejecutar_worker

    def ejecutar(**opciones) -> bool:
        return ejecutar_worker(app, burst=True, programador=False, **opciones)

    return ejecutar
