"""PostgreSQL restarted under a running app: it recovers by itself (no restart of the app),
and while it is down requests fail at once instead of hanging."""

import socket
import tempfile
import time
from pathlib import Path

import pytest

from agencia.auth.modelos import Usuario
from agencia.extensiones import db
from tests.conftest import CLAVE, ClienteAislado, ingresar
from tests.fallas.conftest import app_de_prueba, esperar
from tests.servidores import ServidorPostgres


def _caido(puerto: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", puerto)) != 0


def _detener(servidor: ServidorPostgres) -> None:
    servidor._ejecutar(str(servidor.bin / "pg_ctl"), "-D", str(servidor.carpeta / "datos"),
                       "-m", "immediate", "stop")
    esperar(lambda: _caido(servidor.puerto), segundos=10, mensaje="PostgreSQL no se detuvo.")


def _arrancar_de_nuevo(servidor: ServidorPostgres) -> None:
    """pg_ctl start on the same data directory and port (ServidorPostgres.iniciar would make
    a new cluster)."""
    servidor._ejecutar(
        str(servidor.bin / "pg_ctl"), "-D", str(servidor.carpeta / "datos"),
        "-l", str(servidor.carpeta / "pg.log"), "-w",
        "-o", f"-p {servidor.puerto} -k {servidor.carpeta} -c listen_addresses=127.0.0.1",
        "start",
    )


@pytest.fixture(scope="module")
def postgres_privado():
    # Not under pytest's tmp_path: its root is 0700 again whenever a pytest run starts, and
    # the cluster runs as `postgres` (see ServidorPostgres).
    with tempfile.TemporaryDirectory(prefix="agencia-fallas-pg-") as carpeta:
        try:
            # Durable: an immediate stop must not lose the last commits (the fast test
            # clusters run with synchronous_commit off).
            servidor = ServidorPostgres(Path(carpeta) / "pg", durable=True)
        except RuntimeError as error:
            pytest.skip(str(error))
        servidor.iniciar()
        yield servidor
        servidor.detener()


@pytest.fixture(scope="module")
def app_con_pg(postgres_privado, app, tmp_path_factory):
    """An app on the private PostgreSQL, with one agent. Errors become the app's error page,
    as in production (not the test client's exception)."""
    from flask_migrate import upgrade

    con_pg = app_de_prueba(postgres_privado.url, app.config["REDIS_URL"],
                           tmp_path_factory.mktemp("app-pg"), PROPAGATE_EXCEPTIONS=False)
    con_pg.test_client_class = ClienteAislado
    with con_pg.app_context():
        upgrade()
        agente = Usuario(usuario="agente1", nombre="Agente Uno", rol="agente")
        agente.fijar_clave(CLAVE)
        db.session.add(agente)
        db.session.commit()
    yield con_pg
    with con_pg.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def web(app_con_pg, postgres_privado):
    """The agent's browser, logged in; PostgreSQL is running again after the test."""
    with app_con_pg.app_context():
        cliente = app_con_pg.test_client()
        ingresar(cliente, "agente1")
        assert cliente.get("/mi-dia").status_code == 200  # the pool holds a connection now
        yield cliente
        if _caido(postgres_privado.puerto):
            _arrancar_de_nuevo(postgres_privado)
        db.session.remove()


def test_postgres_reiniciado_la_app_se_recupera_sola(web, app_con_pg, postgres_privado):
    monitor = app_con_pg.test_client()  # the load balancer: no session cookie
    _detener(postgres_privado)
    inicio = time.monotonic()
    salud = monitor.get("/salud")
    assert time.monotonic() - inicio < 5  # refused at once, no hanging request
    assert salud.status_code == 503
    assert salud.json["base_datos"] == {"ok": False, "motor": "postgresql",
                                        "error": "La base de datos no responde."}

    _arrancar_de_nuevo(postgres_privado)
    # Same app, same pool: its dead connections are replaced (pool_pre_ping).
    assert web.get("/mi-dia").status_code == 200
    assert monitor.get("/salud").json["base_datos"]["ok"] is True


def test_con_postgres_caido_una_pagina_del_personal_muestra_la_pagina_de_error(
        web, postgres_privado):
    _detener(postgres_privado)
    inicio = time.monotonic()
    try:
        caida = web.get("/mi-dia")
    finally:
        assert time.monotonic() - inicio < 5
    assert caida.status_code == 503
    texto = caida.get_data(as_text=True)
    assert "Servicio no disponible" in texto
    assert "Traceback" not in texto and "psycopg" not in texto
