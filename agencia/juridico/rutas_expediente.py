"""Views of the expediente (the lawyer's PDF dossier of a caso).

POST /casos/<id>/expediente (abogado, supervisor, admin) requests it and queues the job;
GET /expedientes/<id>/estado is the JSON the progress bar polls (agencia/estaticos/app.js);
GET /expedientes/<id>/descargar serves the PDF to the staff who can see the caso. Every row
is loaded through obtener_o_404: another acreedor's, or a caso outside an agent's teams, is
a 404 (a cliente gets 404 from rol_requerido). CSRF is checked by CSRFProtect on the POST.
"""

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from agencia.auditoria.servicios import registrar
from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.casos.modelos import Caso
from agencia.documentos import almacen
from agencia.extensiones import db
from agencia.juridico import expediente as servicios
from agencia.juridico.modelos import Expediente
from agencia.tenencia import obtener_o_404

bp = Blueprint("expedientes", __name__)


@bp.app_context_processor
def _panel_expediente():
    """The caso page's expediente panel: a function, so it runs only when the panel is
    rendered (the caso is already tenant-checked)."""
    return {"expedientes_del_caso": servicios.expedientes_del_caso,
            "roles_expediente": servicios.ROLES_EXPEDIENTE}


def _volver(caso_id: int):
    return redirect(url_for("casos.detalle", caso_id=caso_id) + "#expediente")


@bp.post("/casos/<int:caso_id>/expediente")
@rol_requerido(*servicios.ROLES_EXPEDIENTE)
def solicitar(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    try:
        expediente = servicios.solicitar_expediente(caso, current_user)
    except servicios.ExpedienteInvalido as error:
        db.session.rollback()
        return render_template("errores/error.html", codigo=400,
                               titulo="No se pudo pedir el expediente",
                               mensaje=error.mensaje), 400
    # A new one, or one left pendiente while Redis was down: (re)queue it.
    por_encolar = expediente.estado == "pendiente" and expediente.job_id is None
    db.session.commit()
    if not por_encolar:
        flash(f"El expediente n.º {expediente.id} ya está en preparación.", "info")
        return _volver(caso.id)
    try:
        servicios.encolar_expediente(expediente)
        db.session.commit()
        flash(f"Expediente n.º {expediente.id} en preparación.", "ok")
    except servicios.ExpedienteSinCola as aviso:
        db.session.rollback()
        flash(str(aviso), "info")
    return _volver(caso.id)


def _mensaje(expediente: Expediente) -> str:
    if expediente.estado == "generando":
        return f"Generando… {expediente.progreso} %"
    if expediente.estado == "error":
        return expediente.error or "No se pudo generar el expediente."
    if expediente.estado == "lista":
        if expediente.omitidos:
            return f"Listo para descargar ({len(expediente.omitidos)} documento(s) no incluido(s))."
        return "Listo para descargar."
    return "En cola…"


@bp.get("/expedientes/<int:expediente_id>/estado")
@personal_requerido
def estado(expediente_id: int):
    expediente = obtener_o_404(Expediente, expediente_id)
    url = (url_for("expedientes.descargar", expediente_id=expediente.id)
           if expediente.estado == "lista" else None)
    datos = {"estado": expediente.estado, "progreso": expediente.progreso,
             "mensaje": _mensaje(expediente), "url": url}
    return datos, 200, {"Cache-Control": "no-store"}


@bp.get("/expedientes/<int:expediente_id>/descargar")
@personal_requerido
def descargar(expediente_id: int):
    expediente = obtener_o_404(Expediente, expediente_id)
    if expediente.estado != "lista" or not expediente.archivo:
        abort(404)
    ruta = almacen.ruta_absoluta(expediente.archivo)
    if ruta is None:
        abort(404)
    registrar("expediente.descargado", "expediente", expediente.id,
              acreedor_id=expediente.acreedor_id, usuario_id=current_user.id)
    db.session.commit()
    respuesta = send_file(ruta, mimetype="application/pdf", as_attachment=True,
                          download_name=f"expediente-caso-{expediente.caso_id}-{expediente.id}.pdf",
                          max_age=0)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta
