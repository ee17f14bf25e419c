"""Admin pages of the contact plans: the list per acreedor, the step editor (a fixed number of
rows, no JavaScript), activation, and the recent runs of a plan with counts per step.

Admins edit; supervisors read (their POSTs get 403); other staff 403 and the portal's clientes
404 (rol_requerido). Plans load through tenencia.obtener_o_404.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS
from agencia.estrategias import servicios
from agencia.estrategias.modelos import (
    CANALES_PASO,
    ESTADOS_EJECUCION,
    MAXIMO_DIA,
    MAXIMO_PASOS,
    EjecucionPaso,
    Estrategia,
)
from agencia.extensiones import db
from agencia.tenencia import consulta, obtener_o_404

bp = Blueprint("estrategias", __name__, url_prefix="/admin/estrategias")
FILAS_FORMULARIO = 8
POR_PAGINA = 50
LECTORES = ("admin", "supervisor")


def _acreedores() -> list[Acreedor]:
    return list(db.session.scalars(
        select(Acreedor).order_by(Acreedor.activo.desc(), Acreedor.nombre)))


def _filas_de(pasos) -> list[dict]:
    filas = [{"dia": str(p["dia"]), "canal": p["canal"], "plantilla": p["plantilla"]}
             for p in pasos]
    total = min(max(FILAS_FORMULARIO, len(filas) + 2), MAXIMO_PASOS)
    return filas + [{"dia": "", "canal": "", "plantilla": ""}] * max(total - len(filas), 0)


def _datos_formulario() -> dict:
    filas = []
    for i in range(1, MAXIMO_PASOS + 1):
        if f"dia_{i}" not in request.form and f"canal_{i}" not in request.form:
            continue
        filas.append({"dia": request.form.get(f"dia_{i}", ""),
                      "canal": request.form.get(f"canal_{i}", ""),
                      "plantilla": request.form.get(f"plantilla_{i}", "")})
    return {"nombre": request.form.get("nombre", ""), "etapa": request.form.get("etapa", ""),
            "activa": request.form.get("activa") == "1", "pasos": filas}


def _formulario(estrategia, datos: dict, acreedor, errores=(), codigo=200):
    return render_template(
        "estrategias/editar.html", estrategia=estrategia, datos=datos, acreedor=acreedor,
        acreedores=_acreedores(), filas=_filas_de(datos["pasos"]), errores=errores,
        etapas={e: ETAPAS[e] for e in ETAPAS_ABIERTAS}, canales=CANALES_PASO,
        plantillas={c: servicios.plantillas_de_canal(c) for c in CANALES_PASO},
        maximo_dia=MAXIMO_DIA, puede_editar=current_user.rol == "admin",
        linea=servicios.linea_de_tiempo(estrategia.pasos) if estrategia else []), codigo


def _datos_de(estrategia: Estrategia) -> dict:
    return {"nombre": estrategia.nombre, "etapa": estrategia.etapa, "activa": estrategia.activa,
            "pasos": servicios.linea_de_tiempo(estrategia.pasos)}


@bp.get("/")
@rol_requerido(*LECTORES)
def lista():
    acreedor_id = request.args.get("acreedor_id", type=int)
    stmt = consulta(Estrategia).order_by(Estrategia.acreedor_id, Estrategia.etapa)
    if acreedor_id:
        stmt = stmt.where(Estrategia.acreedor_id == acreedor_id)
    estrategias = list(db.session.scalars(stmt))
    acreedores = _acreedores()
    por_acreedor = {a.id: [e for e in estrategias if e.acreedor_id == a.id] for a in acreedores
                    if not acreedor_id or a.id == acreedor_id}
    return render_template(
        "estrategias/lista.html", acreedores=[a for a in acreedores if a.id in por_acreedor],
        todos=acreedores, por_acreedor=por_acreedor, acreedor_id=acreedor_id, etapas=ETAPAS,
        lineas={e.id: servicios.linea_de_tiempo(e.pasos) for e in estrategias},
        puede_editar=current_user.rol == "admin")


@bp.route("/nueva", methods=["GET", "POST"])
@rol_requerido("admin")
def nueva():
    if request.method == "GET":
        acreedor_id = request.args.get("acreedor_id", type=int)
        acreedor = db.session.get(Acreedor, acreedor_id) if acreedor_id else None
        datos = {"nombre": "", "etapa": "prejuridico", "activa": True, "pasos": []}
        return _formulario(None, datos, acreedor)
    datos = _datos_formulario()
    acreedor_id = request.form.get("acreedor_id", type=int)
    acreedor = db.session.get(Acreedor, acreedor_id) if acreedor_id else None
    try:
        estrategia = servicios.guardar(acreedor.id if acreedor else 0, datos, current_user.id)
    except servicios.EstrategiaInvalida as error:
        db.session.rollback()
        flash("El plan no se guardó: revise los errores.", "error")
        return _formulario(None, datos, acreedor, error.errores, 400)
    db.session.commit()
    flash(f"Plan «{estrategia.nombre}» creado.", "ok")
    return redirect(url_for("estrategias.editar", estrategia_id=estrategia.id))


@bp.get("/<int:estrategia_id>")
@rol_requerido(*LECTORES)
def editar(estrategia_id: int):
    estrategia = obtener_o_404(Estrategia, estrategia_id)
    return _formulario(estrategia, _datos_de(estrategia), estrategia.acreedor)


@bp.post("/<int:estrategia_id>")
@rol_requerido("admin")
def guardar(estrategia_id: int):
    estrategia = obtener_o_404(Estrategia, estrategia_id)
    datos = _datos_formulario()
    try:
        servicios.guardar(estrategia.acreedor_id, datos, current_user.id, estrategia)
    except servicios.EstrategiaInvalida as error:
        db.session.rollback()
        estrategia = obtener_o_404(Estrategia, estrategia_id)
        flash("El plan no se guardó: revise los errores.", "error")
        return _formulario(estrategia, datos, estrategia.acreedor, error.errores, 400)
    db.session.commit()
    flash(f"Plan «{estrategia.nombre}» guardado.", "ok")
    return redirect(url_for("estrategias.editar", estrategia_id=estrategia.id))


@bp.post("/<int:estrategia_id>/activa")
@rol_requerido("admin")
def activar(estrategia_id: int):
    estrategia = obtener_o_404(Estrategia, estrategia_id)
    activa = request.form.get("activa") == "1"
    if servicios.cambiar_activa(estrategia, activa, current_user.id):
        db.session.commit()
        flash(f"Plan «{estrategia.nombre}» {'activado' if activa else 'desactivado'}.", "ok")
    if request.form.get("volver") == "lista":
        return redirect(url_for("estrategias.lista", acreedor_id=estrategia.acreedor_id))
    return redirect(url_for("estrategias.editar", estrategia_id=estrategia.id))


@bp.get("/<int:estrategia_id>/ejecuciones")
@rol_requerido(*LECTORES)
def ejecuciones(estrategia_id: int):
    estrategia = obtener_o_404(Estrategia, estrategia_id)
    conteos = db.session.execute(
        select(EjecucionPaso.dia, EjecucionPaso.canal, EjecucionPaso.plantilla,
               EjecucionPaso.estado, func.count())
        .where(EjecucionPaso.estrategia_id == estrategia.id)
        .group_by(EjecucionPaso.dia, EjecucionPaso.canal, EjecucionPaso.plantilla,
                  EjecucionPaso.estado)).all()
    pasos: dict[tuple, dict] = {}
    for dia, canal, plantilla, estado, cantidad in conteos:
        fila = pasos.setdefault((dia, canal, plantilla), {
            "dia": dia, "nombre_canal": CANALES_PASO.get(canal, canal), "plantilla": plantilla,
            "nombre_plantilla": servicios.nombre_plantilla(plantilla),
            "orden": servicios.orden_paso(dia, canal), "total": 0,
            **{e: 0 for e in ESTADOS_EJECUCION}})
        fila[estado] = fila.get(estado, 0) + cantidad
        fila["total"] += cantidad
    filas = sorted(pasos.values(), key=lambda f: f["orden"])
    for fila in filas:
        fila["pct_encolado"] = round(100 * fila["encolado"] / fila["total"]) if fila["total"] else 0
        fila["pct_omitido"] = 100 - fila["pct_encolado"] if fila["total"] else 0
    pagina = db.paginate(
        consulta(EjecucionPaso).where(EjecucionPaso.estrategia_id == estrategia.id)
        .order_by(EjecucionPaso.creado_en.desc(), EjecucionPaso.id.desc()),
        page=request.args.get("pagina", 1, type=int), per_page=POR_PAGINA, error_out=False)
    return render_template(
        "estrategias/ejecuciones.html", estrategia=estrategia, filas=filas, pagina=pagina,
        linea=servicios.linea_de_tiempo(estrategia.pasos), etapas=ETAPAS)
