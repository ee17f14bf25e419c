"""Staff views of the caso: search, the caso page, logging a gestion (checked against the
contact policy before saving, in the browser through contacto.json and again on the server).
The caso's "Contacto" page and its forms live in rutas_contacto.py, on this same blueprint."""

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from agencia.acuerdos.panel import panel_acuerdo
from agencia.auth.acceso import personal_requerido
from agencia.cartas.servicios import cartas_del_caso
from agencia.casos.busqueda import LIMITE
from agencia.casos.busqueda import buscar as buscar_casos
from agencia.casos.contacto import ROLES_QUE_AUTORIZAN, estado_contacto, hora_local
from agencia.casos.etapas import transiciones_desde
from agencia.casos.formularios import FormularioEtapa, FormularioGestion
from agencia.casos.linea_tiempo import linea_de_tiempo
from agencia.casos.modelos import CANALES, DIRECCIONES, Caso
from agencia.casos.resultados import telefonos
from agencia.casos.servicios import (
    ContactoBloqueado,
    GestionInvalida,
    registrar_gestion,
    totales,
)
from agencia.cumplimiento.motor import evaluar
from agencia.documentos.panel import panel_documentos
from agencia.extensiones import db
from agencia.pagos.formularios import FormularioPago
from agencia.pagos.servicios import pagos_del_caso
from agencia.promesas.servicios import hoy_local, promesas_abiertas
from agencia.tenencia import acreedor_del_usuario, obtener_o_404

bp = Blueprint("casos", __name__, url_prefix="/casos")
ROLES_QUE_PAGAN = ("supervisor", "admin", "agente")


@bp.route("/buscar")
@personal_requerido
def buscar():
    q = (request.args.get("q") or "").strip()
    resultado = buscar_casos(q, acreedor_del_usuario()) if q else None
    return render_template("casos/buscar.html", q=q, resultado=resultado, limite=LIMITE)


def formulario_gestion(caso: Caso, **kwargs) -> FormularioGestion:
    return FormularioGestion(telefonos=telefonos(caso), **kwargs)


def formulario_etapa(caso: Caso, **kwargs) -> FormularioEtapa:
    formulario = FormularioEtapa(**kwargs)
    formulario.hacia.choices = [("", "Elija la etapa…")] + [
        (t.hacia, t.accion) for t in transiciones_desde(caso.etapa, current_user)]
    return formulario


def pagina_caso(caso: Caso, codigo: int = 200, **formularios):
    """The caso page; `formularios` replaces a fresh form by the one just sent (and refused),
    shown with its errors: formulario (gestion), form_etapa, form_pago."""
    transiciones = transiciones_desde(caso.etapa, current_user)
    estado = estado_contacto(caso)
    volver = caso.volver_a_llamar_en
    return render_template(
        "casos/detalle.html",
        caso=caso,
        formulario=formularios.get("formulario") or formulario_gestion(caso),
        form_etapa=formularios.get("form_etapa") or formulario_etapa(caso, formdata=None),
        form_pago=formularios.get("form_pago") or FormularioPago(
            formdata=None, fecha=hoy_local(), moneda=caso.acreedor.moneda),
        transiciones=transiciones,
        motivo_requerido=[t.nombre_hacia for t in transiciones if t.motivo],
        obligaciones=caso.obligaciones,
        totales=totales(caso.obligaciones),
        linea=linea_de_tiempo(caso.id),
        promesas=promesas_abiertas(caso.id),
        pagos=pagos_del_caso(caso.id),
        cartas=cartas_del_caso(caso.id),
        canales=CANALES,
        direcciones=DIRECCIONES,
        estado=estado,
        volver_local=hora_local(volver, estado.zona_horaria) if volver else None,
        puede_autorizar=current_user.rol in ROLES_QUE_AUTORIZAN,
        puede_pagar=current_user.rol in ROLES_QUE_PAGAN,
        panel_acuerdo=formularios.get("panel_acuerdo") or panel_acuerdo(caso),
        panel_documentos=formularios.get("panel_documentos") or panel_documentos(caso),
    ), codigo


@bp.route("/<int:caso_id>")
@personal_requerido
def detalle(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    return pagina_caso(caso)


@bp.route("/<int:caso_id>/gestiones", methods=["POST"])
@personal_requerido
def nueva_gestion(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = formulario_gestion(caso)
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
                datos=formulario.datos_resultado(),
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
            _avisar_resultado(caso, gestion.resultado)
            return redirect(url_for("casos.detalle", caso_id=caso.id))
    flash(aviso, "error")
    return pagina_caso(caso, 400, formulario=formulario)


def _avisar_resultado(caso: Caso, resultado: str) -> None:
    """What the outcome led to, said to the agent after saving."""
    if resultado == "promesa_pago":
        flash("Promesa de pago registrada: se verificará con los pagos del caso.", "ok")
    elif resultado == "numero_errado":
        flash("El teléfono quedó marcado como no válido.", "ok")
    elif resultado == "volver_llamar":
        flash("Llamada programada.", "ok")
    elif resultado == "ya_pago":
        enlace = url_for("casos.detalle", caso_id=caso.id, _anchor="pagos")
        flash(Markup('El deudor dice que ya pagó: <a href="{}">registre el pago</a> con su '
                     "referencia bancaria cuando lo confirme.").format(enlace), "info")


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


# Views on this blueprint kept in their own modules: the Contacto page; stages and payments.
from agencia.casos import rutas_contacto, rutas_trabajo  # noqa: E402, F401
