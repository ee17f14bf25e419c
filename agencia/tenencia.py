"""Tenant scoping: every query of tenant data goes through these helpers.

Two confinements, both applied here and nowhere else:

- a cliente sees exactly one acreedor;
- an agente sees the casos assigned to them and the casos of the acreedores of their active
  teams (Equipo.agentes / Equipo.acreedores), and what hangs from those casos.

Admin, supervisor and abogado see everything. Routes never build their own filters: they ask
`consulta(Modelo)` for a scoped select, or `obtener_o_404(Modelo, id)` for one row, and a row
out of scope is simply not found. Services take the acreedor explicitly and call
`restringir`; inside an agent's request `restringir` also applies the agent's scope
(resolved once per request in `fijar_acreedor_de_la_peticion`), so lists and searches built
by services are confined too. Jobs run outside requests and are never confined by it.
"""

from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy import Select, and_, event, exists, or_, select
from sqlalchemy.orm import Session, with_loader_criteria

from agencia.asignaciones.modelos import CargaCartera, LoteAsignacion
from agencia.cartas.modelos import Carta, LoteCartas
from agencia.casos.modelos import Caso, Gestion, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.documentos.modelos import Documento
from agencia.equipos.modelos import Equipo, equipo_acreedor, equipo_agente
from agencia.estrategias.modelos import EjecucionPaso, Estrategia
from agencia.extensiones import db
from agencia.juridico.modelos import (
    ActuacionJuridica,
    CostoJuridico,
    Expediente,
    ProcesoJuridico,
    ReglaRemision,
    Remision,
)
from agencia.mensajes.modelos import Mensaje
from agencia.metricas.modelos import (
    MetricaAcreedorDia,
    MetricaAgenteDia,
    MetricaCarteraDia,
    MetricaLote,
)


def _casos_de(acreedor_id: int):
    return select(Caso.id).where(Caso.acreedor_id == acreedor_id)


# How each tenant model is restricted to one acreedor.
_FILTROS = {
    Caso: lambda a: Caso.acreedor_id == a,
    Obligacion: lambda a: Obligacion.acreedor_id == a,
    Carta: lambda a: Carta.acreedor_id == a,
    LoteAsignacion: lambda a: LoteAsignacion.acreedor_id == a,
    CargaCartera: lambda a: CargaCartera.acreedor_id == a,
    LoteCartas: lambda a: LoteCartas.acreedor_id == a,
    Documento: lambda a: Documento.acreedor_id == a,
    Mensaje: lambda a: Mensaje.acreedor_id == a,
    Estrategia: lambda a: Estrategia.acreedor_id == a,
    EjecucionPaso: lambda a: EjecucionPaso.acreedor_id == a,
    MetricaAgenteDia: lambda a: MetricaAgenteDia.acreedor_id == a,
    MetricaCarteraDia: lambda a: MetricaCarteraDia.acreedor_id == a,
    MetricaAcreedorDia: lambda a: MetricaAcreedorDia.acreedor_id == a,
    MetricaLote: lambda a: MetricaLote.acreedor_id == a,
    ReglaRemision: lambda a: ReglaRemision.acreedor_id == a,
    Remision: lambda a: Remision.acreedor_id == a,
    ProcesoJuridico: lambda a: ProcesoJuridico.acreedor_id == a,
    ActuacionJuridica: lambda a: ActuacionJuridica.acreedor_id == a,
    CostoJuridico: lambda a: CostoJuridico.acreedor_id == a,
    Expediente: lambda a: Expediente.acreedor_id == a,
    Gestion: lambda a: Gestion.caso_id.in_(_casos_de(a)),
    Deudor: lambda a: exists().where(Caso.deudor_id == Deudor.id, Caso.acreedor_id == a),
    Contacto: lambda a: exists().where(
        Caso.deudor_id == Contacto.deudor_id, Caso.acreedor_id == a
    ),
}


def acreedores_de_agente(agente_id: int) -> Select:
    """Ids of the acreedores of the agent's active teams (a subquery)."""
    return (
        select(equipo_acreedor.c.acreedor_id)
        .join(equipo_agente, equipo_agente.c.equipo_id == equipo_acreedor.c.equipo_id)
        .join(Equipo, Equipo.id == equipo_acreedor.c.equipo_id)
        .where(equipo_agente.c.usuario_id == agente_id, Equipo.activo.is_(True))
    )


def caso_visible_para_agente(agente_id: int):
    """The condition on Caso: assigned to the agent, or of an acreedor of their teams."""
    return or_(Caso.agente_id == agente_id, Caso.acreedor_id.in_(acreedores_de_agente(agente_id)))


def _por_caso(columna_caso_id, agente_id: int):
    return exists().where(Caso.id == columna_caso_id, caso_visible_para_agente(agente_id))


