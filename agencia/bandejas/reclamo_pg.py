"""The claim on PostgreSQL in one round trip: close the agent's session, release its caso,
claim the next one and open the new session, as data-modifying CTEs of a single statement.

    WITH cerradas AS (UPDATE sesion_trabajo SET fin, cierre='agente'
                      WHERE agente_id = :agente AND fin IS NULL RETURNING caso_id),
         liberados AS (UPDATE caso SET reclamado_por = NULL, reclamado_en = NULL
                       WHERE id IN (SELECT caso_id FROM cerradas) AND reclamado_por = :agente),
         reclamado AS (UPDATE caso SET reclamado_por = :agente, reclamado_en = :t
                       WHERE id = (SELECT id FROM caso WHERE <bandeja> AND id NOT IN cerradas
                                   ORDER BY prioridad DESC, id DESC LIMIT 1
                                   FOR UPDATE OF caso SKIP LOCKED)
                         AND reclamado_por IS NULL RETURNING id),
         nueva AS (INSERT INTO sesion_trabajo (caso_id, agente_id, inicio)
                   SELECT id, :agente, :t FROM reclamado)
    SELECT id FROM reclamado

PostgreSQL runs every data-modifying CTE exactly once, on one snapshot; the released caso is
excluded from the choice, so no row is updated twice. The statement is built once per shape
(etapas, acreedor filter) with bind parameters (`duenio`, the bandeja's agent, is
`agente` itself except in the race tests): building SQLAlchemy constructs costs more
than the database work, and a claim must stay within a few milliseconds with 50 agents.
The semantics are those of `reclamo.candidatos` (same conditions, same order).
"""

from functools import lru_cache

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    exists,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from agencia.bandejas.modelos import SesionTrabajo
from agencia.bandejas.reclamo import SIN_TOCAR
from agencia.casos.modelos import Caso
from agencia.deudores.modelos import Deudor
from agencia.tipos import FechaHoraUTC


@lru_cache(maxsize=64)
def sentencia(etapas: tuple[str, ...], con_acreedores: bool):
    agente = bindparam("agente", type_=Integer())
    momento = bindparam("t", type_=FechaHoraUTC())
    cerradas = (
        update(SesionTrabajo)
        .where(SesionTrabajo.agente_id == agente, SesionTrabajo.fin.is_(None))
        .values(fin=momento, cierre="agente")
        .returning(SesionTrabajo.caso_id)
        .cte("cerradas")
    )
    liberados = (
        update(Caso)
        .where(Caso.id.in_(select(cerradas.c.caso_id)), Caso.reclamado_por == agente)
        .values(reclamado_por=None, reclamado_en=None, **SIN_TOCAR)
        .returning(Caso.id)
        .cte("liberados")
    )
    bloqueado = exists().where(Deudor.id == Caso.deudor_id, Deudor.no_contactar.is_(True))
    elegido = (
        select(Caso.id)
        .where(
            Caso.agente_id == bindparam("duenio", type_=Integer()),
            Caso.reclamado_por.is_(None),
            Caso.etapa.in_(etapas),
            Caso.en_disputa.is_(False),
            ~bloqueado,
            or_(Caso.ultima_gestion_en.is_(None),
                Caso.ultima_gestion_en < bindparam("inicio_dia", type_=FechaHoraUTC())),
            Caso.id.not_in(select(cerradas.c.caso_id)),
        )
        .order_by(Caso.prioridad.desc(), Caso.id.desc())
        .limit(1)
        .with_for_update(skip_locked=True, of=Caso)
    )
    if con_acreedores:
        elegido = elegido.where(Caso.acreedor_id.in_(bindparam("acreedores", expanding=True)))
    reclamado = (
        update(Caso)
        .where(and_(Caso.id == elegido.scalar_subquery(), Caso.reclamado_por.is_(None)))
        .values(reclamado_por=agente, reclamado_en=momento, **SIN_TOCAR)
        .returning(Caso.id)
        .cte("reclamado")
    )
    nueva = (
        insert(SesionTrabajo)
        .from_select(["caso_id", "agente_id", "inicio"],
                     select(reclamado.c.id, agente, momento))
        .returning(literal_column("1"))
        .cte("nueva")
    )
    return select(reclamado.c.id).add_cte(liberados, nueva)
