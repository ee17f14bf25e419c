"""Claiming casos: "Siguiente caso" gives each agent one caso at a time, never the same caso
to two agents, and records the work session (SesionTrabajo) from claim to release.

The claim is one statement (ARQUITECTURA practice 7):

    UPDATE caso SET reclamado_por = :agente, reclamado_en = :t
    WHERE id = (SELECT id FROM caso WHERE <in the agent's bandeja, unclaimed, not worked today>
                ORDER BY prioridad DESC, id DESC LIMIT 1 FOR UPDATE SKIP LOCKED)
      AND reclamado_por IS NULL
    RETURNING id

On PostgreSQL the subquery locks the chosen row and skips rows other transactions hold, so
concurrent claims never wait on each other nor take the same caso; there the release of the
previous caso, the claim and the new SesionTrabajo are data-modifying CTEs of that one
statement (reclamo_pg.py), after a per-agent advisory lock that serialises two tabs of the
same agent. On SQLite the same UPDATE is atomic under its single writer (no FOR UPDATE there),
with the release and the session insert as separate statements of the same transaction. The order `prioridad DESC, id DESC` is a
backward scan of the partial index ix_caso_libre (agente_id, prioridad, id) WHERE reclamado_por
IS NULL, so a claim reads a handful of index entries even with a million casos.

Which casos: assigned to the agent (a caso reassigned while claimed stays with its claimer
until released: a claimed caso is never offered to anybody else), open etapa (or the one asked
for), not in disputa, deudor not no-contactar, and not worked today (`ultima_gestion_en` before
the agency's midnight: a column of caso, so the rule costs nothing), and not the caso the agent
is leaving (pressing "Siguiente caso" without logging a gestion moves on).

Claims and ordinary releases are recorded in SesionTrabajo (that table is their history);
releases the agent did not make — stale ("vencida") or by reassignment — are also audited.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, insert, or_, select, update

from agencia.auditoria.servicios import registrar
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.tipos import ahora

# A claim is not a change of the caso's data: actualizado_en keeps its value (and its
# onupdate default would otherwise be rendered twice in reclamo_pg's statement).
SIN_TOCAR = {"actualizado_en": Caso.actualizado_en}

# Namespace of the per-agent advisory locks (pg_advisory_xact_lock(namespace, agente_id)).
CERROJO_RECLAMO = 4_0001


def _es_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _cerrar_sesiones_del_agente(agente_id: int, momento: datetime) -> list[int]:
    """Ends the agent's open sessions ("agente") and drops their claims; the casos left."""
    dejados = list(db.session.execute(
        update(SesionTrabajo)
        .where(SesionTrabajo.agente_id == agente_id, SesionTrabajo.fin.is_(None))
        .values(fin=momento, cierre="agente")
        .returning(SesionTrabajo.caso_id)
        .execution_options(synchronize_session=False)
    ).scalars())
    if dejados:
        db.session.execute(
            update(Caso)
            .where(Caso.id.in_(dejados), Caso.reclamado_por == agente_id)
            .values(reclamado_por=None, reclamado_en=None, **SIN_TOCAR)
            .execution_options(synchronize_session=False)
        )
        _expirar(Caso, dejados)
        _expirar(SesionTrabajo, ())
    return dejados


def _expirar(modelo, ids) -> None:
    """Objects of this session changed by a Core UPDATE are reloaded on next access."""
    ids = set(ids)
    for objeto in list(db.session.identity_map.values()):
        if isinstance(objeto, modelo) and (not ids or objeto.id in ids):
            db.session.expire(objeto)


def candidatos(agente_id: int, *, etapa: str | None = None,
               acreedor_ids=None, momento: datetime | None = None, excluir=()) -> object:
    """The select of the agent's claimable casos, best first (ids only)."""
    from agencia.bandejas.servicios import inicio_del_dia

    momento = momento or ahora()
    etapas = (etapa,) if etapa in ETAPAS_ABIERTAS else ETAPAS_ABIERTAS
    bloqueado = exists().where(Deudor.id == Caso.deudor_id, Deudor.no_contactar.is_(True))
    stmt = (
        select(Caso.id)
        .where(
            Caso.agente_id == agente_id,
            Caso.reclamado_por.is_(None),
            Caso.etapa.in_(etapas),
            Caso.en_disputa.is_(False),
            ~bloqueado,
            or_(Caso.ultima_gestion_en.is_(None),
                Caso.ultima_gestion_en < inicio_del_dia(momento)),
        )
        .order_by(Caso.prioridad.desc(), Caso.id.desc())
        .limit(1)
    )
    if acreedor_ids is not None:
        stmt = stmt.where(Caso.acreedor_id.in_(list(acreedor_ids)))
    if excluir:
        stmt = stmt.where(Caso.id.not_in(list(excluir)))
    return stmt


def reclamar_siguiente(agente_id: int, *, etapa: str | None = None, acreedor_ids=None,
                       momento: datetime | None = None) -> Caso | None:
    """Releases the agent's current caso and claims the best one left in their bandeja.

    Returns the claimed caso (with its new SesionTrabajo open), or None when nothing is left.
    Flushes; the caller commits (the claim is held by its row lock until then).
    """
    return _reclamar(agente_id, agente_id, etapa=etapa, acreedor_ids=acreedor_ids,
                     momento=momento)


