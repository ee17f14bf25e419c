"""Views of the cartas feature: request a letter for a caso, follow it, download it.

Staff only; every carta and caso is loaded through obtener_o_404, so another acreedor's
row is a 404. CSRF is checked by CSRFProtect on the POST.
"""

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from agencia.auditoria.servicios import registrar
from agencia.auth.acceso import personal_requerido
from agencia.cartas import documentos
from agencia.cartas.modelos import PLANTILLAS_A_ELECCION, PLANTILLAS_CARTA, Carta
from agencia.cartas.servicios import (
    CartaSinCola,
    ErrorCarta,
    encolar_carta,
    ruta_archivo,
    solicitar_carta,
)
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db
from agencia.tenencia import obtener_o_404

bp = Blueprint("cartas", __name__)


@bp.app_context_processor
def _plantillas_carta():
    """The panel partial (included in the caso page) lists the templates to choose from;
    the acuerdo letter and the paz y salvo have buttons of their own. The acuerdo lookup is
    a function, so it runs only when the panel is rendered."""
    return {
        "plantillas_carta": {c: PLANTILLAS_CARTA[c] for c in PLANTILLAS_A_ELECCION},
        "cartas_etapas_abiertas": ETAPAS_ABIERTAS,
        "acuerdo_vigente_para_carta": documentos.acuerdo_vigente_id,
    }


def _rechazo(mensaje: str, codigo: int = 400):
    if request.accept_mimetypes.best == "application/json":
        return {"error": "Solicitud no válida", "mensaje": mensaje}, codigo
    return render_template(
        "errores/error.html", codigo=codigo, titulo="No se pudo generar la carta", mensaje=mensaje
    ), codigo


@bp.post("/casos/<int:caso_id>/cartas")
@personal_requerido
def solicitar(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    plantilla = (request.form.get("plantilla") or "").strip()
    parametros = {}
    if plantilla == "acuerdo_pago":
        # Checked by the service: an acuerdo of this caso (already tenant-checked).
        parametros["acuerdo_id"] = (request.form.get("acuerdo_id") or "").strip()
    try:
        carta = solicitar_carta(caso.id, plantilla, current_user.id, parametros)
    except ErrorCarta as error:
        db.session.rollback()
        return _rechazo(str(error))
    db.session.commit()
    try:
        encolar_carta(carta)
        db.session.commit()
        flash(f"Carta «{carta.nombre_plantilla}» en preparación.", "ok")
    except CartaSinCola as aviso:
        db.session.rollback()
        flash(str(aviso), "info")
    return redirect(url_for("casos.detalle", caso_id=caso.id) + "#cartas")


def _mensaje(carta: Carta) -> str:
    if carta.estado == "generando":
        return f"Generando… {carta.progreso} %"
    if carta.estado == "error":
        return carta.error or "No se pudo generar la carta."
    if carta.estado == "lista":
        return "Lista para descargar."
    if carta.estado == "esperando":
        return f"Esperando horario permitido: {carta.motivo or 'la política de contacto'}."
    return "En cola…"


@bp.get("/cartas/<int:carta_id>/estado")
@personal_requerido
def estado(carta_id: int):
    carta = obtener_o_404(Carta, carta_id)
    url = url_for("cartas.descargar", carta_id=carta.id) if carta.estado == "lista" else None
    datos = {
        "estado": carta.estado,
        "progreso": carta.progreso,
        "mensaje": _mensaje(carta),
        "url": url,
    }
    return datos, 200, {"Cache-Control": "no-store"}


@bp.get("/cartas/<int:carta_id>/descargar")
@personal_requerido
def descargar(carta_id: int):
    carta = obtener_o_404(Carta, carta_id)
    if carta.estado != "lista":
        abort(404)
    almacen = Path(current_app.config["ALMACEN_ARCHIVOS"]).resolve()
    ruta = ruta_archivo(carta).resolve()
    if not ruta.is_relative_to(almacen) or not ruta.is_file():
        abort(404)
    registrar("carta.descargada", "carta", carta.id, acreedor_id=carta.acreedor_id)
    db.session.commit()
    respuesta = send_file(
        ruta,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"carta-{carta.id}-{carta.plantilla}.pdf",
        max_age=0,
    )
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta
