"""Fixtures of the API: tokens made through the service, and their Authorization header."""

import pytest

from agencia.api import tokens
from agencia.extensiones import db


@pytest.fixture
def crear_token():
    def crear(acreedor, alcances=("asignaciones", "devoluciones", "casos"), nombre="ERP"):
        _, texto = tokens.crear_token(acreedor, nombre, list(alcances), None)
        db.session.commit()
        return texto

    return crear


def cabecera(texto: str) -> dict:
    return {"Authorization": f"Bearer {texto}"}
