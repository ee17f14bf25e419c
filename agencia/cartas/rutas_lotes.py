"""Views of letter batches (supervisors and admins; agents get 403, clientes 404).

GET /cartas/lotes shows the filter form and the latest batches; POST either counts the casos
the filter would choose (accion=contar, nothing is written) or creates the batch and queues
its job. A batch's page follows its progress (estado.json),
lists the omitted casos with their reasons and offers the merged print file.
"""

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.auth.acceso import rol_requerido
from agencia.cartas import lotes
from agencia.cartas.errores import CartaSinCola
from agencia.cartas.modelos import LoteCartas
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.supervision import filtros as f
from agencia.tenencia import obtener_o_404
from agencia.tipos import entero_de_texto

bp = Blueprint("lotes_cartas", __name__, url_prefix="/cartas/lotes")
ROLES = ("supervisor", "admin")
CAMPOS_FILTRO = ("etapa", "agente", "mora_min", "mora_max", "saldo_min", "saldo_max")


def _valores() -> dict[str, str]:
    return {c: (request.values.get(c) or "").strip() for c in CAMPOS_FILTRO}


def _acreedor_id() -> int | None:
    valor = (request.values.get("acreedor_id") or "").strip()
    return entero_de_texto(valor)


def _pagina(conteo: int | None = None, error: str | None = None, codigo: int = 200):
    if error:
        flash(error, "error")
    recientes = db.session.scalars(
        select(LoteCartas).order_by(LoteCartas.id.desc()).limit(20)
    ).all()
    return render_template(
        "cartas_web/lotes.html",
        acreedores=db.session.scalars(select(Acreedor).order_by(Acreedor.nombre)).all(),
        plantillas=lotes.plantillas_lote(),
        etapas=f.etapas_abiertas(),
        agentes=f.agentes_activos(),
        sin_asignar=f.SIN_ASIGNAR,
        valores=request.values,
        conteo=conteo,
        recientes=recientes,
    ), codigo


@bp.get("")
@rol_requerido(*ROLES)
def inicio():
    return _pagina()


def _contar():
    acreedor_id = _acreedor_id()
    if acreedor_id is None:
        return _pagina(error="Elija el acreedor del lote.", codigo=400)
    try:
        conteo = len(lotes.seleccion(acreedor_id, _valores()))
    except lotes.ErrorLote as error:
        return _pagina(error=str(error), codigo=400)
    return _pagina(conteo)


@bp.post("")
@rol_requerido(*ROLES)
def crear():
    if request.form.get("accion") == "contar":
        return _contar()
    plantilla = (request.form.get("plantilla") or "").strip()
    try:
        lote = lotes.crear_lote(_acreedor_id(), plantilla, _valores(), current_user.id)
    except lotes.ErrorLote as error:
        db.session.rollback()
        return _pagina(error=str(error), codigo=400)
    db.session.commit()
    _encolar(lote)
    return redirect(url_for("lotes_cartas.detalle", lote_cartas_id=lote.id))


def _encolar(lote: LoteCartas) -> None:
    try:
        lotes.encolar_lote(lote)
        db.session.commit()
        flash(f"Lote n.º {lote.id} en preparación: {lote.total} casos.", "ok")
    except CartaSinCola as aviso:
        db.session.rollback()
        flash(str(aviso), "info")


@bp.get("/<int:lote_cartas_id>")
@rol_requerido(*ROLES)
def detalle(lote_cartas_id: int):
    lote = obtener_o_404(LoteCartas, lote_cartas_id)
    omitidos = lotes.omitidos(lote.id)
    casos = {
        c.id: c for c in db.session.scalars(select(Caso).where(Caso.id.in_(list(omitidos))))
    } if omitidos else {}
    return render_template(
        "cartas_web/lotes_detalle.html",
        lote=lote,
        progreso=lotes.progreso(lote),
        mensaje=lotes.mensaje(lote),
        omitidos=omitidos,
        casos=casos,
        plantillas=lotes.plantillas_lote(),
    )


@bp.post("/<int:lote_cartas_id>/reintentar")
@rol_requerido(*ROLES)
def reintentar(lote_cartas_id: int):
    """Queues the job again (after an error, or when Redis was down): it makes what is
    missing and nothing twice."""
    lote = obtener_o_404(LoteCartas, lote_cartas_id)
    if lote.estado == "lista":
        flash("El lote ya está listo.", "info")
    else:
        _encolar(lote)
    return redirect(url_for("lotes_cartas.detalle", lote_cartas_id=lote.id))


@bp.get("/<int:lote_cartas_id>/estado.json")
@rol_requerido(*ROLES)
def estado(lote_cartas_id: int):
    lote = obtener_o_404(LoteCartas, lote_cartas_id)
    url = (url_for("lotes_cartas.combinado", lote_cartas_id=lote.id)
           if lote.estado == "lista" and lote.archivo_combinado else None)
    datos = {
        "estado": lote.estado,
        "progreso": lotes.progreso(lote),
        "mensaje": lotes.mensaje(lote),
        "url": url,
        "total": lote.total,
        "generadas": lote.generadas,
        "omitidas": lote.omitidas,
    }
    return datos, 200, {"Cache-Control": "no-store"}


@bp.get("/<int:lote_cartas_id>/combinado.pdf")
@rol_requerido(*ROLES)
def combinado(lote_cartas_id: int):
    lote = obtener_o_404(LoteCartas, lote_cartas_id)
    if lote.estado != "lista" or not lote.archivo_combinado:
        abort(404)
    almacen = Path(current_app.config["ALMACEN_ARCHIVOS"]).resolve()
    ruta = lotes.ruta_combinado(lote).resolve()
    if not ruta.is_relative_to(almacen) or not ruta.is_file():
        abort(404)
    registrar("lote_cartas.descargado", "lote_cartas", lote.id, acreedor_id=lote.acreedor_id)
    db.session.commit()
    respuesta = send_file(
        ruta,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"lote-cartas-{lote.id}-{lote.plantilla}.pdf",
        max_age=0,
    )
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta
