"""Row-level security on PostgreSQL: the database's own tenant guard, behind agencia.tenencia

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23

Every table of tenant data gets ENABLE + FORCE ROW LEVEL SECURITY and one policy "tenencia":
a row is visible (and writable) when the transaction says it acts for every acreedor
(`agencia.todos` = 'si': staff requests, jobs, CLI) or for the row's acreedor
(`agencia.acreedor_id`: a cliente's or an API token's request). agencia/seguridad_filas.py sets
both per transaction. With neither set, a query sees nothing. FORCE makes the tables' owner
subject too; superusers (and roles with BYPASSRLS) always bypass it.

Left out on purpose: acreedor, usuario and token_api (read before the tenant is known: login
and token lookup), auditoria and sello_auditoria (one hash chain across acreedores, written
from tenant requests), deudor and contacto (one person shared by acreedores: the placement
import matches them by document across acreedores, and RLS would stop the LIKE/trigram search
indexes from being used), and staff-only tables (equipo*, sesion_trabajo, meta_agente,
calculo_metricas). On SQLite this migration does nothing.
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TODOS = "current_setting('agencia.todos', true) = 'si'"
ACREEDOR = "nullif(current_setting('agencia.acreedor_id', true), '')::int"

# Tables with their own acreedor_id.
DIRECTAS = (
    "caso", "obligacion", "cambio_etapa", "carta", "lote_cartas", "plantilla_acreedor",
    "lote_asignacion", "carga_cartera", "documento", "mensaje", "pago", "lote_pagos",
    "promesa", "acuerdo", "mandato", "honorario", "tarifa_honorario", "politica_acreedor",
    "estrategia", "ejecucion_paso", "regla_remision", "remision", "proceso_juridico",
    "actuacion_juridica", "costo_juridico", "expediente", "metrica_agente_dia",
    "metrica_cartera_dia", "metrica_acreedor_dia", "metrica_lote",
)
# Tables that belong to a row of a table above: (table, column, parent table).
POR_PADRE = (
    ("gestion", "caso_id", "caso"),
    ("cuota", "acuerdo_id", "acuerdo"),
    ("imputacion_pago", "pago_id", "pago"),
    ("abono_cuota", "pago_id", "pago"),
    ("paso_estrategia", "estrategia_id", "estrategia"),
)


def _condiciones():
    for tabla in DIRECTAS:
        yield tabla, f"{TODOS} OR acreedor_id = {ACREEDOR}"
    for tabla, columna, padre in POR_PADRE:
        yield tabla, (f"{TODOS} OR EXISTS (SELECT 1 FROM {padre} p WHERE p.id = {tabla}.{columna}"
                      f" AND p.acreedor_id = {ACREEDOR})")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for tabla, condicion in _condiciones():
        op.execute(f"ALTER TABLE {tabla} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {tabla} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenencia ON {tabla} USING ({condicion}) "
                   f"WITH CHECK ({condicion})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for tabla, _ in _condiciones():
        op.execute(f"DROP POLICY IF EXISTS tenencia ON {tabla}")
        op.execute(f"ALTER TABLE {tabla} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {tabla} DISABLE ROW LEVEL SECURITY")