def _reclamar(agente_id: int, duenio_id: int, *, etapa=None, acreedor_ids=None,
              momento=None) -> Caso | None:
    """The claim, for `agente_id`, from the bandeja of `duenio_id` (always the same agent in
    the product; tests make several agents pull from one bandeja to race for the same rows)."""
    momento = momento or ahora()
    if _es_postgresql():
        # One claim at a time per agent: two tabs pressing at once are serialised here, so an
        # agent never ends up holding two casos. An advisory lock (not a lock on the usuario
        # row, which foreign-key checks of reassignments and sessions would contend with).
        db.session.execute(select(func.pg_advisory_xact_lock(CERROJO_RECLAMO, agente_id)))
        return _reclamar_postgresql(agente_id, duenio_id, etapa, acreedor_ids, momento)
    dejados = _cerrar_sesiones_del_agente(agente_id, momento)
    elegido = candidatos(duenio_id, etapa=etapa, acreedor_ids=acreedor_ids, momento=momento,
                         excluir=dejados)
    caso = db.session.scalars(
        update(Caso)
        .where(and_(Caso.id == elegido.scalar_subquery(), Caso.reclamado_por.is_(None)))
        .values(reclamado_por=agente_id, reclamado_en=momento, **SIN_TOCAR)
        .returning(Caso)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).one_or_none()
    if caso is None:
        return None
    db.session.execute(insert(SesionTrabajo).values(caso_id=caso.id, agente_id=agente_id,
                                                    inicio=momento))
    return caso


def _reclamar_postgresql(agente_id, duenio_id, etapa, acreedor_ids, momento) -> Caso | None:
    """Everything in one statement (see reclamo_pg)."""
    from agencia.bandejas.reclamo_pg import sentencia
    from agencia.bandejas.servicios import inicio_del_dia

    etapas = (etapa,) if etapa in ETAPAS_ABIERTAS else ETAPAS_ABIERTAS
    parametros = {"agente": agente_id, "duenio": duenio_id, "t": momento,
                  "inicio_dia": inicio_del_dia(momento)}
    if acreedor_ids is not None:
        parametros["acreedores"] = list(acreedor_ids)
    caso_id = db.session.execute(sentencia(etapas, acreedor_ids is not None),
                                 parametros).scalar_one_or_none()
    _expirar(Caso, ())
    _expirar(SesionTrabajo, ())
    return db.session.get(Caso, caso_id) if caso_id is not None else None


def liberar_reclamo(caso: Caso, cierre: str = "agente", *, momento: datetime | None = None,
                    usuario_id: int | None = None) -> bool:
    """Drops the claim on `caso` and ends its open session with `cierre` ("agente",
    "vencida", "reasignacion"). Returns whether there was a claim. Flushes."""
    momento = momento or ahora()
    antes = caso.reclamado_por
    abiertas = db.session.execute(
        update(SesionTrabajo)
        .where(SesionTrabajo.caso_id == caso.id, SesionTrabajo.fin.is_(None))
        .values(fin=momento, cierre=cierre)
        .execution_options(synchronize_session=False)
    ).rowcount
    if abiertas:
        _expirar(SesionTrabajo, ())
    caso.reclamado_por = None
    caso.reclamado_en = None
    if antes is not None and cierre != "agente":
        registrar("caso.liberar_reclamo", "caso", caso.id, acreedor_id=caso.acreedor_id,
                  antes={"reclamado_por": antes}, despues={"reclamado_por": None,
                                                           "cierre": cierre},
                  usuario_id=usuario_id)
    db.session.flush()
    return antes is not None or bool(abiertas)


def liberar_vencidos(minutos: int = 30, momento: datetime | None = None) -> int:
    """Releases the claims idle for more than `minutos`: claimed before the limit and with no
    gestion since the limit (so a claim whose last gestion is older is released too). Each
    released caso gets an audit entry; returns how many were released. Flushes."""
    momento = momento or ahora()
    limite = momento - timedelta(minutes=minutos)
    filas = db.session.execute(
        select(SesionTrabajo.id, Caso.id, Caso.acreedor_id, SesionTrabajo.agente_id)
        .join(Caso, Caso.id == SesionTrabajo.caso_id)
        .where(
            SesionTrabajo.fin.is_(None),
            SesionTrabajo.inicio < limite,
            or_(Caso.ultima_gestion_en.is_(None), Caso.ultima_gestion_en < limite),
        )
    ).all()
    if not filas:
        return 0
    for trozo in range(0, len(filas), 1000):
        parte = filas[trozo:trozo + 1000]
        db.session.execute(
            update(SesionTrabajo)
            .where(SesionTrabajo.id.in_([f[0] for f in parte]), SesionTrabajo.fin.is_(None))
            .values(fin=momento, cierre="vencida")
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Caso)
            .where(Caso.id.in_([f[1] for f in parte]), Caso.reclamado_en < limite)
            .values(reclamado_por=None, reclamado_en=None, **SIN_TOCAR)
            .execution_options(synchronize_session=False)
        )
    for _, caso_id, acreedor_id, agente_id in filas:
        registrar("caso.liberar_reclamo", "caso", caso_id, acreedor_id=acreedor_id,
                  antes={"reclamado_por": agente_id},
                  despues={"reclamado_por": None, "cierre": "vencida", "minutos": minutos})
    db.session.flush()
    # Objects already loaded in this session must not keep the old claim.
    _expirar(Caso, [f[1] for f in filas])
    _expirar(SesionTrabajo, [f[0] for f in filas])
    return len(filas)
