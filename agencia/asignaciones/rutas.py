"""Views of the asignaciones feature: placement uploads (cargas) by admin and supervisor.

Upload → preview (columns, first rows, rejected rows with line, column and reason) → confirm →
an RQ job imports it while the page shows a progress bar → result with the lote's casos. The
portal offers the same pages to a cliente for its own acreedor (agencia/portal/cargas.py): the
view bodies below serve both areas; `area` is the blueprint whose endpoints the pages link to,
and `acreedor_id` confines every lookup (None for staff).
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones import cargas as servicio
from agencia.asignaciones.reporte import reporte_csv
from agencia.auth.acceso import rol_requerido
from agencia.extensiones import db
from agencia.tenencia import acreedor_del_usuario

bp = Blueprint("asignaciones", __name__)
ROLES_QUE_CARGAN = ("admin", "supervisor")
FILAS_REPORTE_EN_PAGINA = 200
MODOS = {"validas": "Importar las filas válidas (y listar las rechazadas)",
         "todo_o_nada": "Todo o nada (si alguna fila tiene errores, no se importa ninguna)"}


def _todo_o_nada() -> bool:
    return request.form.get("modo") == "todo_o_nada"


# ---- view bodies shared with the portal ------------------------------------------------------


def pagina_cargas(area: str, acreedor_id: int | None, *, codigo: int = 200,
                  error: str | None = None, enlace: str | None = None):
    acreedores = [] if acreedor_id is not None else list(db.session.scalars(
        select(Acreedor).where(Acreedor.activo.is_(True)).order_by(Acreedor.codigo)))
    return render_template(
        "portal/cargas.html" if area == "portal" else "asignaciones/cargas.html", area=area,
        cargas=servicio.recientes(acreedor_id), acreedores=acreedores, modos=MODOS,
        error=error, enlace=enlace, maximo_mb=servicio.maximo_bytes() // 1048576,
        elegido=request.form.get("acreedor_id", type=int), modo=request.form.get("modo", "validas"),
    ), codigo


def subir(area: str, acreedor: Acreedor | None, origen: str, acreedor_id: int | None):
    archivo = request.files.get("archivo")
    if acreedor is None:
        return pagina_cargas(area, acreedor_id, codigo=400, error="Elija el acreedor.")
    if archivo is None or not archivo.filename:
        return pagina_cargas(area, acreedor_id, codigo=400, error="Elija el archivo de la cartera.")
    try:
        carga = servicio.recibir_archivo(acreedor, archivo.filename, archivo.read(),
                                       current_user.id, origen, _todo_o_nada())
    except servicio.CargaRepetida as repetida:
        db.session.rollback()
        enlace = (url_for(f"{area}.carga", carga_id=repetida.carga_id)
                  if repetida.carga_id else None)
        return pagina_cargas(area, acreedor_id, codigo=409, error=repetida.mensaje, enlace=enlace)
    except servicio.CargaInvalida as invalida:
        db.session.rollback()
        return pagina_cargas(area, acreedor_id, codigo=400,
                             error=f"No se recibió el archivo: {invalida.mensaje}")
    db.session.commit()
    return redirect(url_for(f"{area}.carga", carga_id=carga.id))


def pagina_carga(area: str, carga, *, codigo: int = 200, error: str | None = None):
    casos_ruta = "portal.caso" if area == "portal" else "casos.detalle"
    return render_template(
        "portal/cargas_detalle.html" if area == "portal" else "asignaciones/carga.html",
        area=area, carga=carga,
        vista=servicio.vista_previa(carga), reporte=(carga.reporte or [])[:FILAS_REPORTE_EN_PAGINA],
        total_problemas=len(carga.reporte or []), avance=servicio.avance(carga), modos=MODOS,
        casos=servicio.casos_del_lote(carga), casos_ruta=casos_ruta, error=error,
    ), codigo


def confirmar(area: str, carga):
    try:
        servicio.confirmar(carga, _todo_o_nada(), current_user.id)
    except servicio.CargaInvalida as invalida:
        db.session.rollback()
        db.session.refresh(carga)
        return pagina_carga(area, carga, codigo=409 if invalida.campo == "estado" else 400,
                            error=invalida.mensaje)
    db.session.commit()
    try:
        servicio.encolar_carga(carga)
        db.session.commit()
        flash("Carga confirmada: la importación está en curso.", "ok")
    except servicio.CargaSinCola as aviso:
        db.session.rollback()
        flash(str(aviso), "info")
    return redirect(url_for(f"{area}.carga", carga_id=carga.id))


def cancelar(area: str, carga):
    try:
        servicio.cancelar(carga, current_user.id)
    except servicio.CargaInvalida as invalida:
        db.session.rollback()
        db.session.refresh(carga)
        return pagina_carga(area, carga, codigo=409, error=invalida.mensaje)
    db.session.commit()
    flash("Carga cancelada: no se importó nada.", "info")
    return redirect(url_for(f"{area}.cargas"))


def estado(area: str, carga):
    datos = servicio.estado_json(carga, url_for(f"{area}.carga", carga_id=carga.id))
    return datos, 200, {"Cache-Control": "no-store"}


def reporte(carga):
    return Response(reporte_csv(carga.reporte or []), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="rechazos-carga-{carga.id}.csv"',
                             "Cache-Control": "private, no-store"})


def carga_o_404(carga_id: int):
    return servicio.carga_visible(carga_id, acreedor_del_usuario()) or abort(404)


# ---- staff routes ----------------------------------------------------------------------------


@bp.route("/asignaciones/cargas", methods=["GET", "POST"])
@rol_requerido(*ROLES_QUE_CARGAN)
def cargas():
    if request.method == "GET":
        return pagina_cargas("asignaciones", None)
    acreedor = db.session.get(Acreedor, request.form.get("acreedor_id", type=int) or 0)
    return subir("asignaciones", acreedor, "ui", None)


@bp.get("/asignaciones/cargas/<int:carga_id>")
@rol_requerido(*ROLES_QUE_CARGAN)
def carga(carga_id: int):
    return pagina_carga("asignaciones", carga_o_404(carga_id))


@bp.post("/asignaciones/cargas/<int:carga_id>/confirmar")
@rol_requerido(*ROLES_QUE_CARGAN)
def confirmar_carga(carga_id: int):
    return confirmar("asignaciones", carga_o_404(carga_id))


@bp.post("/asignaciones/cargas/<int:carga_id>/cancelar")
@rol_requerido(*ROLES_QUE_CARGAN)
def cancelar_carga(carga_id: int):
    return cancelar("asignaciones", carga_o_404(carga_id))


@bp.get("/asignaciones/cargas/<int:carga_id>/estado.json")
@rol_requerido(*ROLES_QUE_CARGAN)
def estado_carga(carga_id: int):
    return estado("asignaciones", carga_o_404(carga_id))


@bp.get("/asignaciones/cargas/<int:carga_id>/reporte.csv")
@rol_requerido(*ROLES_QUE_CARGAN)
def reporte_carga(carga_id: int):
    return reporte(carga_o_404(carga_id))
