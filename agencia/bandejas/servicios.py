"""The agent's bandeja: which open casos an agent works, in which order, and the day's figures.

A caso is in an agent's bandeja when it is assigned to them, its etapa is open, it is not in
disputa, and its deudor may be contacted (a caso in disputa, or a deudor marked no-contactar,
leaves every bandeja until resolved — DISENO §3). The order is the priority
score (see `prioridad.py`), highest first, ties by id (newest first: the same order as a
backward scan of the index "Siguiente caso" reads, see `reclamo.py`) so the order is stable
between pages.

Functions take `acreedor_id` (None for agency staff, who see every acreedor) and scope every
query through `agencia.tenencia.restringir`.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from agencia.acreedores.modelos import Acreedor
from agencia.auth.modelos import ROLES_PERSONAL, Usuario
from agencia.bandejas import cache
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso, Gestion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.tenencia import restringir
from agencia.tipos import ahora

ROLES_QUE_SUPERVISAN = ("supervisor", "admin")


def _condiciones(agente_id: int, etapa: str | None) -> list:
    """The casos of the agent's bandeja. The deudor condition is a NOT EXISTS, not a join: with
    a million deudores a join makes PostgreSQL hash the whole deudor table to count one
    agent's bandeja, while the anti-join looks up only the agent's casos (measured: a
    `NOT IN (no-contactar deudores)` hashed subplan was slower, 202 ms against 109 ms p95)."""
    etapas = (etapa,) if etapa in ETAPAS_ABIERTAS else ETAPAS_ABIERTAS
    return [
        Caso.agente_id == agente_id,
        Caso.etapa.in_(etapas),
        ~select(Deudor.id).where(Deudor.id == Caso.deudor_id, Deudor.no_contactar.is_(True))
        .correlate(Caso).exists(),
        Caso.en_disputa.is_(False),
    ]


def consulta_bandeja(agente_id: int, acreedor_id: int | None = None,
                     etapa: str | None = None) -> Select:
    """The agent's open casos, highest priority first (a select ready to paginate)."""
    stmt = (
        select(Caso)
        .join(Caso.deudor)
        .where(*_condiciones(agente_id, etapa))
        .options(contains_eager(Caso.deudor), joinedload(Caso.acreedor))
        .order_by(Caso.prioridad.desc(), Caso.id.desc())
    )
    return restringir(stmt, Caso, acreedor_id)


def siguiente_caso(agente_id: int, acreedor_id: int | None = None) -> Caso | None:
    """The top caso of the bandeja not yet worked today, without claiming it (what a
    supervisor opens from an agent's bandeja; agents claim with `reclamo.reclamar_siguiente`)."""
    pendiente = or_(Caso.ultima_gestion_en.is_(None), Caso.ultima_gestion_en < inicio_del_dia())
    stmt = consulta_bandeja(agente_id, acreedor_id).where(pendiente).limit(1)
    return db.session.execute(stmt).unique().scalar_one_or_none()


def zona_agencia() -> ZoneInfo:
    """The agency's time zone: what "today" means for bandejas, goals and promises."""
    return ZoneInfo(current_app.config["TZ_DEFAULT"])


def inicio_del_dia(ahora_local: datetime | None = None) -> datetime:
    """Midnight of today in the agency's time zone (aware; stored times compare in UTC)."""
    zona = zona_agencia()
    hoy = (ahora_local or datetime.now(zona)).astimezone(zona).date()
    return datetime.combine(hoy, time.min, tzinfo=zona)


def cifras_del_dia(agente_id: int, acreedor_id: int | None = None, *,
                   fresco: bool = False) -> dict:
    """Figures of "Mi día": casos in the bandeja (in all and per etapa, which also gives the
    table's page count without a second count), their saldo per currency, gestiones today.

    The casos and saldos come from a cache of up to a minute (`cache.py`; `fresco` skips it),
    with "calculado_en" saying when; gestiones today are always counted live: they are the
    agent's progress, which they watch move with each call.
    """
    cifras = cache.cacheadas(agente_id, acreedor_id,
                             lambda: _cartera(agente_id, acreedor_id), fresco)
    gestiones = select(func.count(Gestion.id)).where(
        Gestion.usuario_id == agente_id, Gestion.creado_en >= inicio_del_dia()
    )
    return {**cifras, "calculado_en": datetime.fromisoformat(cifras["calculado_en"]),
            "gestiones_hoy": db.session.scalar(restringir(gestiones, Gestion, acreedor_id)) or 0}


def _cartera(agente_id: int, acreedor_id: int | None) -> dict:
    """Casos in the bandeja, per etapa, and their saldo per currency (adding pesos to dollars
    would be a meaningless figure)."""
    grupos = (
        select(Caso.etapa, Caso.acreedor_id, func.count(Caso.id), func.sum(Caso.saldo))
        .where(*_condiciones(agente_id, None))
        .group_by(Caso.etapa, Caso.acreedor_id)
    )
    filas = db.session.execute(restringir(grupos, Caso, acreedor_id)).all()
    monedas = dict(db.session.execute(select(Acreedor.id, Acreedor.moneda).where(
        Acreedor.id.in_({fila[1] for fila in filas}))).all()) if filas else {}
    por_etapa: dict[str, int] = {}
    por_moneda: dict[str, object] = {}
    for etapa, acreedor, cantidad, total in filas:
        por_etapa[etapa] = por_etapa.get(etapa, 0) + cantidad
        moneda = monedas[acreedor]
        por_moneda[moneda] = por_moneda.get(moneda, 0) + (total or 0)
    return {
        "casos": sum(por_etapa.values()),
        "casos_por_etapa": por_etapa,
        "saldos": sorted(por_moneda.items()),
        "calculado_en": ahora().isoformat(),
    }


def agentes_con_bandeja() -> list[Usuario]:
    """Staff whose bandeja a supervisor may look at."""
    stmt = (
        select(Usuario)
        .where(Usuario.rol.in_(ROLES_PERSONAL), Usuario.activo.is_(True))
        .order_by(Usuario.nombre)
    )
    return list(db.session.scalars(stmt))


def agente_visible(usuario, agente_id: int | None) -> Usuario:
    """Whose bandeja `usuario` is looking at: their own, or (for supervisors and admins)
    the agent chosen with ?agente=, when that agent exists."""
    if agente_id and usuario.rol in ROLES_QUE_SUPERVISAN and agente_id != usuario.id:
        elegido = db.session.get(Usuario, agente_id)
        if elegido is not None and not elegido.es_cliente:
            return elegido
    return usuario
