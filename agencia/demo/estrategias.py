"""Demo contact plans: one per demo acreedor for the prejurídico etapa (day 0 email, day 7
SMS, day 15 carta prejurídica), saved through the real service. Idempotent: an acreedor that
already has a prejurídico plan keeps it."""

from sqlalchemy import select

from agencia.estrategias.modelos import Estrategia
from agencia.estrategias.servicios import guardar
from agencia.extensiones import db

ETAPA_DEMO = "prejuridico"
PASOS_DEMO = (
    {"dia": "0", "canal": "email", "plantilla": "email_recordatorio"},
    {"dia": "7", "canal": "sms", "plantilla": "sms_recordatorio"},
    {"dia": "15", "canal": "carta", "plantilla": "carta_prejuridica"},
)


def sembrar_estrategias(acreedores, usuario_id: int | None) -> int:
    """Saves the demo plan for each acreedor without one; returns how many were created."""
    creadas = 0
    for acreedor in acreedores:
        if db.session.scalar(select(Estrategia.id).where(
                Estrategia.acreedor_id == acreedor.id, Estrategia.etapa == ETAPA_DEMO)):
            continue
        guardar(acreedor.id, {"nombre": "Plan prejurídico estándar", "etapa": ETAPA_DEMO,
                              "activa": True, "pasos": list(PASOS_DEMO)}, usuario_id)
        creadas += 1
    return creadas
