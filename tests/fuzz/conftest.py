"""Fixtures of the fuzz tests: a WSGI entry that isolates each request, and an API token."""

import contextvars

import pytest

from agencia.api import tokens
from agencia.api.modelos import ALCANCES
from agencia.extensiones import db


class WsgiAislada:
    """The app as a WSGI callable whose requests each run in their own context, as in
    production (the test's app context, `g` and database session are not shared)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        respuesta = contextvars.Context().run(self.app, environ, start_response)
        db.session.expire_all()
        return respuesta


@pytest.fixture
def token_total(crear_acreedor, crear_caso):
    """The bearer text of a token with every alcance, for an acreedor with one caso
    (obligacion referencia "FUZ-1-0")."""
    acreedor = crear_acreedor("FUZ")
    crear_caso(acreedor)
    _, texto = tokens.crear_token(acreedor, "Fuzz", list(ALCANCES), None)
    db.session.commit()
    return texto


@pytest.fixture
def api_sin_limite(app):
    """A generous API rate limit for the duration of the test (restored afterwards)."""
    antes = app.config.get("API_RATELIMIT")
    app.config["API_RATELIMIT"] = "100000 per minute"
    yield
    app.config["API_RATELIMIT"] = antes


@pytest.fixture
def ajustes_temporales(app):
    """Sets app.config values for one test and restores them afterwards."""
    guardados = {}

    def fijar(**valores):
        for clave, valor in valores.items():
            guardados.setdefault(clave, app.config.get(clave))
            app.config[clave] = valor

    yield fijar
    app.config.update(guardados)
