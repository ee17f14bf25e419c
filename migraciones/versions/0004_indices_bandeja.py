"""Bandeja indexes: ordered per agent, covering for Mi día's figures, no-contactar deudores

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

INCLUIDAS = ["acreedor_id", "saldo", "en_disputa", "deudor_id"]


def upgrade():
    with op.batch_alter_table('caso', schema=None) as batch_op:
        batch_op.drop_index('ix_caso_bandeja')
        batch_op.create_index('ix_caso_bandeja', ['agente_id', 'etapa', 'prioridad'], unique=False,
                              postgresql_include=INCLUIDAS)
        batch_op.create_index('ix_caso_agente_orden', ['agente_id', 'prioridad', 'id'],
                              unique=False)
    with op.batch_alter_table('deudor', schema=None) as batch_op:
        batch_op.create_index('ix_deudor_no_contactar', ['id'], unique=False,
                              postgresql_where=sa.text('no_contactar'),
                              sqlite_where=sa.text('no_contactar'))


def downgrade():
    with op.batch_alter_table('deudor', schema=None) as batch_op:
        batch_op.drop_index('ix_deudor_no_contactar')
    with op.batch_alter_table('caso', schema=None) as batch_op:
        batch_op.drop_index('ix_caso_agente_orden')
        batch_op.drop_index('ix_caso_bandeja')
        batch_op.create_index('ix_caso_bandeja', ['agente_id', 'etapa', 'prioridad'], unique=False)
