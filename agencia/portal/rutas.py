"""The creditor's portal: its portfolio at a glance, its casos, one caso's history.

Every view runs for a cliente only and asks the services for the cliente's own acreedor.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.acuerdos import servicios as s
from agencia.acuerdos.formularios import FormularioDecision
from agencia.acuerdos.modelos import Acuerdo
from agencia.auth.acceso import cliente_requerido
from agencia.casos.modelos import ETAPAS, Caso
from agencia.casos.servicios import MINIMO_BUSQUEDA, texto_buscable, totales
from agencia.extensiones import db
from agencia.portal import servicios
from agencia.tenencia import acreedor_del_usuario, obtener_o_404

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@cliente_requerido
def inicio():
    resumen = servicios.resumen_por_etapa(acreedor_del_usuario())
    return render_template("portal/inicio.html", resumen=resumen,
                           moneda=current_user.acreedor.moneda)


@bp.route("/casos")
@cliente_requerido
def casos():
    acreedor_id = acreedor_del_usuario()
    etapa = request.args.get("etapa")
    etapa = etapa if etapa in ETAPAS else None
    q = (request.args.get("q") or "").strip()
    pagina = db.paginate(
        servicios.consulta_casos(acreedor_id, etapa, texto_buscable(q)),
        page=request.args.get("pagina", 1, type=int),
        per_page=current_app.config["POR_PAGINA"],
        error_out=False,
    )
    return render_template(
        "portal/casos.html",
        pagina=pagina,
        referencias=servicios.referencias(acreedor_id, [caso.id for caso in pagina.items]),
        etapa=etapa,
        q=q,
        q_corta=bool(q) and texto_buscable(q) is None,
        minimo=MINIMO_BUSQUEDA,
        etapas=ETAPAS,
        moneda=current_user.acreedor.moneda,
    )


@bp.route("/casos/<int:caso_id>")
@cliente_requerido
def caso(caso_id: int):
    acreedor_id = acreedor_del_usuario()
    caso = obtener_o_404(Caso, caso_id)
    obligaciones = servicios.obligaciones(acreedor_id, caso.id)
    return render_template(
        "portal/caso.html",
        caso=caso,
        obligaciones=obligaciones,
        totales=totales(obligaciones),
        gestiones=servicios.gestiones_resumidas(acreedor_id, caso.id),
        moneda=current_user.acreedor.moneda,
    )


# ---------------------------------------------------------------- acuerdos awaiting the acreedor
# Settlements above the acreedor's threshold, approved by a supervisor, wait here for the
# acreedor's decision. A cliente sees only its own acreedor's acuerdos (404 otherwise) and
# never the agents' gestion notes: the debt, the quita, the schedule and the agency's reasons.


def _acuerdo_del_cliente(acuerdo_id: int):
    acuerdo = db.session.get(Acuerdo, acuerdo_id)
    if acuerdo is None or acuerdo.acreedor_id != acreedor_del_usuario():
        abort(404)
    return acuerdo


@bp.route("/aprobaciones")
@cliente_requerido
def aprobaciones():
    acreedor_id = acreedor_del_usuario()
    return render_template("portal/aprobaciones.html",
                           pendientes=s.pendientes("pendiente_acreedor", acreedor_id),
                           moneda=current_user.acreedor.moneda)


def _pagina_acuerdo(acuerdo, formulario=None, codigo: int = 200):
    return render_template(
        "portal/acuerdo.html", acuerdo=acuerdo, caso=acuerdo.caso, moneda=acuerdo.moneda,
        formulario=formulario or FormularioDecision(formdata=None),
        puede_decidir=acuerdo.estado == "pendiente_acreedor"), codigo


@bp.route("/acuerdos/<int:acuerdo_id>")
@cliente_requerido
def acuerdo(acuerdo_id: int):
    return _pagina_acuerdo(_acuerdo_del_cliente(acuerdo_id))


def _decidir_acuerdo(acuerdo_id: int, aprobar: bool):
    acuerdo = _acuerdo_del_cliente(acuerdo_id)
    formulario = FormularioDecision()
    if not formulario.validate_on_submit():
        flash("Revise el motivo.", "error")
        return _pagina_acuerdo(acuerdo, formulario, 400)
    hacer = s.aprobar_acreedor if aprobar else s.rechazar_acreedor
    try:
        resultado = hacer(acuerdo, current_user, formulario.motivo.data)
    except s.AcuerdoNoPermitido:
        db.session.rollback()
        abort(404)
    except s.EntradaInvalida as error:
        db.session.rollback()
        formulario.motivo.errors = [*formulario.motivo.errors, error.mensaje]
        flash(error.mensaje, "error")
        return _pagina_acuerdo(_acuerdo_del_cliente(acuerdo_id), formulario,
                               409 if isinstance(error, s.AcuerdoCambiado) else 400)
    db.session.commit()
    if aprobar:
        flash(f"Acuerdo n.º {acuerdo_id} aprobado: queda vigente y la agencia lo comunica al "
              "deudor.", "ok")
        if s.encolar_carta_del_acuerdo(resultado):
            db.session.rollback()  # the agency's letter waits for the queue; nothing to say
        else:
            db.session.commit()
    else:
        flash(f"Acuerdo n.º {acuerdo_id} rechazado; la agencia verá su motivo.", "ok")
    return redirect(url_for("portal.acuerdo", acuerdo_id=acuerdo_id))


@bp.route("/acuerdos/<int:acuerdo_id>/aprobar", methods=["POST"])
@cliente_requerido
def aprobar_acuerdo(acuerdo_id: int):
    return _decidir_acuerdo(acuerdo_id, aprobar=True)


@bp.route("/acuerdos/<int:acuerdo_id>/rechazar", methods=["POST"])
@cliente_requerido
def rechazar_acuerdo(acuerdo_id: int):
    return _decidir_acuerdo(acuerdo_id, aprobar=False)


# Routes kept in their own modules, registered on this blueprint when imported.
from agencia.portal import cargas, devoluciones  # noqa: E402, F401
