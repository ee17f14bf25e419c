"""Migrations applied to a database that already holds data (not only to an empty one)."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from agencia.casos.modelos import Caso
from agencia.extensiones import db


def test_0002_sobre_casos_existentes(crear_acreedor, crear_caso):
    caso_id = crear_caso(crear_acreedor()).id
    db.session.remove()
    downgrade(revision="0001")
    upgrade()
    assert db.session.scalar(select(Caso.en_disputa).where(Caso.id == caso_id)) is False
