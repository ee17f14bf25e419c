"""The agent's bandeja: which open casos an agent works, in which order, and the day's figures.

A caso is in an agent's bandeja when it is assigned to them, its etapa is open, it is not in
disputa, and its deudor may be contacted (a caso in disputa, or a deudor marked no-contactar,
leaves every bandeja until resolved — DISENO §3). The order is the priority
score (see `prioridad.py`), highest first, ties by id so the order is stable between pages.

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
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso, Gestion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.tenencia import restringir

ROLES_QUE_SUPERVISAN = ("supervisor", "admin")


def _condiciones(agente_id: int, etapa: str | None) -> list:
    etapas = (etapa,) if etapa in ETAPAS_ABIERTAS else ETAPAS_ABIERTAS
    return [
        Caso.agente_id == agente_id,
        Caso.etapa.in_(etapas),
        Deudor.no_contactar.is_(False),
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
        .order_by(Caso.prioridad.desc(), Caso.id)
    )
    return restringir(stmt, Caso, acreedor_id)


def siguiente_caso(agente_id: int, acreedor_id: int | None = None) -> Caso | None:
    """The top caso of the bandeja not yet worked today, so that pressing "Siguiente caso"
    after logging a gestion moves on. Atomic claiming for concurrent agents comes later."""
    pendiente = or_(Caso.ultima_gestion_en.is_(None), Caso.ultima_gestion_en < inicio_del_dia())
    stmt = consulta_bandeja(agente_id, acreedor_id).where(pendiente).limit(1)
    return db.session.execute(stmt).unique().scalar_one_or_none()


def inicio_del_dia(ahora_local: datetime | None = None) -> datetime:
    """Midnight of today in the agency's time zone (aware; stored times compare in UTC)."""
    zona = ZoneInfo(current_app.config["TZ_DEFAULT"])
    hoy = (ahora_local or datetime.now(zona)).astimezone(zona).date()
    return datetime.combine(hoy, time.min, tzinfo=zona)


def cifras_del_dia(agente_id: int, acreedor_id: int | None = None) -> dict:
    """Figures of "Mi día": casos in the bandeja, their saldo per currency, gestiones today.

    Saldo is summed per currency: adding pesos to dollars would be a meaningless figure.
    """
    por_moneda = (
        select(Acreedor.moneda, func.count(Caso.id), func.sum(Caso.saldo))
        .select_from(Caso)
        .join(Caso.deudor)
        .join(Caso.acreedor)
        .where(*_condiciones(agente_id, None))
        .group_by(Acreedor.moneda)
        .order_by(Acreedor.moneda)
    )
    filas = db.session.execute(restringir(por_moneda, Caso, acreedor_id)).all()
    gestiones = select(func.count(Gestion.id)).where(
        Gestion.usuario_id == agente_id, Gestion.creado_en >= inicio_del_dia()
    )
    return {
        "casos": sum(cantidad for _, cantidad, _ in filas),
        "saldos": [(moneda, total) for moneda, _, total in filas],
        "gestiones_hoy": db.session.scalar(restringir(gestiones, Gestion, acreedor_id)) or 0,
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
