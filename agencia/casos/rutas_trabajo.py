"""Stage changes and payments from the caso page (views on the casos blueprint, imported at
the end of casos/rutas.py). The rules live in casos.etapas and pagos.servicios."""

from flask import flash, redirect, url_for
from flask_login import current_user

from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.cartas.servicios import CartaSinCola, encolar_carta
from agencia.casos.etapas import TransicionInvalida, cambiar_etapa
from agencia.casos.modelos import ETAPAS, Caso
from agencia.casos.rutas import ROLES_QUE_PAGAN, bp, formulario_etapa, pagina_caso
from agencia.extensiones import db
from agencia.formato import dinero
from agencia.pagos.formularios import FormularioPago
from agencia.pagos.servicios import PagoInvalido, registrar_pago
from agencia.promesas.servicios import hoy_local
from agencia.tenencia import obtener_o_404


@bp.route("/<int:caso_id>/etapa", methods=["POST"], endpoint="cambiar_etapa")
@personal_requerido
def vista_cambiar_etapa(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = formulario_etapa(caso)
    if formulario.validate_on_submit():
        hacia = formulario.hacia.data
        try:
            cambio = cambiar_etapa(caso, hacia, current_user, formulario.motivo.data)
        except TransicionInvalida as error:
            db.session.rollback()
            getattr(formulario, error.campo).errors.append(error.mensaje)
        else:
            db.session.commit()
            if cambio is None:
                flash(f"El caso ya estaba en {ETAPAS.get(hacia, hacia)}: no se cambió nada.",
                      "info")
            else:
                flash(f"El caso pasó a {ETAPAS[hacia]}.", "ok")
            return redirect(url_for("casos.detalle", caso_id=caso.id))
    flash("No se cambió la etapa: revise los datos.", "error")
    return pagina_caso(caso, 400, form_etapa=formulario)


@bp.route("/<int:caso_id>/pagos", methods=["POST"], endpoint="registrar_pago")
@rol_requerido(*ROLES_QUE_PAGAN)
def vista_registrar_pago(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioPago()
    if formulario.validate_on_submit():
        try:
            pago = registrar_pago(
                caso, formulario.monto.data, formulario.fecha.data, formulario.metodo.data,
                formulario.referencia_bancaria.data, current_user.id,
                moneda=formulario.moneda.data or caso.acreedor.moneda,
                comprobante=formulario.comprobante.data, hoy=hoy_local())
        except PagoInvalido as error:
            db.session.rollback()
            campo = getattr(formulario, error.campo, None)
            if campo is None:
                flash(error.mensaje, "error")
            else:
                campo.errors = [*campo.errors, error.mensaje]
        else:
            db.session.commit()
            _avisar_pago(caso, pago)
            return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="pagos"))
    flash("No se registró el pago: revise los datos.", "error")
    return pagina_caso(caso, 400, form_pago=formulario)


def _avisar_pago(caso: Caso, pago) -> None:
    """The flash messages after a payment, and the paz y salvo queued (after the commit)."""
    moneda = pago.moneda or caso.acreedor.moneda
    if pago.ya_existia:
        otro = "" if pago.caso_id == caso.id else f" en el caso {pago.caso_id}"
        flash(f"El pago con referencia {pago.referencia_bancaria} ya estaba registrado"
              f"{otro} ({dinero(pago.monto, moneda)} del {pago.fecha:%d/%m/%Y}); "
              "no se registró de nuevo.", "info")
        return
    flash(f"Pago de {dinero(pago.monto, moneda)} registrado.", "ok")
    if pago.credito:
        flash(f"El pago supera lo que se debía: {dinero(pago.credito, moneda)} quedan como "
              "saldo a favor del deudor (crédito), registrado con el pago.", "info")
    if caso.etapa == "pagado":
        flash("El saldo quedó en cero: el caso pasó a Pagado.", "ok")
    if pago.carta_paz_y_salvo is not None:
        try:
            encolar_carta(pago.carta_paz_y_salvo)
            db.session.commit()
            flash("Se está generando el paz y salvo.", "ok")
        except CartaSinCola:
            db.session.rollback()
            flash("El paz y salvo quedó solicitado y se generará más tarde (el servicio de "
                  "tareas no responde ahora).", "info")
    elif pago.aviso_carta:
        flash(pago.aviso_carta, "error")
