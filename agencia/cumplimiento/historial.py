"""Past contacts with a person, the history every frequency rule counts from.

The agency's contacts with a deudor are counted whichever caso (and acreedor) they were made
for: the person is the one being contacted. Today the only source is the gestiones; a later
issue adds the outbound message outbox here, and nothing else needs to change.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, Integer, bindparam, func, or_, select

from agencia.casos.modelos import Caso, Gestion
from agencia.extensiones import db

# Outcomes meaning the agent actually spoke with the deudor (any inbound gestion too).
CONTACTO_DIRECTO = frozenset(
    {"titular_contactado", "promesa_pago", "negativa", "disputa", "ya_pago"}
)


@dataclass(frozen=True, slots=True)
class ContactoPrevio:
    momento: datetime  # aware UTC
    canal: str
    direccion: str  # "saliente" | "entrante"
    directo: bool  # the deudor was reached (inbound, or an outcome in CONTACTO_DIRECTO)


def contactos_previos(deudor_ids, desde: datetime, hasta: datetime
                      ) -> dict[int, list[ContactoPrevio]]:
    """deudor_id → its contacts in [desde, hasta], oldest first, in one query.

    Runs on the session's connection rather than through the ORM session so the per-request
    tenancy backstop does not hide other acreedores' casos: the answer must be the same
    whoever asks."""
    ids = sorted(set(deudor_ids))
    resultado: dict[int, list[ContactoPrevio]] = defaultdict(list)
    if not ids:
        return resultado
    conexion = db.session.connection()
    for deudor_id, momento, canal, entrante, directo in _filas(conexion, ids, desde, hasta):
        resultado[deudor_id].append(ContactoPrevio(
            momento, canal, "entrante" if entrante else "saliente", directo))
    return resultado


def _consulta(de_los_deudores):
    entrante = Gestion.direccion == "entrante"
    return (
        # Booleans rather than the texts: a bandeja page reads thousands of these rows.
        select(Caso.deudor_id, Gestion.creado_en, Gestion.canal, entrante,
               or_(entrante, Gestion.resultado.in_(sorted(CONTACTO_DIRECTO))))
        .join(Caso, Caso.id == Gestion.caso_id)
        .where(de_los_deudores, Gestion.creado_en >= bindparam("desde"),
               Gestion.creado_en <= bindparam("hasta"))
        .order_by(Gestion.creado_en, Gestion.id)
    )


def _filas(conexion, ids: list[int], desde: datetime, hasta: datetime):
    if conexion.dialect.name == "postgresql":
        # One array parameter instead of thousands: cheaper to send and to plan.
        de_los_deudores = Caso.deudor_id == func.any(bindparam("ids", ids, ARRAY(Integer)))
    else:
        de_los_deudores = Caso.deudor_id.in_(ids)
    return conexion.execute(_consulta(de_los_deudores), {"desde": desde, "hasta": hasta}).all()
