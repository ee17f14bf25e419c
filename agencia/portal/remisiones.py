"""Portal: the acreedor's legal referrals — those waiting for its approval (approve, or reject
with a reason) and the history. Only the cliente's own acreedor (another's remision is a
404); the page shows the referral's reason and dates, never the agency's gestion notes.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.auth.acceso import cliente_requerido
from agencia.casos.etapas import TransicionInvalida
from agencia.extensiones import db
from agencia.juridico import remision as servicio
from agencia.juridico.modelos import Remision
from agencia.portal.rutas import bp
from agencia.tenencia import consulta, obtener_o_404

HISTORIAL = 100


def _pagina(codigo: int = 200, error: str | None = None, remision_id: int | None = None,
            motivo: str = ""):
    pendientes = db.session.scalars(consulta(Remision).where(
        Remision.estado == "pendiente_acreedor").order_by(Remision.id)).all()
    historial = db.session.scalars(consulta(Remision).where(
        Remision.estado != "pendiente_acreedor").order_by(Remision.id.desc())
        .limit(HISTORIAL)).all()
    return render_template("portal/remisiones.html", pendientes=pendientes, historial=historial,
                           error=error, error_id=remision_id, motivo=motivo,
                           moneda=current_user.acreedor.moneda), codigo


@bp.route("/remisiones")
@cliente_requerido
def remisiones():
    return _pagina()


def _decidir(remision_id: int, aprobar: bool):
    remision = obtener_o_404(Remision, remision_id)
    motivo = request.form.get("motivo", "")
    try:
        servicio.decidir_remision(remision, current_user, aprobar, motivo)
    except (servicio.RemisionInvalida, TransicionInvalida) as error:
        db.session.rollback()
        mensaje = getattr(error, "mensaje", str(error))
        flash(mensaje, "error")
        codigo = 409 if isinstance(error, servicio.RemisionCambiada) else 400
        return _pagina(codigo, mensaje, remision_id, motivo)
    db.session.commit()
    if remision.estado == "remitida":
        flash(f"Remisión n.º {remision.id} aprobada: el caso pasó a Jurídico.", "ok")
    elif remision.estado == "cancelada":
        flash(f"La remisión n.º {remision.id} no se aplicó: {remision.decision_motivo}", "error")
    else:
        flash(f"Remisión n.º {remision.id} rechazada; la agencia verá su motivo.", "ok")
    return redirect(url_for("portal.remisiones"))


@bp.route("/remisiones/<int:remision_id>/aprobar", methods=["POST"])
@cliente_requerido
def aprobar_remision(remision_id: int):
    return _decidir(remision_id, aprobar=True)


@bp.route("/remisiones/<int:remision_id>/rechazar", methods=["POST"])
@cliente_requerido
def rechazar_remision(remision_id: int):
    return _decidir(remision_id, aprobar=False)


