"""Alembic: one head, and the migrated schema matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from agencia.extensiones import db


def test_una_sola_cabeza():
    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_esquema_migrado_igual_a_los_modelos():
    with db.engine.connect() as conexion:
        contexto = MigrationContext.configure(conexion, opts={"compare_type": False})
        diferencias = compare_metadata(contexto, db.metadata)
    assert diferencias == []
