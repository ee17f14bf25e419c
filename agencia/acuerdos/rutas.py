"""Staff views of acuerdos: the calculator / proposal of the caso page, the acuerdo page with
its decisions, the supervisor's approvals list, and the acreedor's mandate (admin).

The rules are in acuerdos.servicios and acuerdos.mandato; views read the form, call the
service, commit, and answer bad input with a 4xx and nothing written: 400 for bad data, 403
for a role that may not decide, 404 outside the user's scope, 409 for a decision that came
too late (the acuerdo changed meanwhile).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos import servicios as s
from agencia.acuerdos.calculo import texto_pct
from agencia.acuerdos.formularios import FormularioAcuerdo, FormularioDecision, FormularioMandato
from agencia.acuerdos.mandato import MandatoInvalido, guardar_mandato, mandato_de
from agencia.acuerdos.modelos import Acuerdo
from agencia.acuerdos.panel import panel_acuerdo
from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.casos.modelos import Caso
from agencia.casos.rutas import pagina_caso
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.promesas.servicios import hoy_local
from agencia.tenencia import obtener_o_404

bp = Blueprint("acuerdos", __name__)


@bp.app_context_processor
def _pendientes():
    """`aprobaciones_pendientes()` for the nav: what awaits this user (a function, so the
    count runs only where the menu shows it)."""

    def contar() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        if current_user.rol in s.ROLES_QUE_APRUEBAN:
            return s.contar("pendiente_supervisor")
        if current_user.es_cliente:
            return s.contar("pendiente_acreedor", current_user.acreedor_id)
        return 0

    return {"aprobaciones_pendientes": contar}


@bp.app_template_filter("pct")
def _pct(valor) -> str:
    """12.50 → "12,5" (followed by " %" in the templates)."""
    return texto_pct(valor)


# ---------------------------------------------------------------- caso page: calculate, propose


def _panel_con_error(caso: Caso, formulario, error: EntradaInvalida, codigo: int = 400):
    campo = getattr(formulario, error.campo, None)
    if campo is not None and error.campo != "csrf_token":
        campo.errors = [*campo.errors, error.mensaje]
    flash(error.mensaje, "error")
    return pagina_caso(caso, codigo, panel_acuerdo=panel_acuerdo(caso, formulario,
                                                                 errores=[error.mensaje]))


@bp.route("/casos/<int:caso_id>/acuerdos", methods=["POST"])
@personal_requerido
def proponer(caso_id: int):
    """accion=calcular shows the plan on the caso page and writes nothing;
    accion=proponer creates the acuerdo (vigente within the mandate, else pending)."""
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioAcuerdo()
    if not formulario.validate_on_submit():
        flash("Revise los datos del acuerdo.", "error")
        return pagina_caso(caso, 400, panel_acuerdo=panel_acuerdo(caso, formulario))
    hoy = hoy_local()
    if request.form.get("accion") != "proponer":
        try:
            plan, evaluacion = s.calcular_para_caso(caso, formulario.datos(), hoy)
        except EntradaInvalida as error:
            return _panel_con_error(caso, formulario, error)
        return pagina_caso(caso, panel_acuerdo=panel_acuerdo(caso, formulario, plan, evaluacion))
    if current_user.rol not in s.ROLES_QUE_PROPONEN:
        abort(403)
    try:
        resultado = s.proponer_acuerdo(caso, formulario.datos(), current_user, hoy,
                                       formulario.nota.data)
    except s.AcuerdoNoPermitido:
        db.session.rollback()
        abort(403)
    except EntradaInvalida as error:
        db.session.rollback()
        return _panel_con_error(caso, formulario, error,
                                409 if isinstance(error, s.AcuerdoCambiado) else 400)
    db.session.commit()
    acuerdo = resultado.acuerdo
    if acuerdo.estado == "vigente":
        flash(f"Acuerdo n.º {acuerdo.id} vigente (dentro del mandato): el caso pasó a Acuerdo.",
              "ok")
        _avisar_carta(resultado)
    else:
        flash(f"Acuerdo n.º {acuerdo.id} propuesto: {acuerdo.nombre_nivel.lower()}. "
              "Queda esperando la aprobación del supervisor.", "ok")
    return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="acuerdo"))


def _avisar_carta(resultado: s.Resultado) -> None:
    aviso = s.encolar_carta_del_acuerdo(resultado)
    if aviso:
        db.session.rollback()
        flash(aviso, "info")
    else:
        db.session.commit()
        flash("La carta del acuerdo de pago está en preparación.", "ok")


# ---------------------------------------------------------------- the acuerdo and its decisions


def _acuerdo_o_404(acuerdo_id: int) -> Acuerdo:
    """The acuerdo if the user may see its caso (tenancy and agent scope), else 404."""
    acuerdo = db.session.get(Acuerdo, acuerdo_id)
    if acuerdo is None:
        abort(404)
    obtener_o_404(Caso, acuerdo.caso_id)
    return acuerdo


def _pagina_acuerdo(acuerdo: Acuerdo, formulario=None, codigo: int = 200):
    return render_template(
        "acuerdos/detalle.html", acuerdo=acuerdo, caso=acuerdo.caso,
        formulario=formulario or FormularioDecision(formdata=None),
        puede_decidir=current_user.rol in s.ROLES_QUE_APRUEBAN
        and acuerdo.estado == "pendiente_supervisor",
        puede_anular=s.puede_anular(acuerdo, current_user),
        moneda=acuerdo.moneda,
    ), codigo


@bp.route("/acuerdos/<int:acuerdo_id>")
@personal_requerido
def detalle(acuerdo_id: int):
    return _pagina_acuerdo(_acuerdo_o_404(acuerdo_id))


def _decidir(acuerdo_id: int, hacer, exito):
    acuerdo = _acuerdo_o_404(acuerdo_id)
    formulario = FormularioDecision()
    if not formulario.validate_on_submit():
        flash("Revise el motivo.", "error")
        return _pagina_acuerdo(acuerdo, formulario, 400)
    try:
        resultado = hacer(acuerdo, current_user, formulario.motivo.data)
    except s.AcuerdoNoPermitido:
        db.session.rollback()
        abort(403)
    except EntradaInvalida as error:
        db.session.rollback()
        formulario.motivo.errors = [*formulario.motivo.errors, error.mensaje]
        flash(error.mensaje, "error")
        return _pagina_acuerdo(db.session.get(Acuerdo, acuerdo_id), formulario,
                               409 if isinstance(error, s.AcuerdoCambiado) else 400)
    db.session.commit()
    flash(exito(resultado.acuerdo), "ok")
    if resultado.acuerdo.estado == "vigente":
        _avisar_carta(resultado)
    return redirect(url_for("acuerdos.detalle", acuerdo_id=acuerdo_id))


def _mensaje_aprobado(acuerdo: Acuerdo) -> str:
    if acuerdo.estado == "pendiente_acreedor":
        return (f"Acuerdo n.º {acuerdo.id} aprobado por supervisión: ahora decide el acreedor "
                "en su portal.")
    return f"Acuerdo n.º {acuerdo.id} aprobado y vigente: el caso pasó a Acuerdo."


@bp.route("/acuerdos/<int:acuerdo_id>/aprobar", methods=["POST"])
@rol_requerido(*s.ROLES_QUE_APRUEBAN)
def aprobar(acuerdo_id: int):
    return _decidir(acuerdo_id, s.aprobar_supervisor, _mensaje_aprobado)


@bp.route("/acuerdos/<int:acuerdo_id>/rechazar", methods=["POST"])
@rol_requerido(*s.ROLES_QUE_APRUEBAN)
def rechazar(acuerdo_id: int):
    return _decidir(acuerdo_id, s.rechazar_supervisor,
                    lambda a: f"Acuerdo n.º {a.id} rechazado; el motivo queda registrado.")


@bp.route("/acuerdos/<int:acuerdo_id>/anular", methods=["POST"])
@personal_requerido
def anular(acuerdo_id: int):
    return _decidir(acuerdo_id, s.anular, lambda a: f"Acuerdo n.º {a.id} anulado.")


@bp.route("/aprobaciones")
@rol_requerido(*s.ROLES_QUE_APRUEBAN)
def aprobaciones():
    return render_template(
        "acuerdos/aprobaciones.html",
        pendientes=s.pendientes("pendiente_supervisor"),
        en_acreedor=s.pendientes("pendiente_acreedor"),
        hoy=hoy_local(),
    )


# ---------------------------------------------------------------- the mandate (admin)


def _pagina_mandato(acreedor: Acreedor, formulario, codigo: int = 200):
    mandato = mandato_de(acreedor.id)
    return render_template(
        "acuerdos/mandato.html", acreedor=acreedor, mandato=mandato, formulario=formulario,
        puede_editar=current_user.rol == "admin", guardado=mandato.id is not None,
    ), codigo


@bp.route("/admin/acreedores/<int:acreedor_id>/mandato", methods=["GET", "POST"])
@rol_requerido("admin", "supervisor")
def mandato(acreedor_id: int):
    """Admins change the mandate; supervisors may look. Acreedores are not tenant data for
    staff, and clientes never get past rol_requerido (404)."""
    acreedor = db.get_or_404(Acreedor, acreedor_id)
    if request.method == "GET":
        actual = mandato_de(acreedor.id)
        formulario = FormularioMandato(formdata=None, obj=actual)
        return _pagina_mandato(acreedor, formulario)
    if current_user.rol != "admin":
        abort(403)
    formulario = FormularioMandato()
    if formulario.validate_on_submit():
        try:
            guardar_mandato(acreedor, formulario.datos(), current_user.id)
        except MandatoInvalido as error:
            db.session.rollback()
            campo = getattr(formulario, error.campo)
            campo.errors = [*campo.errors, error.mensaje]
        else:
            db.session.commit()
            flash(f"Mandato de {acreedor.nombre} guardado.", "ok")
            return redirect(url_for("acuerdos.mandato", acreedor_id=acreedor.id))
    flash("No se guardó el mandato: revise los datos.", "error")
    return _pagina_mandato(acreedor, formulario, 400)

