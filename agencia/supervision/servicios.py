"""Reassigning casos: one or many to an agent, rebalancing across agents, an absent agent.

Rules:
- only an active agent of a team of the caso's acreedor may receive it; otherwise the whole
  request is refused, naming the agent and the acreedores (nothing half-written);
- every change of owner writes an audit entry "caso.reasignar" (antes/despues agente_id, the
  motivo in despues), releases the claim on the caso and closes its open work session with
  cierre "reasignacion"; priorities are left alone;
- two supervisors moving the same caso at once: each move is a conditional UPDATE on the
  owner it read (`agente_id IS NOT DISTINCT FROM :antes`); the loser re-reads the new owner
  and applies its move on top, so the last move wins and both are audited, in order.
Casos are updated in id order, so concurrent batches lock rows in the same order.
Services flush; the request commits.
"""

from decimal import Decimal

from sqlalchemy import select, update

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.bandejas import cache
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.equipos.servicios import acreedores_por_agente
from agencia.extensiones import db
from agencia.supervision.filtros import FiltroInvalido, Filtros, casos_filtrados  # noqa: F401
from agencia.tipos import ahora

MODOS = {"cantidad": "por cantidad", "saldo": "por saldo"}
INTENTOS = 5


class ReasignacionInvalida(ValueError):
    """A reassignment that cannot be done; `mensaje` says why, in Spanish."""

    def __init__(self, mensaje: str):
        super().__init__(mensaje)
        self.mensaje = mensaje


def _agentes(agente_ids) -> list[Usuario]:
    ids = list(dict.fromkeys(int(a) for a in agente_ids))
    if not ids:
        raise ReasignacionInvalida("Elija al menos un agente.")
    agentes = {u.id: u for u in db.session.scalars(select(Usuario).where(Usuario.id.in_(ids)))}
    if any(a not in agentes or agentes[a].rol != "agente" or not agentes[a].activo
           for a in ids):
        raise ReasignacionInvalida("Elija agentes activos de la lista.")
    return [agentes[a] for a in ids]


def _casos(caso_ids) -> list:
    ids = sorted({int(c) for c in caso_ids})
    if not ids:
        raise ReasignacionInvalida("No hay casos seleccionados.")
    filas = db.session.execute(
        select(Caso.id, Caso.acreedor_id, Caso.agente_id, Caso.saldo, Caso.etapa)
        .where(Caso.id.in_(ids))
        .order_by(Caso.id)
    ).all()
    if len(filas) != len(ids):
        raise ReasignacionInvalida("Algunos de los casos elegidos no existen.")
    if any(f.etapa not in ETAPAS_ABIERTAS for f in filas):
        raise ReasignacionInvalida("Solo se reasignan casos abiertos.")
    return filas


def _nombres_acreedores(ids) -> str:
    nombres = db.session.scalars(
        select(Acreedor.nombre).where(Acreedor.id.in_(list(ids))).order_by(Acreedor.nombre))
    return ", ".join(nombres)


def _mover(caso_id: int, acreedor_id: int, agente_id: int, usuario_id, motivo) -> bool:
    """Moves one caso to the agent, auditing it; False when it already was theirs."""
    tabla = Caso.__table__
    for _ in range(INTENTOS):
        antes = db.session.execute(
            select(tabla.c.agente_id).where(tabla.c.id == caso_id)).scalar_one()
        if antes == agente_id:
            return False
        resultado = db.session.execute(
            update(tabla)
            .where(tabla.c.id == caso_id, tabla.c.agente_id.is_not_distinct_from(antes))
            .values(agente_id=agente_id, reclamado_por=None, reclamado_en=None)
        )
        if resultado.rowcount == 1:
            break
    else:
        raise ReasignacionInvalida("Otro usuario está reasignando estos casos; intente de nuevo.")
    # Written directly: the claim's owner (bandejas) must not keep working a moved caso.
    sesiones = SesionTrabajo.__table__
    db.session.execute(
        update(sesiones).where(sesiones.c.caso_id == caso_id, sesiones.c.fin.is_(None))
        .values(fin=ahora(), cierre="reasignacion"))
    registrar("caso.reasignar", "caso", caso_id, acreedor_id=acreedor_id,
              antes={"agente_id": antes}, despues={"agente_id": agente_id, "motivo": motivo},
              usuario_id=usuario_id)
    return True


def _expirar(caso_ids) -> None:
    """Casos already loaded in the session must not show their old owner."""
    ids = set(caso_ids)
    for objeto in list(db.session.identity_map.values()):
        if isinstance(objeto, Caso) and objeto.id in ids:
            db.session.expire(objeto)


