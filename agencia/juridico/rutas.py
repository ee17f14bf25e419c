"""Routes of the juridico feature: the legal queue and the court tracking of a caso.

GET /juridico/ is the legal queue (abogados, supervisors, admins; agents 403, clientes 404)
with the workload per abogado and firm; abogados take unassigned casos there, supervisors
reassign one or many, or every caso of an abogado. The proceso panel of the staff caso page
(juridico/_panel_proceso.html) posts to the /juridico/casos/<id>/proceso and
/juridico/procesos/<id>/... routes; on bad input the caso page comes back (400) with the
message and what was typed. The portal caso page shows the legal status
(juridico/_portal_caso.html). Rules live in agencia.juridico.procesos and .bandeja.
"""

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.juridico import bandeja as b
from agencia.juridico import procesos as p
from agencia.juridico.modelos import (
    RESULTADOS_PROCESO,
    TIPOS_ACTUACION,
    TIPOS_PROCESO,
    ProcesoJuridico,
)
from agencia.tenencia import consulta, obtener_o_404
from agencia.tipos import entero_de_texto

bp = Blueprint("juridico", __name__, url_prefix="/juridico")
ROLES = ("abogado", "supervisor", "admin")
SUPERVISORES = ("supervisor", "admin")


# ---------------------------------------------------------------- panels (context processors)


@dataclass
class Panel:
    caso: Caso
    proceso: ProcesoJuridico | None
    editable: bool
    supervisor: bool
    cifras: p.Cifras
    a_cargo: str
    audiencia_local: str
    hoy: str
    formulario: str | None  # the form sent and refused, shown again with `valores`
    valores: dict
    error: str | None


def _audiencia_local(proceso) -> str:
    if proceso is None or proceso.proxima_audiencia is None:
        return ""
    return proceso.proxima_audiencia.astimezone(p._zona()).strftime("%Y-%m-%dT%H:%M")


def panel_proceso(caso: Caso) -> Panel | None:
    """The staff panel's data; None when the caso is not in jurídico and has no proceso."""
    proceso = p.proceso_de(caso)
    if proceso is None and caso.etapa != "juridico":
        return None
    enviado = g.get("juridico_enviado") or (None, {}, None)
    return Panel(caso=caso, proceso=proceso, editable=p.puede_editar(proceso, current_user),
                 supervisor=current_user.rol in SUPERVISORES, cifras=p.cifras(caso, proceso),
                 a_cargo=p.a_cargo(proceso), audiencia_local=_audiencia_local(proceso),
                 hoy=p.hoy_local().isoformat(), formulario=enviado[0], valores=enviado[1],
                 error=enviado[2])


@dataclass
class PortalProceso:
    proceso: ProcesoJuridico
    a_cargo: str
    costos: object
    moneda: str


def portal_proceso(caso: Caso) -> PortalProceso | None:
    """What the acreedor sees of the caso's court case (scoped to the cliente's acreedor)."""
    proceso = db.session.scalar(consulta(ProcesoJuridico)
                                .where(ProcesoJuridico.caso_id == caso.id))
    if proceso is None:
        return None
    if proceso.firma_externa:
        quien = proceso.firma_externa
    elif proceso.abogado_id is not None:
        quien = "Abogado de la agencia"
    else:
        quien = "Por asignar"
    cifras = p.cifras(caso, proceso)
    return PortalProceso(proceso=proceso, a_cargo=quien, costos=cifras.costos,
                         moneda=cifras.moneda)


@bp.app_context_processor
def _paneles():
    """Functions, so they run only when the caso pages include the panels."""
    return {"proceso_del_caso": panel_proceso, "proceso_portal_del_caso": portal_proceso,
            "tipos_proceso": TIPOS_PROCESO, "tipos_actuacion": TIPOS_ACTUACION,
            "resultados_proceso": RESULTADOS_PROCESO, "abogados_juridico": p.abogados_activos}


# ---------------------------------------------------------------- the queue


def _bandeja(filtros: b.Filtros | None, error: str | None = None, codigo: int = 200):
    pagina = None
    filas = []
    if filtros is not None:
        pagina = db.paginate(b.casos_de_la_bandeja(filtros, current_user),
                             page=request.args.get("pagina", 1, type=int),
                             per_page=current_app.config["POR_PAGINA"], error_out=False)
        filas = b.filas(list(pagina.items))
    if error:
        flash(error, "error")
    filtros = filtros or b.Filtros()
    supervisor = current_user.rol in SUPERVISORES
    return render_template(
        "juridico/bandeja.html", pagina=pagina, filas=filas, filtros=filtros,
        parametros=filtros.como_parametros(), supervisor=supervisor,
        acreedores=db.session.scalars(select(Acreedor).order_by(Acreedor.nombre)).all(),
        abogados=p.abogados_activos(), firmas=b.firmas(), ordenes=b.ORDENES,
        sin_asignar=b.SIN_ASIGNAR, cargas=b.cargas() if supervisor else None,
        dias_audiencia=b.DIAS_AUDIENCIA,
    ), codigo


@bp.get("/")
@rol_requerido(*ROLES)
def bandeja():
    try:
        filtros = b.leer_filtros(request.args)
    except b.FiltroInvalido as error:
        return _bandeja(None, error.mensaje, 400)
    return _bandeja(filtros)


def _accion_bandeja(hacer):
    """A POST of the queue: the filter comes back as hidden fields."""
    try:
        filtros = b.leer_filtros(request.form)
    except b.FiltroInvalido as error:
        return _bandeja(None, error.mensaje, 400)
    try:
        mensaje = hacer()
    except p.ProcesoInvalido as error:
        db.session.rollback()
        return _bandeja(filtros, error.mensaje, 400)
    db.session.commit()
    flash(mensaje, "ok")
    return redirect(url_for("juridico.bandeja", **filtros.como_parametros()))


@bp.post("/casos/<int:caso_id>/tomar")
@rol_requerido("abogado")
def tomar(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)

    def hacer():
        b.tomar(caso, current_user)
        return f"Tomó el caso de {caso.deudor.nombre}: ahora está a su cargo."
    return _accion_bandeja(hacer)


def _ids() -> list[int]:
    ids = [entero_de_texto(v.strip()) for v in request.form.getlist("caso_ids") if v.strip()]
    if None in ids:  # not a number, or past a database integer
        raise p.ProcesoInvalido("caso_ids", "La selección enviada no es válida.")
    return ids


def _plural(n: int) -> str:
    return f"{n} {'caso reasignado' if n == 1 else 'casos reasignados'}."


@bp.post("/reasignar")
@rol_requerido(*SUPERVISORES)
def reasignar():
    def hacer():
        n = b.reasignar(_ids(), request.form.get("abogado_id"), request.form.get("firma_externa"),
                        current_user, request.form.get("motivo"))
        return _plural(n)
    return _accion_bandeja(hacer)


@bp.post("/mover")
@rol_requerido(*SUPERVISORES)
def mover():
    def hacer():
        n = b.mover_casos_de(request.form.get("desde_id"), request.form.get("abogado_id"),
                             request.form.get("firma_externa"), current_user,
                             request.form.get("motivo"))
        return _plural(n) if n else "El abogado no tenía casos en Jurídico."
    return _accion_bandeja(hacer)


# ---------------------------------------------------------------- the proceso panel's forms


def _panel(caso_id: int, formulario: str, hacer, aviso: str):
    """Runs one panel form: service, commit, back to the caso page; or the page with the
    refused form (400)."""
    caso = obtener_o_404(Caso, caso_id)
    try:
        hacer(caso)
    except p.ProcesoInvalido as error:
        db.session.rollback()
        from agencia.casos.rutas import pagina_caso  # the caso page is casos' own

        caso = obtener_o_404(Caso, caso_id)
        g.juridico_enviado = (formulario, request.form.to_dict(), error.mensaje)
        flash(error.mensaje, "error")
        return pagina_caso(caso, 400)
    db.session.commit()
    flash(aviso, "ok")
    return redirect(url_for("casos.detalle", caso_id=caso_id, _anchor="proceso"))


@bp.post("/casos/<int:caso_id>/proceso")
@rol_requerido(*ROLES)
def guardar(caso_id: int):
    return _panel(caso_id, "proceso",
                  lambda caso: p.guardar_proceso(caso, request.form, current_user),
                  "Proceso guardado.")


def _del_proceso(proceso_id: int, formulario: str, hacer, aviso: str):
    proceso = obtener_o_404(ProcesoJuridico, proceso_id)
    return _panel(proceso.caso_id, formulario, lambda caso: hacer(p.proceso_de(caso)), aviso)


@bp.post("/procesos/<int:proceso_id>/actuaciones")
@rol_requerido(*ROLES)
def actuacion(proceso_id: int):
    f = request.form
    return _del_proceso(proceso_id, "actuacion", lambda proceso: p.registrar_actuacion(
        proceso, f.get("fecha"), f.get("tipo", ""), f.get("descripcion", ""), current_user),
        "Actuación registrada.")


@bp.post("/procesos/<int:proceso_id>/costos")
@rol_requerido(*ROLES)
def costo(proceso_id: int):
    f = request.form
    return _del_proceso(proceso_id, "costo", lambda proceso: p.registrar_costo(
        proceso, f.get("fecha"), f.get("concepto", ""), f.get("monto"), current_user),
        "Costo registrado.")


@bp.post("/procesos/<int:proceso_id>/cerrar")
@rol_requerido(*ROLES)
def cerrar(proceso_id: int):
    f = request.form
    resultado = f.get("resultado", "")
    return _del_proceso(proceso_id, "cerrar", lambda proceso: p.cerrar_proceso(
        proceso, resultado, f.get("motivo", ""), current_user, datos=f),
        f"Proceso terminado: {RESULTADOS_PROCESO.get(resultado, resultado)}.")
