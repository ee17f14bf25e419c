"""Shared fixtures: real Redis, real database (SQLite or PostgreSQL), app, clients, factories.

The database is chosen by AGENCIA_PRUEBAS_BD (`sqlite`, the default, or `postgresql`);
`make test` runs the suite once with each. The schema comes from the Alembic migrations,
and every table is emptied after each test.
"""

import contextvars
import os
import re
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete

from agencia import create_app
from agencia.config import ConfigPruebas
from agencia.extensiones import db, limiter
from tests.servidores import ServidorPostgres, ServidorRedis

CLAVE = "clave-segura-1"
MOTOR = os.environ.get("AGENCIA_PRUEBAS_BD", "sqlite")


def pytest_report_header(config):
    return f"agencia: base de datos de prueba = {MOTOR}"


@pytest.fixture(scope="session")
def carpeta_sesion():
    with tempfile.TemporaryDirectory(prefix="agencia-pruebas-") as carpeta:
        yield Path(carpeta)


@pytest.fixture(scope="session")
def redis_servidor(carpeta_sesion):
    servidor = ServidorRedis(carpeta_sesion / "redis").iniciar()
    yield servidor
    servidor.detener()


@pytest.fixture(scope="session")
def url_base_datos(carpeta_sesion):
    if MOTOR == "postgresql":
        servidor = ServidorPostgres(carpeta_sesion / "pg").iniciar()
        yield servidor.url
        servidor.detener()
    else:
        yield f"sqlite:///{carpeta_sesion / 'agencia.sqlite3'}"


@pytest.fixture(scope="session")
def app(carpeta_sesion, url_base_datos, redis_servidor):
    from flask_migrate import upgrade

    app = create_app(
        ConfigPruebas,
        SQLALCHEMY_DATABASE_URI=url_base_datos,
        REDIS_URL=redis_servidor.url,
        ALMACEN_ARCHIVOS=carpeta_sesion / "archivos",
        INSTANCIA=carpeta_sesion,
    )
    with app.app_context():
        upgrade()
    app.extensions["estado_limitador"] = dict(vars(limiter))
    yield app


@pytest.fixture(autouse=True)
def _contexto_limpio(app, redis_servidor):
    """Each test runs in an app context and leaves every table and Redis empty. The rate
    limiter is one object for every app: a test that builds another app (fault tests, a
    restored backup, row-level security) re-initialises it, so the session app's is put back."""
    vars(limiter).update(app.extensions["estado_limitador"])
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conexion:
            for tabla in reversed(db.metadata.sorted_tables):
                conexion.execute(delete(tabla))
    limiter.reset()
    import redis

    redis.Redis.from_url(redis_servidor.url).flushdb()


class ClienteAislado(FlaskClient):
    """Each request runs in its own context, as in production: the test's app context
    (and its `g`, database session and logged-in user) is not shared with the request."""

    def open(self, *args, **kwargs):
        respuesta = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return respuesta


@pytest.fixture
def cliente(app):
    app.test_client_class = ClienteAislado
    return app.test_client()


def token_csrf(cliente, url: str = "/ingresar") -> str:
    """The CSRF token of a page, as a browser would read it from the form."""
    html = cliente.get(url, follow_redirects=True).get_data(as_text=True)
    encontrado = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert encontrado, f"La página {url} no tiene token CSRF"
    return encontrado.group(1)


def ingresar(cliente, usuario: str, clave: str = CLAVE):
    respuesta = cliente.post(
        "/ingresar", data={"usuario": usuario, "clave": clave, "csrf_token": token_csrf(cliente)}
    )
    assert respuesta.status_code == 302, f"No pudo ingresar {usuario}"
    return respuesta


@pytest.fixture
def crear_acreedor():
    from agencia.acreedores.modelos import Acreedor

    def crear(codigo="ACME", nombre=None, pais="CO", moneda="COP", **extra):
        acreedor = Acreedor(codigo=codigo, nombre=nombre or f"Acreedor {codigo}", pais=pais,
                            moneda=moneda, **extra)
        db.session.add(acreedor)
        db.session.commit()
        return acreedor

    return crear


@pytest.fixture
def crear_usuario():
    from agencia.auth.modelos import Usuario

    def crear(usuario, rol="agente", acreedor=None, clave=CLAVE, nombre=None):
        nuevo = Usuario(usuario=usuario, nombre=nombre or usuario.title(), rol=rol,
                        acreedor_id=acreedor.id if acreedor else None)
        nuevo.fijar_clave(clave)
        db.session.add(nuevo)
        db.session.commit()
        return nuevo

    return crear


@pytest.fixture
def crear_caso():
    """Makes a caso with one deudor and its obligaciones (amounts in Decimal)."""
    from agencia.casos.modelos import Caso, Obligacion
    from agencia.deudores.modelos import Contacto, Deudor

    contador = {"n": 0}

    def crear(acreedor, agente=None, nombre="María Fernanda Gómez Rojas", documento=None,
              capitales=("1234567",), etapa="prejuridico", dias_mora=45, telefono="+573001234567",
              email="maria@example.com"):
        contador["n"] += 1
        n = contador["n"]
        deudor = Deudor(tipo_documento="CC", numero_documento=documento or f"1020{n:06d}",
                        nombre=nombre)
        deudor.contactos = [
            Contacto(tipo="telefono", valor=telefono, consentimientos=["llamada", "sms"]),
            Contacto(tipo="email", valor=email, consentimientos=["email"]),
        ]
        vence = date.today() - timedelta(days=dias_mora)
        caso = Caso(acreedor_id=acreedor.id, deudor=deudor, etapa=etapa,
                    agente_id=agente.id if agente else None, vencimiento=vence)
        total = Decimal("0")
        for i, capital in enumerate(capitales):
            monto = Decimal(capital)
            total += monto
            caso.obligaciones.append(Obligacion(
                acreedor_id=acreedor.id, referencia=f"{acreedor.codigo}-{n}-{i}",
                numero_factura=f"F-{n}{i}", fecha_vencimiento=vence, moneda=acreedor.moneda,
                capital=monto, intereses=Decimal("0"), gastos=Decimal("0"), saldo=monto))
        caso.saldo = total
        db.session.add(caso)
        db.session.commit()
        return caso

    return crear