def reasignar(caso_ids, agente_id: int, usuario, motivo: str | None = None) -> int:
    """Gives the casos to one agent. Returns how many changed owner."""
    agente = _agentes([agente_id])[0]
    casos = _casos(caso_ids)
    permitidos = acreedores_por_agente([agente.id])[agente.id]
    ajenos = {c.acreedor_id for c in casos} - permitidos
    if ajenos:
        raise ReasignacionInvalida(
            f"{agente.nombre} no está en un equipo de: {_nombres_acreedores(ajenos)}. "
            "Agréguelo al equipo del acreedor o elija otro agente.")
    motivo = (motivo or "").strip() or None
    usuario_id = getattr(usuario, "id", usuario)
    movidos = sum(_mover(c.id, c.acreedor_id, agente.id, usuario_id, motivo) for c in casos)
    db.session.flush()
    # Both sides' Mi día figures change now, not when their cache expires.
    cache.olvidar(agente.id, *{c.agente_id for c in casos})
    _expirar(c.id for c in casos)
    return movidos


def _plan(casos, agentes, modo: str, actuales: dict[int, int | None]) -> dict[int, list[int]]:
    """Which casos each agent gets. Each caso only goes to agents of its acreedor's teams."""
    habilitados = acreedores_por_agente([a.id for a in agentes])
    orden = {a.id: i for i, a in enumerate(agentes)}
    plan: dict[int, list[int]] = {a.id: [] for a in agentes}
    saldos = {a.id: Decimal("0") for a in agentes}

    def candidatos(caso):
        return [a for a in orden if caso.acreedor_id in habilitados[a]]

    sin_agente = {c.acreedor_id for c in casos if not candidatos(c)}
    if sin_agente:
        raise ReasignacionInvalida(
            "Ninguno de los agentes elegidos está en un equipo de: "
            f"{_nombres_acreedores(sin_agente)}. Elija agentes de esos equipos.")
    pendientes = list(casos)
    if modo == "cantidad":
        # Even counts, moving as few casos as possible: an agent keeps up to the even share
        # of the casos already theirs; the rest go, one by one, to the least loaded.
        cuota = len(casos) // len(agentes)
        pendientes = []
        for caso in casos:
            dueno = actuales.get(caso.id)
            if dueno in plan and dueno in candidatos(caso) and len(plan[dueno]) < cuota:
                plan[dueno].append(caso.id)
            else:
                pendientes.append(caso)
        clave = lambda a: (len(plan[a]), orden[a])  # noqa: E731
    else:
        # Greedy by saldo: the largest saldo first, to the agent with the least saldo so far.
        pendientes.sort(key=lambda c: (-c.saldo, c.id))
        clave = lambda a: (saldos[a], len(plan[a]), orden[a])  # noqa: E731
    for caso in pendientes:
        elegido = min(candidatos(caso), key=clave)
        plan[elegido].append(caso.id)
        saldos[elegido] += caso.saldo
    return plan


def repartir(caso_ids, agente_ids, modo: str, usuario, motivo: str | None = None) -> dict:
    """Spreads the casos across the agents "cantidad" (even counts) or "saldo" (even saldo).
    Returns {agente_id: number of these casos the agent ends up with}."""
    if modo not in MODOS:
        raise ReasignacionInvalida("Elija cómo repartir: por cantidad o por saldo.")
    agentes = _agentes(agente_ids)
    casos = _casos(caso_ids)
    actuales = dict(db.session.execute(
        select(Caso.id, Caso.agente_id).where(Caso.id.in_([c.id for c in casos]))).all())
    plan = _plan(casos, agentes, modo, actuales)
    motivo = motivo or f"Reparto {MODOS[modo]}"
    for agente_id, ids in plan.items():
        if ids:
            reasignar(ids, agente_id, usuario, motivo)
    return {agente_id: len(ids) for agente_id, ids in plan.items()}


def mover_casos_de(agente_ausente_id: int, agente_ids, modo: str, usuario) -> dict:
    """Moves every open caso of an absent agent to the others, evenly by count or saldo."""
    ausente = db.session.get(Usuario, int(agente_ausente_id))
    if ausente is None or ausente.rol != "agente":
        raise ReasignacionInvalida("Elija el agente ausente de la lista.")
    otros = [int(a) for a in agente_ids if int(a) != ausente.id]
    if not otros:
        raise ReasignacionInvalida("Elija al menos un agente, distinto del ausente, que reciba "
                                   "los casos.")
    caso_ids = list(db.session.scalars(
        select(Caso.id).where(Caso.agente_id == ausente.id, Caso.etapa.in_(ETAPAS_ABIERTAS))))
    if not caso_ids:
        return {}
    return repartir(caso_ids, otros, modo, usuario, motivo=f"Agente ausente: {ausente.nombre}")
