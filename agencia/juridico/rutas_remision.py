"""Staff views of legal referrals: the caso page's panel and its request form, the list of
remisiones, cancelling one, and each acreedor's referral rule (admin edits, supervisor reads).

Rules live in agencia.juridico.remision; views read the form, call the service, commit, and
answer bad input with 400 and the reason (nothing written), a decision that came too late
with 409.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.casos.etapas import TransicionInvalida
from agencia.casos.modelos import Caso
from agencia.casos.rutas import pagina_caso
from agencia.extensiones import db
from agencia.juridico import remision as servicio
from agencia.juridico.modelos import ESTADOS_REMISION, REMISION_ABIERTA, ReglaRemision, Remision
from agencia.tenencia import consulta, obtener_o_404
from agencia.tipos import entero_de_texto

bp = Blueprint("remisiones", __name__, url_prefix="/juridico/remisiones")
SUPERVISORES = ("supervisor", "admin")


def _panel(caso: Caso) -> dict:
    """What the caso page's referral panel shows (the caso is already tenant-checked)."""
    ultima = servicio.ultima_remision(caso.id)
    abierta = ultima is not None and ultima.estado in REMISION_ABIERTA
    return {
        "remision": ultima,
        "abierta": abierta,
        "puede_solicitar": (current_user.rol in SUPERVISORES and not abierta
                            and caso.etapa in servicio.ETAPAS_REMITIBLES),
        "puede_cancelar": current_user.rol in SUPERVISORES and abierta,
        "motivo": g.get("remision_motivo", ""),
        "error": g.get("remision_error"),
    }


@bp.app_context_processor
def _contexto():
    """`remision_del_caso(caso)` for the caso page's panel and `remisiones_pendientes()` for
    the portal's nav (functions, so they run only where they are shown)."""

    def pendientes() -> int:
        if current_user and current_user.is_authenticated and current_user.es_cliente:
            return servicio.contar_pendientes(current_user.acreedor_id)
        return 0

    return {"remision_del_caso": _panel, "remisiones_pendientes": pendientes}


def _caso_con_error(caso: Caso, error: Exception, motivo: str = ""):
    db.session.rollback()
    mensaje = getattr(error, "mensaje", str(error))
    g.remision_error, g.remision_motivo = mensaje, motivo
    flash(mensaje, "error")
    return pagina_caso(db.session.get(Caso, caso.id), 409 if isinstance(
        error, servicio.RemisionCambiada) else 400)


@bp.route("/casos/<int:caso_id>", methods=["POST"])
@rol_requerido(*SUPERVISORES)
def solicitar(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    motivo = request.form.get("motivo", "")
    try:
        remision = servicio.solicitar_remision(caso, current_user, motivo)
    except servicio.RemisionInvalida as error:
        return _caso_con_error(caso, error, motivo)
    db.session.commit()
    if servicio.encolar_aviso(remision):
        flash(f"Remisión n.º {remision.id} solicitada: se prepara el aviso de remisión "
              "jurídica; el caso pasará a Jurídico cuando se cumpla el plazo tras el aviso.", "ok")
    else:
        flash(f"Remisión n.º {remision.id} solicitada. El servicio de tareas no responde: el "
              "aviso se generará automáticamente cuando vuelva.", "info")
    return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="remision"))


@bp.route("/<int:remision_id>/cancelar", methods=["POST"])
@rol_requerido(*SUPERVISORES)
def cancelar(remision_id: int):
    remision = obtener_o_404(Remision, remision_id)
    caso = remision.caso
    try:
        servicio.cancelar_remision(remision, current_user, request.form.get("motivo_cancelacion"))
    except (servicio.RemisionInvalida, TransicionInvalida) as error:
        return _caso_con_error(caso, error)
    db.session.commit()
    flash(f"Remisión n.º {remision.id} cancelada.", "ok")
    return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="remision"))


@bp.route("/")
@rol_requerido(*SUPERVISORES)
def lista():
    estado = request.args.get("estado", "")
    acreedor_texto = request.args.get("acreedor_id", "")
    acreedores = db.session.scalars(select(Acreedor).order_by(Acreedor.nombre)).all()
    reglas = {r.acreedor_id: r for r in db.session.scalars(select(ReglaRemision))}
    error = None
    if estado and estado not in ESTADOS_REMISION:
        error = f"El estado «{estado}» no existe: elija uno de la lista."
    elif acreedor_texto and entero_de_texto(acreedor_texto) not in {a.id for a in acreedores}:
        error = "El acreedor elegido no existe: elija uno de la lista."
    pagina = None
    if error is None:
        q = consulta(Remision).order_by(Remision.id.desc()).options(
            selectinload(Remision.caso).selectinload(Caso.deudor),
            selectinload(Remision.caso).selectinload(Caso.acreedor),
            selectinload(Remision.carta_aviso))
        if estado:
            q = q.where(Remision.estado == estado)
        if acreedor_texto:
            q = q.where(Remision.acreedor_id == int(acreedor_texto))
        pagina = db.paginate(q, page=request.args.get("pagina", 1, type=int),
                             per_page=current_app.config["POR_PAGINA"], error_out=False)
    parametros = {k: v for k, v in (("estado", estado), ("acreedor_id", acreedor_texto)) if v}
    return render_template(
        "juridico/remisiones.html", pagina=pagina, error=error, estados=ESTADOS_REMISION,
        acreedores=acreedores, reglas=reglas, estado=estado, acreedor_id=acreedor_texto,
        parametros=parametros), 400 if error else 200


def _pagina_regla(acreedor: Acreedor, valores: dict, error=None, codigo: int = 200):
    regla = servicio.regla_de(acreedor.id)
    return render_template(
        "juridico/regla.html", acreedor=acreedor, regla=regla, valores=valores, error=error,
        puede_editar=current_user.rol == "admin", maximo=servicio.MAXIMO_DIAS_TRAS_AVISO,
    ), codigo


@bp.route("/reglas/<int:acreedor_id>", methods=["GET", "POST"])
@rol_requerido(*SUPERVISORES)
def regla(acreedor_id: int):
    """Admins change the rule; supervisors read it. Clientes never get past rol_requerido."""
    acreedor = db.get_or_404(Acreedor, acreedor_id)
    if request.method == "GET":
        actual = servicio.regla_de(acreedor.id)
        valores = servicio.foto_regla(actual) if actual else {"dias_tras_aviso": servicio.DIAS_TRAS_AVISO}
        return _pagina_regla(acreedor, valores)
    if current_user.rol != "admin":
        abort(403)
    try:
        servicio.guardar_regla(acreedor, request.form, current_user)
    except servicio.RemisionInvalida as error:
        db.session.rollback()
        flash(f"No se guardó la regla: {error.mensaje}", "error")
        return _pagina_regla(acreedor, request.form.to_dict(), error, 400)
    db.session.commit()
    flash(f"Regla de remisión de {acreedor.nombre} guardada.", "ok")
    return redirect(url_for("remisiones.regla", acreedor_id=acreedor.id))
