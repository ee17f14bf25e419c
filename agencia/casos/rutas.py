"""Staff views of the caso: search, the caso page, logging a gestion (checked against the
contact policy before saving, in the browser through contacto.json and again on the server).
The caso's "Contacto" page and its forms live in rutas_contacto.py, on this same blueprint."""

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from agencia.auth.acceso import personal_requerido
from agencia.cartas.servicios import cartas_del_caso
from agencia.casos.contacto import ROLES_QUE_AUTORIZAN, estado_contacto, hora_local
from agencia.casos.formularios import FormularioGestion
from agencia.casos.modelos import CANALES, DIRECCIONES, Caso
from agencia.casos.servicios import (
    MINIMO_BUSQUEDA,
    ContactoBloqueado,
    GestionInvalida,
    consulta_busqueda,
    gestiones_recientes,
    registrar_gestion,
    texto_buscable,
    totales,
)
from agencia.cumplimiento.motor import evaluar
from agencia.extensiones import db
from agencia.tenencia import acreedor_del_usuario, obtener_o_404

bp = Blueprint("casos", __name__, url_prefix="/casos")


@bp.route("/buscar")
@personal_requerido
def buscar():
    q = (request.args.get("q") or "").strip()
    texto = texto_buscable(q)
    pagina = None
    if texto:
        pagina = db.paginate(
            consulta_busqueda(texto, acreedor_del_usuario()),
            page=request.args.get("pagina", 1, type=int),
            per_page=current_app.config["POR_PAGINA"],
            error_out=False,
        )
    return render_template("casos/buscar.html", q=q, pagina=pagina, minimo=MINIMO_BUSQUEDA)


def _pagina_caso(caso: Caso, formulario: FormularioGestion, codigo: int = 200):
    alcance = acreedor_del_usuario()
    return render_template(
        "casos/detalle.html",
        caso=caso,
        formulario=formulario,
        obligaciones=caso.obligaciones,
        totales=totales(caso.obligaciones),
        gestiones=gestiones_recientes(caso.id, alcance),
        cartas=cartas_del_caso(caso.id),
        canales=CANALES,
        direcciones=DIRECCIONES,
        estado=estado_contacto(caso),
        puede_autorizar=current_user.rol in ROLES_QUE_AUTORIZAN,
    ), codigo


@bp.route("/<int:caso_id>")
@personal_requerido
def detalle(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    return _pagina_caso(caso, FormularioGestion())


@bp.route("/<int:caso_id>/gestiones", methods=["POST"])
@personal_requerido
def nueva_gestion(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioGestion()
    aviso = "Revise los datos de la gestión."
    if formulario.validate_on_submit():
        # Any override field sent counts as asking for one: the service refuses it unless
        # the user may authorise it, so an agent cannot slip one through.
        pide = formulario.pide_excepcion
        try:
            gestion = registrar_gestion(
                caso, current_user.id,
                canal=formulario.canal.data,
                direccion=formulario.direccion.data,
                resultado=formulario.resultado.data,
                nota=formulario.nota.data,
                proxima_accion=formulario.proxima_accion.data,
                excepcion_motivo=formulario.excepcion_motivo.data if pide else None,
                autorizado_por=current_user if pide else None,
            )
        except GestionInvalida as error:
            db.session.rollback()
            getattr(formulario, error.campo).errors.append(error.mensaje)
            if isinstance(error, ContactoBloqueado):
                aviso = "La política de contacto no permite este contacto ahora."
        else:
            db.session.commit()
            if gestion.excepcion_autorizada_por:
                flash("Gestión registrada con una excepción a la política de contacto; "
                      "la autorización queda en la auditoría.", "ok")
            elif pide:
                flash("Gestión registrada. El contacto estaba permitido: no hizo falta "
                      "la excepción.", "ok")
            else:
                flash("Gestión registrada.", "ok")
            return redirect(url_for("casos.detalle", caso_id=caso.id))
    flash(aviso, "error")
    return _pagina_caso(caso, formulario, 400)


@bp.route("/<int:caso_id>/contacto.json")
@personal_requerido
def contacto_json(caso_id: int):
    """May the agent contact the deudor on this channel now? Asked by politica.js while the
    gestion form is filled in; the server checks again on saving."""
    caso = obtener_o_404(Caso, caso_id)
    canal = request.args.get("canal", "")
    direccion = request.args.get("direccion", "saliente")
    if canal not in CANALES or direccion not in DIRECCIONES:
        return {"error": "Solicitud no válida",
                "mensaje": "Elija un canal y una dirección de la lista."}, 400
    decision = evaluar(caso, canal, direccion=direccion)
    proximo = decision.proximo_permitido
    respuesta = jsonify(
        canal=canal,
        direccion=direccion,
        permitido=decision.permitido,
        motivos=list(decision.motivos),
        proximo_permitido=proximo.isoformat() if proximo else None,
        proximo_texto=f"{hora_local(proximo, decision.zona_horaria)} (hora local)"
        if proximo else "",
        avisos=list(decision.avisos),
    )
    respuesta.headers["Cache-Control"] = "no-store"
    return respuesta


from agencia.casos import rutas_contacto  # noqa: E402, F401  (registers the Contacto page)
