"""Fixtures for the contact policy: casos in a country and time zone, history as gestiones.

Moments are written as local wall times ("2026-03-09 07:00") in the deudor's zone, which is
how the law is written; the engine receives them as aware datetimes.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from agencia.casos.modelos import Gestion
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db

ZONAS = {"CO": "America/Bogota", "CL": "America/Santiago", "PE": "America/Lima",
         "MX": "America/Mexico_City", "US": "America/New_York"}


def local(texto: str, zona: str = "America/Bogota") -> datetime:
    """'2026-03-09 07:00' in `zona` (a country code or an IANA name) as an aware datetime."""
    return datetime.fromisoformat(texto).replace(tzinfo=ZoneInfo(ZONAS.get(zona, zona)))


def utc(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=UTC)


@pytest.fixture
def caso_en(crear_acreedor, crear_caso):
    """A caso whose deudor lives in `pais` (zone `zona`, or none), with a phone authorised for
    llamada/sms/whatsapp, an email for email and an address for carta/visita."""
    acreedores = {}

    def crear(pais="CO", zona="pais", acreedor_pais=None, consentimientos=None, **deudor):
        acreedor_pais = acreedor_pais or (pais or "CO")
        if acreedor_pais not in acreedores:
            acreedores[acreedor_pais] = crear_acreedor(
                f"AC{acreedor_pais}", pais=acreedor_pais,
                zona_horaria=deudor.pop("acreedor_zona", ZONAS[acreedor_pais]))
        caso = crear_caso(acreedores[acreedor_pais])
        d = caso.deudor
        d.pais = pais
        d.zona_horaria = ZONAS.get(pais) if zona == "pais" else zona
        for clave, valor in deudor.items():
            setattr(d, clave, valor)
        consentimientos = consentimientos or {
            "telefono": ["llamada", "sms", "whatsapp"], "email": ["email"],
            "direccion": ["carta", "visita"]}
        d.contactos.clear()
        db.session.flush()
        for tipo, canales in consentimientos.items():
            valor = {"telefono": "+573001234567", "email": "d@example.com"}.get(tipo, "Calle 1")
            d.contactos.append(Contacto(tipo=tipo, valor=valor, consentimientos=canales))
        db.session.commit()
        return caso

    return crear


@pytest.fixture
def gestion():
    """Appends a gestion to a caso's history at an explicit moment (gestiones are append-only:
    history is built, never edited)."""

    def crear(caso, cuando: datetime, canal="llamada", direccion="saliente",
              resultado="no_contesta"):
        fila = Gestion(caso_id=caso.id, canal=canal, direccion=direccion, resultado=resultado,
                       nota="", creado_en=cuando)
        db.session.add(fila)
        db.session.commit()
        return fila

    return crear
