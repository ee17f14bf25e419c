"""Supervision pages (supervisors and admins; agents get 403, clientes 404).

GET / shows the filter, the matching casos (count, saldo, a paginated table with a checkbox
per row) and each agent's load. Three POST actions, each taking the filter back as hidden
fields: reassign the selected (or all matching) casos to one agent; spread the matching casos
across chosen agents; move every caso of an absent agent to the others (two clicks: choose
the agent, press the button — the receivers default to every other agent).
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.extensiones import db
from agencia.supervision import filtros as f
from agencia.supervision.servicios import (
    MODOS,
    ReasignacionInvalida,
    mover_casos_de,
    reasignar,
    repartir,
)
from agencia.tipos import entero_de_texto

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
ROLES = ("supervisor", "admin")


def _pagina(filtros: f.Filtros | None, error: str | None = None, codigo: int = 200):
    agentes = f.agentes_activos()
    pagina, conteo, saldos = None, 0, {}
    if filtros is not None:
        stmt = f.casos_filtrados(filtros)
        conteo, saldos = f.resumen(stmt)
        # The count is the summary's: paginate need not count the casos a second time.
        pagina = db.paginate(f.con_relaciones(stmt), page=request.args.get("pagina", 1, type=int),
                             per_page=current_app.config["POR_PAGINA"], error_out=False,
                             count=False)
        pagina.total = conteo
    if error:
        flash(error, "error")
    return render_template(
        "supervision/inicio.html",
        filtros=filtros or f.Filtros(),
        parametros=(filtros or f.Filtros()).como_parametros(),
        valores=request.values,
        pagina=pagina, conteo=conteo, saldos=saldos,
        acreedores=db.session.scalars(db.select(Acreedor).order_by(Acreedor.nombre)).all(),
        etapas=f.etapas_abiertas(), agentes=agentes, cargas=f.cargas_cacheadas(), modos=MODOS,
        sin_asignar=f.SIN_ASIGNAR,
    ), codigo


@bp.route("/")
@rol_requerido(*ROLES)
def inicio():
    try:
        filtros = f.leer_filtros(request.args)
    except f.FiltroInvalido as error:
        return _pagina(None, error.mensaje, 400)
    return _pagina(filtros)


def _accion(hacer):
    """Runs a POST action: filter from the form, service, commit, back to the page."""
    try:
        filtros = f.leer_filtros(request.form)
        mensaje = hacer(filtros)
    except (f.FiltroInvalido, ReasignacionInvalida) as error:
        db.session.rollback()
        return _pagina(None if isinstance(error, f.FiltroInvalido) else filtros,
                       error.mensaje, 400)
    db.session.commit()
    flash(mensaje, "ok")
    return redirect(url_for("supervision.inicio", **filtros.como_parametros()))


def _ids(nombre: str) -> list[int]:
    ids = [entero_de_texto(v.strip()) for v in request.form.getlist(nombre) if v.strip()]
    if None in ids:  # not a number, or past a database integer
        raise ReasignacionInvalida("La selección enviada no es válida.")
    return ids


def _nombres(resultado: dict) -> str:
    agentes = {a.id: a.nombre for a in f.agentes_activos()}
    return ", ".join(f"{agentes.get(a, a)}: {n}" for a, n in resultado.items())


@bp.route("/reasignar", methods=["POST"])
@rol_requerido(*ROLES)
def reasignar_casos():
    def hacer(filtros):
        if request.form.get("alcance") == "filtro":
            caso_ids = f.ids_filtrados(filtros)
        else:
            caso_ids = _ids("caso_ids")
        destino = _ids("agente_id")
        if len(destino) != 1:
            raise ReasignacionInvalida("Elija el agente que recibe los casos.")
        n = reasignar(caso_ids, destino[0], current_user, request.form.get("motivo"))
        return f"{n} {'caso reasignado' if n == 1 else 'casos reasignados'}."
    return _accion(hacer)


@bp.route("/repartir", methods=["POST"])
@rol_requerido(*ROLES)
def repartir_casos():
    def hacer(filtros):
        modo = request.form.get("modo", "")
        resultado = repartir(f.ids_filtrados(filtros), _ids("agente_ids"), modo, current_user)
        return f"Casos repartidos {MODOS[modo]}: {_nombres(resultado)}."
    return _accion(hacer)


@bp.route("/ausente", methods=["POST"])
@rol_requerido(*ROLES)
def agente_ausente():
    def hacer(filtros):
        ausente = _ids("agente_ausente_id")
        if len(ausente) != 1:
            raise ReasignacionInvalida("Elija el agente ausente.")
        receptores = _ids("agente_ids") or [a.id for a in f.agentes_activos()]
        modo = request.form.get("modo") or "cantidad"
        resultado = mover_casos_de(ausente[0], receptores, modo, current_user)
        if not resultado:
            return "El agente no tenía casos abiertos."
        return f"Casos del agente ausente repartidos {MODOS[modo]}: {_nombres(resultado)}."
    return _accion(hacer)
