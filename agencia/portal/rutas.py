"""The creditor's portal: its portfolio at a glance, its casos, one caso's history.

Every view runs for a cliente only and asks the services for the cliente's own acreedor.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from agencia.acuerdos import servicios as s
from agencia.acuerdos.formularios import FormularioDecision
from agencia.acuerdos.modelos import Acuerdo
from agencia.auth.acceso import cliente_requerido
from agencia.cartas.pdf import ErrorPdf, html_a_pdf
from agencia.cartas.plantillas import papel_de
from agencia.casos.modelos import ETAPAS, Caso
from agencia.casos.servicios import MINIMO_BUSQUEDA, totales
from agencia.extensiones import db
from agencia.honorarios import liquidacion as liq
from agencia.portal import servicios
from agencia.promesas.servicios import hoy_local
from agencia.tenencia import acreedor_del_usuario, obtener_o_404

bp = Blueprint("portal", __name__, url_prefix="/portal")

# Parameters naming an acreedor: a cliente asking for another acreedor's numbers through any
# page, filter or export gets 404, the same as for another acreedor's ids.
PARAMETROS_ACREEDOR = ("acreedor_id", "acreedor")


@bp.before_request
def _solo_su_acreedor():
    if not current_user.is_authenticated or current_user.rol != "cliente":
        return None
    propio = str(current_user.acreedor_id)
    for nombre in PARAMETROS_ACREEDOR:
        for valor in request.values.getlist(nombre):
            if valor.strip() != propio:
                abort(404)
    return None


@bp.route("/")
@cliente_requerido
def inicio():
    acreedor_id = acreedor_del_usuario()
    hoy = hoy_local()
    curvas = servicios.curvas(acreedor_id, hoy)
    etiquetas, series = servicios.grafico_curvas(curvas)
    return render_template("portal/inicio.html", cartera=servicios.cartera(acreedor_id),
                           recuperado_mes=servicios.recuperado_del_mes(acreedor_id, hoy),
                           mes_desde=hoy.replace(day=1), curvas=curvas, etiquetas=etiquetas,
                           series=series, moneda=current_user.acreedor.moneda)


@bp.route("/casos")
@cliente_requerido
def casos():
    acreedor_id = acreedor_del_usuario()
    contexto = dict(lotes=servicios.lotes(acreedor_id), tramos=servicios.TRAMOS,
                    minimo=MINIMO_BUSQUEDA, etapas=ETAPAS, moneda=current_user.acreedor.moneda)
    try:
        filtros = servicios.leer_filtros(acreedor_id, request.args)
    except servicios.LoteAjeno:
        abort(404)
    except servicios.FiltroInvalido as error:
        return render_template("portal/casos.html", pagina=None, referencias={}, error=error,
                               filtros=servicios.FiltrosCasos(q=request.args.get("q", "")),
                               q_corta=False, **contexto), 400
    pagina = db.paginate(
        servicios.consulta_casos(acreedor_id, filtros.etapa, filtros.texto, filtros.lote_id,
                                 filtros.tramo, filtros.saldo_minimo),
        page=request.args.get("pagina", 1, type=int),
        per_page=current_app.config["POR_PAGINA"],
        error_out=False,
    )
    return render_template(
        "portal/casos.html",
        pagina=pagina,
        referencias=servicios.referencias(acreedor_id, [caso.id for caso in pagina.items]),
        filtros=filtros,
        error=None,
        q_corta=bool(filtros.q) and filtros.texto is None,
        **contexto,
    )


@bp.route("/casos/<int:caso_id>")
@cliente_requerido
def caso(caso_id: int):
    acreedor_id = acreedor_del_usuario()
    caso = obtener_o_404(Caso, caso_id)
    obligaciones = servicios.obligaciones(acreedor_id, caso.id)
    vigente, por_aprobar = servicios.acuerdos_del_caso(acreedor_id, caso.id)
    return render_template(
        "portal/caso.html",
        caso=caso,
        obligaciones=obligaciones,
        totales=totales(obligaciones),
        gestiones=servicios.gestiones_resumidas(acreedor_id, caso.id),
        resumen_gestiones=servicios.resumen_gestiones(acreedor_id, caso.id),
        promesas=servicios.promesas(acreedor_id, caso.id),
        acuerdo=vigente,
        acuerdo_por_aprobar=por_aprobar,
        pagos=servicios.pagos(acreedor_id, caso.id),
        moneda=current_user.acreedor.moneda,
    )


# ---------------------------------------------------------------- the monthly statement
# Always the cliente's own acreedor: no parameter but `mes` is read.


def _liquidacion_pedida() -> liq.Liquidacion:
    """The statement of ?mes=AAAA-MM (last month when absent); MesInvalido if bad."""
    texto = (request.args.get("mes") or "").strip()
    anio, mes = liq.leer_mes(texto) if texto else liq.mes_anterior()
    return liq.liquidacion(acreedor_del_usuario(), anio, mes)


@bp.route("/liquidacion")
@cliente_requerido
def liquidacion():
    try:
        estado = _liquidacion_pedida()
    except liq.MesInvalido as error:
        return render_template("portal/liquidacion.html", liq=None, error=error,
                               mes=request.args.get("mes", "")), 400
    return render_template("portal/liquidacion.html", liq=estado, error=None, mes=estado.periodo)


def _archivo(extension: str, hacer):
    try:
        estado = _liquidacion_pedida()
    except liq.MesInvalido as error:
        return Response(error.mensaje, 400, mimetype="text/plain")
    try:
        contenido, tipo = hacer(estado)
    except ErrorPdf as error:
        return Response(str(error), 503, mimetype="text/plain")
    return Response(contenido, mimetype=tipo, headers={
        "Content-Disposition": f'attachment; filename="{liq.nombre_archivo(estado, extension)}"',
        "Cache-Control": "private, no-store"})


@bp.route("/liquidacion.pdf")
@cliente_requerido
def liquidacion_pdf():
    return _archivo("pdf", lambda estado: (
        html_a_pdf(liq.html_pdf(estado), papel=papel_de(current_user.acreedor.pais)),
        "application/pdf"))


@bp.route("/liquidacion.xlsx")
@cliente_requerido
def liquidacion_xlsx():
    return _archivo("xlsx", lambda estado: (
        liq.a_xlsx(estado),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


@bp.route("/liquidacion.csv")
@cliente_requerido
def liquidacion_csv():
    return _archivo("csv", lambda estado: (liq.a_csv(estado), "text/csv; charset=utf-8"))


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
from agencia.portal import cargas, devoluciones, remisiones  # noqa: E402, F401
