"""Bandeja indexes: ordered per agent, and covering for Mi día's figures

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""
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


def downgrade():
    with op.batch_alter_table('caso', schema=None) as batch_op:
        batch_op.drop_index('ix_caso_agente_orden')
        batch_op.drop_index('ix_caso_bandeja')
        batch_op.create_index('ix_caso_bandeja', ['agente_id', 'etapa', 'prioridad'], unique=False)