# How each tenant model is restricted to what one agent may see.
_FILTROS_AGENTE = {
    Caso: caso_visible_para_agente,
    Obligacion: lambda ag: _por_caso(Obligacion.caso_id, ag),
    Carta: lambda ag: _por_caso(Carta.caso_id, ag),
    Gestion: lambda ag: _por_caso(Gestion.caso_id, ag),
    LoteAsignacion: lambda ag: LoteAsignacion.acreedor_id.in_(acreedores_de_agente(ag)),
    CargaCartera: lambda ag: CargaCartera.acreedor_id.in_(acreedores_de_agente(ag)),
    LoteCartas: lambda ag: LoteCartas.acreedor_id.in_(acreedores_de_agente(ag)),
    Documento: lambda ag: _por_caso(Documento.caso_id, ag),
    Mensaje: lambda ag: _por_caso(Mensaje.caso_id, ag),
    EjecucionPaso: lambda ag: _por_caso(EjecucionPaso.caso_id, ag),
    Estrategia: lambda ag: Estrategia.acreedor_id.in_(acreedores_de_agente(ag)),
    Remision: lambda ag: _por_caso(Remision.caso_id, ag),
    ProcesoJuridico: lambda ag: _por_caso(ProcesoJuridico.caso_id, ag),
    Expediente: lambda ag: _por_caso(Expediente.caso_id, ag),
    Deudor: lambda ag: exists().where(
        and_(Caso.deudor_id == Deudor.id, caso_visible_para_agente(ag))
    ),
    Contacto: lambda ag: exists().where(
        and_(Caso.deudor_id == Contacto.deudor_id, caso_visible_para_agente(ag))
    ),
}


def acreedor_del_usuario(usuario=None) -> int | None:
    """The acreedor a user is confined to, or None for agency staff (who see all acreedores;
    an agent is further confined by `agente_confinado`)."""
    usuario = usuario or current_user
    if not usuario or not usuario.is_authenticated:
        abort(404)
    return usuario.acreedor_id if usuario.es_cliente else None


def agente_confinado(usuario=None) -> int | None:
    """The user's id when the user is an agente (confined to their casos and teams)."""
    usuario = usuario or current_user
    if not usuario or not usuario.is_authenticated:
        abort(404)
    return usuario.id if usuario.rol == "agente" else None


def _agente_de_la_peticion() -> int | None:
    return g.get("agente_tenencia") if has_request_context() else None


def restringir(stmt: Select, modelo, acreedor_id: int | None,
               agente_id: int | None = None) -> Select:
    """Adds the tenant condition for `modelo` to a select; None means unrestricted.

    `agente_id` confines the select to what that agent may see; by default, inside an
    agent's request, it is the agent making the request."""
    if acreedor_id is not None:
        stmt = stmt.where(_FILTROS[modelo](acreedor_id))
    agente_id = agente_id if agente_id is not None else _agente_de_la_peticion()
    if agente_id is not None:
        stmt = stmt.where(_FILTROS_AGENTE[modelo](agente_id))
    return stmt


def consulta(modelo, usuario=None) -> Select:
    """A select of `modelo` limited to what the user may see."""
    return restringir(select(modelo), modelo, acreedor_del_usuario(usuario),
                      agente_confinado(usuario))


def obtener_o_404(modelo, ident: int, usuario=None):
    """One row the user may see, or 404 — never another acreedor's row, nor, for an agent,
    a caso outside their assignment and teams."""
    stmt = consulta(modelo, usuario).where(modelo.id == ident)
    fila = db.session.execute(stmt).scalar_one_or_none()
    if fila is None:
        abort(404)
    return fila


def agente_puede_ver_caso(agente_id: int, caso_id: int) -> bool:
    """For services acting on an agent's behalf outside a request (e.g. jobs, claims)."""
    stmt = select(Caso.id).where(Caso.id == caso_id, caso_visible_para_agente(agente_id))
    return db.session.execute(stmt).first() is not None


# Backstop, not the guard: while a cliente's request runs, every ORM select of a model that
# carries acreedor_id is also limited to that acreedor, in case a query forgot the helpers.
# It does not cover text()/Core queries or session.get() from the identity map.
_MODELOS_CON_ACREEDOR = (Caso, Obligacion, Carta, LoteAsignacion)


def fijar_acreedor_de_la_peticion() -> None:
    """before_request: remember the cliente's acreedor for the backstop filter, and the
    agent's id for `restringir`."""
    if current_user and current_user.is_authenticated:
        if current_user.es_cliente:
            g.acreedor_tenencia = current_user.acreedor_id
        elif current_user.rol == "agente":
            g.agente_tenencia = current_user.id


@event.listens_for(Session, "do_orm_execute")
def _respaldo_tenencia(estado):
    if not (estado.is_select and has_request_context()):
        return
    acreedor_id = g.get("acreedor_tenencia")
    if acreedor_id is None:
        return
    estado.statement = estado.statement.options(
        *(
            with_loader_criteria(modelo, modelo.acreedor_id == acreedor_id, include_aliases=True)
            for modelo in _MODELOS_CON_ACREEDOR
        )
    )
