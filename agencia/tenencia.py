"""Tenant scoping: every query of tenant data goes through these helpers.

Staff of the agency see every acreedor; a cliente sees exactly one. Routes never build
their own tenant filters: they ask `consulta(Modelo)` for a scoped select, or
`obtener_o_404(Modelo, id)` for one row, and another acreedor's row is simply not found.
"""

from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy import Select, event, exists, select
from sqlalchemy.orm import Session, with_loader_criteria

from agencia.asignaciones.modelos import LoteAsignacion
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Caso, Gestion, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db


def _casos_de(acreedor_id: int):
    return select(Caso.id).where(Caso.acreedor_id == acreedor_id)


# How each tenant model is restricted to one acreedor.
_FILTROS = {
    Caso: lambda a: Caso.acreedor_id == a,
    Obligacion: lambda a: Obligacion.acreedor_id == a,
    Carta: lambda a: Carta.acreedor_id == a,
    LoteAsignacion: lambda a: LoteAsignacion.acreedor_id == a,
    Gestion: lambda a: Gestion.caso_id.in_(_casos_de(a)),
    Deudor: lambda a: exists().where(Caso.deudor_id == Deudor.id, Caso.acreedor_id == a),
    Contacto: lambda a: exists().where(
        Caso.deudor_id == Contacto.deudor_id, Caso.acreedor_id == a
    ),
}


def acreedor_del_usuario(usuario=None) -> int | None:
    """The acreedor a user is confined to, or None for agency staff (who see all)."""
    usuario = usuario or current_user
    if not usuario or not usuario.is_authenticated:
        abort(404)
    return usuario.acreedor_id if usuario.es_cliente else None


def restringir(stmt: Select, modelo, acreedor_id: int | None) -> Select:
    """Adds the tenant condition for `modelo` to a select; None means unrestricted."""
    if acreedor_id is None:
        return stmt
    return stmt.where(_FILTROS[modelo](acreedor_id))


def consulta(modelo, usuario=None) -> Select:
    """A select of `modelo` limited to what the user may see."""
    return restringir(select(modelo), modelo, acreedor_del_usuario(usuario))


def obtener_o_404(modelo, ident: int, usuario=None):
    """One row the user may see, or 404 — never another acreedor's row."""
    stmt = consulta(modelo, usuario).where(modelo.id == ident)
    fila = db.session.execute(stmt).scalar_one_or_none()
    if fila is None:
        abort(404)
    return fila


# Backstop, not the guard: while a cliente's request runs, every ORM select of a model that
# carries acreedor_id is also limited to that acreedor, in case a query forgot the helpers.
# It does not cover text()/Core queries or session.get() from the identity map.
_MODELOS_CON_ACREEDOR = (Caso, Obligacion, Carta, LoteAsignacion)


def fijar_acreedor_de_la_peticion() -> None:
    """before_request: remember the cliente's acreedor for the backstop filter."""
    if current_user and current_user.is_authenticated and current_user.es_cliente:
        g.acreedor_tenencia = current_user.acreedor_id


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
