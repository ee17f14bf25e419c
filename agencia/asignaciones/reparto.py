"""Who gets a newly placed caso: round-robin over the active agents.

The rule: the active users with rol `agente`, ordered by id, take new casos in turn. Each import
starts the turn at the agent with the fewest open casos (ties: the lowest id) and continues
in id order from there, so one import's remainder does not always fall on the same first
agents and repeated imports stay balanced. With no active agent, casos stay unassigned (the
report says so) until a supervisor assigns them.
"""

from collections.abc import Callable
from itertools import cycle

from sqlalchemy import func, select

from agencia.auth.modelos import Usuario
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db


def agentes_activos() -> list[int]:
    return list(db.session.scalars(
        select(Usuario.id).where(Usuario.rol == "agente", Usuario.activo.is_(True))
        .order_by(Usuario.id)
    ))


def casos_abiertos_por_agente(agentes: list[int]) -> dict[int, int]:
    if not agentes:
        return {}
    filas = db.session.execute(
        select(Caso.agente_id, func.count())
        .where(Caso.agente_id.in_(agentes), Caso.etapa.in_(ETAPAS_ABIERTAS))
        .group_by(Caso.agente_id)
    )
    return {agente_id: cantidad for agente_id, cantidad in filas}


def repartidor() -> Callable[[], int | None]:
    """A function that gives the agent id for each new caso in turn (None: no agents)."""
    agentes = agentes_activos()
    if not agentes:
        return lambda: None
    carga = casos_abiertos_por_agente(agentes)
    inicio = min(range(len(agentes)), key=lambda i: (carga.get(agentes[i], 0), i))
    turno = cycle(agentes[inicio:] + agentes[:inicio])
    return lambda: next(turno)
