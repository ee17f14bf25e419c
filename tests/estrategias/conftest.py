"""Fixtures of the contact plan tests: a Colombian caso (Bogotá) and a saved plan. Moments
are Bogotá wall times; March 2026: Monday 9, Sunday 15."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agencia.estrategias.servicios import guardar
from agencia.extensiones import db

BOGOTA = ZoneInfo("America/Bogota")
PASOS = (
    {"dia": "0", "canal": "email", "plantilla": "email_recordatorio"},
    {"dia": "7", "canal": "sms", "plantilla": "sms_recordatorio"},
    {"dia": "15", "canal": "carta", "plantilla": "carta_prejuridica"},
)


def local(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=BOGOTA)


@pytest.fixture
def acreedor_co(crear_acreedor):
    return crear_acreedor("ACME", pais="CO", zona_horaria="America/Bogota")


@pytest.fixture
def caso_co(acreedor_co, crear_caso):
    """A Colombian deudor with a phone authorised for sms/whatsapp and an email for email;
    entered its etapa at `desde` (Bogotá wall time)."""

    def crear(desde="2026-03-09 08:00", acreedor=None, **kwargs):
        caso = crear_caso(acreedor or acreedor_co, **kwargs)
        caso.deudor.pais, caso.deudor.zona_horaria = "CO", "America/Bogota"
        for contacto in caso.deudor.contactos:
            if contacto.tipo == "telefono":
                contacto.consentimientos = ["llamada", "sms", "whatsapp"]
        caso.etapa_desde = local(desde)
        db.session.commit()
        return caso

    return crear


@pytest.fixture
def plan(acreedor_co):
    """The standard plan (day 0 email, day 7 SMS, day 15 carta prejurídica) for prejurídico."""

    def crear(acreedor=None, pasos=PASOS, etapa="prejuridico", activa=True):
        estrategia = guardar((acreedor or acreedor_co).id,
                             {"nombre": "Plan estándar", "etapa": etapa, "activa": activa,
                              "pasos": list(pasos)}, None)
        db.session.commit()
        return estrategia

    return crear
