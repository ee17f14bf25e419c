"""Fixtures of the cartas tests: a caso with its agent, fake wkhtmltopdf programs, and a
real RQ worker run in burst mode against the session's redis-server."""

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agencia.extensiones import db


def martes_10am() -> datetime:
    """A recent Tuesday that is not a Colombian holiday, 10:00 in Bogotá (15:00 UTC)."""
    from agencia.cumplimiento.horario import festivo

    dia = datetime.now(UTC).date() - timedelta(days=7)
    while dia.weekday() != 1 or festivo("CO", dia):
        dia -= timedelta(days=1)
    return datetime(dia.year, dia.month, dia.day, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def momento_permitido(monkeypatch):
    """Collection letters are checked against the contact policy at the moment they are
    generated: unless a test passes its own `momento`, they are generated on a recent Tuesday
    at 10:00 in Bogotá, whatever the hour the tests run (the forked worker inherits this)."""
    from agencia.cartas import servicios

    original = servicios.generar_carta

    def generar(carta_id, *, momento=None, **opciones):
        return original(carta_id, momento=momento or martes_10am(), **opciones)

    monkeypatch.setattr(servicios, "generar_carta", generar)


@pytest.fixture
def escenario(crear_acreedor, crear_usuario, crear_caso):
    """An acreedor, an agent and a caso of María Fernanda Gómez Rojas with saldo 1.234.567,
    whose address accepts letters."""
    from agencia.deudores.modelos import Contacto

    acreedor = crear_acreedor("ACME", nombre="Comercializadora Acme S.A.S.", nit="900123456-7")
    agente = crear_usuario("agente1")
    caso = crear_caso(acreedor, agente=agente)
    caso.deudor.contactos.append(Contacto(tipo="direccion", valor="Calle 1 # 2-3, Bogotá",
                                          valido=True, consentimientos=["carta"]))
    db.session.commit()
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
