"""The caso's "Contacto" page: channels open or blocked now, the effective policy, the deudor's
consent, preferences and no-contactar, the disputa; and the forms that change them.

Views on the casos blueprint (imported at the end of casos/rutas.py). Anyone on the staff
sees the page; agents, supervisors and admins edit consent and preferences; only supervisors
and admins set no-contactar or resolve a disputa.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.casos.contacto import (
    ROLES_QUE_AUTORIZAN,
    DisputaInvalida,
    contactos_recientes,
    estado_contacto,
    resolver_disputa,
)
from agencia.casos.formularios import FormularioResolverDisputa
from agencia.casos.modelos import CANALES, Caso
from agencia.casos.rutas import bp
from agencia.cumplimiento.ajustes import describir
from agencia.cumplimiento.motor import politica_para
from agencia.deudores.formularios import (
    FormularioConsentimiento,
    FormularioNoContactar,
    FormularioNuevoContacto,
    FormularioPreferencias,
)
from agencia.deudores.modelos import Contacto
from agencia.deudores.servicios import (
    AjusteInvalido,
    agregar_contacto,
    fijar_consentimientos,
    fijar_no_contactar,
    fijar_preferencias,
)
from agencia.extensiones import db
from agencia.tenencia import obtener_o_404

ROLES_QUE_EDITAN = ("supervisor", "admin", "agente")


def _pagina_contacto(caso: Caso, codigo: int = 200, enviado=None):
    """The page; `enviado` is the form that was just sent (and refused), shown with its
    errors instead of a fresh one."""
    def formulario(clave, nuevo):
        return enviado[1] if enviado and enviado[0] == clave else nuevo()

    deudor = caso.deudor
    politica, _ = politica_para(caso)
    return render_template(
        "casos/contacto.html",
        caso=caso,
        deudor=deudor,
        estado=estado_contacto(caso),
        resumen=describir(politica),
        recientes=contactos_recientes(caso),
        canales=CANALES,
        puede_editar=current_user.rol in ROLES_QUE_EDITAN,
        puede_supervisar=current_user.rol in ROLES_QUE_AUTORIZAN,
        form_contactos=[
            formulario(f"contacto-{c.id}", lambda c=c: FormularioConsentimiento(c))
            for c in deudor.contactos
        ],
        form_nuevo=formulario("nuevo", FormularioNuevoContacto),
        form_preferencias=formulario(
            "preferencias", lambda: FormularioPreferencias(deudor, caso.acreedor.pais)),
        form_no_contactar=formulario("no_contactar", lambda: FormularioNoContactar(deudor)),
        form_disputa=formulario(
            "disputa", lambda: FormularioResolverDisputa(formdata=None)),
    ), codigo


def _refusar(caso: Caso, clave: str, formulario, error=None):
    db.session.rollback()
    if error is not None:
        getattr(formulario, error.campo).errors.append(error.mensaje)
    flash("No se guardó el cambio: revise los datos.", "error")
    return _pagina_contacto(caso, 400, (clave, formulario))


def _listo(caso: Caso, mensaje: str):
    db.session.commit()
    flash(mensaje, "ok")
    return redirect(url_for("casos.contacto", caso_id=caso.id))


@bp.route("/<int:caso_id>/contacto")
@personal_requerido
def contacto(caso_id: int):
    return _pagina_contacto(obtener_o_404(Caso, caso_id))


@bp.route("/<int:caso_id>/contacto/contactos", methods=["POST"])
@rol_requerido(*ROLES_QUE_EDITAN)
def nuevo_contacto(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioNuevoContacto(enviado=True)
    if not formulario.validate_on_submit():
        return _refusar(caso, "nuevo", formulario)
    try:
        contacto = agregar_contacto(caso, formulario.tipo.data, formulario.valor.data,
                                    formulario.canales.data or [], usuario_id=current_user.id)
    except AjusteInvalido as error:
        return _refusar(caso, "nuevo", formulario, error)
    return _listo(caso, f"{contacto.nombre_tipo} {contacto.valor} agregado.")


@bp.route("/<int:caso_id>/contacto/contactos/<int:contacto_id>", methods=["POST"])
@rol_requerido(*ROLES_QUE_EDITAN)
def consentimiento(caso_id: int, contacto_id: int):
    caso = obtener_o_404(Caso, caso_id)
    contacto = db.session.scalar(select(Contacto).where(
        Contacto.id == contacto_id, Contacto.deudor_id == caso.deudor_id))
    if contacto is None:
        abort(404)
    clave = f"contacto-{contacto.id}"
    formulario = FormularioConsentimiento(contacto, enviado=True)
    if not formulario.validate_on_submit():
        return _refusar(caso, clave, formulario)
    try:
        fijar_consentimientos(contacto, formulario.canales.data or [], formulario.valido.data,
                              acreedor_id=caso.acreedor_id, usuario_id=current_user.id)
    except AjusteInvalido as error:
        return _refusar(caso, clave, formulario, error)
    return _listo(caso, f"Consentimiento de {contacto.valor} actualizado.")


@bp.route("/<int:caso_id>/contacto/preferencias", methods=["POST"])
@rol_requerido(*ROLES_QUE_EDITAN)
def preferencias(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioPreferencias(caso.deudor, caso.acreedor.pais, enviado=True)
    if not formulario.validate_on_submit():
        return _refusar(caso, "preferencias", formulario)
    try:
        fijar_preferencias(
            caso, formulario.pais.data, formulario.zona_horaria.data,
            formulario.hora_preferida_desde.data, formulario.hora_preferida_hasta.data,
            usuario_id=current_user.id,
        )
    except AjusteInvalido as error:
        return _refusar(caso, "preferencias", formulario, error)
    return _listo(caso, "Datos de contacto del deudor actualizados.")


@bp.route("/<int:caso_id>/contacto/no-contactar", methods=["POST"])
@rol_requerido(*ROLES_QUE_AUTORIZAN)
def no_contactar(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioNoContactar(caso.deudor, enviado=True)
    if not formulario.validate_on_submit():
        return _refusar(caso, "no_contactar", formulario)
    try:
        fijar_no_contactar(caso.deudor, formulario.no_contactar.data, current_user,
                           formulario.nota.data, acreedor_id=caso.acreedor_id)
    except AjusteInvalido as error:
        return _refusar(caso, "no_contactar", formulario, error)
    return _listo(caso, "Deudor marcado «No contactar»." if formulario.no_contactar.data
                  else "El deudor ya puede ser contactado según la política.")


@bp.route("/<int:caso_id>/disputa/resolver", methods=["POST"], endpoint="resolver_disputa")
@rol_requerido(*ROLES_QUE_AUTORIZAN)
def vista_resolver_disputa(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioResolverDisputa()
    if not formulario.validate_on_submit():
        return _refusar(caso, "disputa", formulario)
    try:
        resolver_disputa(caso, current_user, formulario.motivo.data)
    except DisputaInvalida as error:
        return _refusar(caso, "disputa", formulario, error)
    return _listo(caso, "Disputa resuelta: el contacto se reanuda según la política.")
