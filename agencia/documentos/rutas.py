"""Documents: upload on the caso page, download, and a ZIP of documents by referencia.

Staff who can see a caso (agencia.tenencia) upload and download its documents; anyone else,
clientes included, gets 404. The ZIP import is for admins and supervisors.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.casos.formularios import SelectChoice
from agencia.casos.modelos import Caso
from agencia.documentos import almacen
from agencia.documentos.almacen import ArchivoInvalido
from agencia.documentos.formularios import FormularioDocumento, FormularioZipDocumentos
from agencia.documentos.importacion import (
    MAXIMO_ARCHIVOS_DEFECTO,
    MAXIMO_TOTAL_MB_DEFECTO,
    importar_zip,
)
from agencia.documentos.modelos import Documento
from agencia.documentos.panel import panel_documentos
from agencia.documentos.servicios import adjuntar
from agencia.extensiones import db
from agencia.tenencia import obtener_o_404

bp = Blueprint("documentos", __name__)

ROLES_QUE_IMPORTAN = ("admin", "supervisor")


def _refusar_subida(caso: Caso, formulario: FormularioDocumento, error=None):
    from agencia.casos.rutas import pagina_caso

    db.session.rollback()
    if error is not None:
        campo = getattr(formulario, error.campo, formulario.archivo)
        campo.errors = [*campo.errors, error.mensaje]
    mensajes = [e for campo in formulario for e in campo.errors]
    flash("No se adjuntó el documento: " + " ".join(mensajes or ["revise los datos."]), "error")
    return pagina_caso(caso, 400, panel_documentos=panel_documentos(caso, formulario))


@bp.route("/casos/<int:caso_id>/documentos", methods=["POST"])
@personal_requerido
def subir(caso_id: int):
    caso = obtener_o_404(Caso, caso_id)
    formulario = FormularioDocumento(caso)
    if not formulario.validate_on_submit():
        return _refusar_subida(caso, formulario)
    try:
        archivo = almacen.leer_subido(formulario.archivo.data)
        documento, nuevo = adjuntar(caso, archivo, formulario.tipo.data,
                                    obligacion_id=formulario.obligacion_id.data,
                                    usuario_id=current_user.id)
    except ArchivoInvalido as error:
        return _refusar_subida(caso, formulario, error)
    db.session.commit()
    if nuevo:
        flash(f"Documento «{documento.nombre_archivo}» adjuntado.", "ok")
    else:
        flash(f"Ese archivo ya estaba adjunto a este caso («{documento.nombre_archivo}»): "
              "no se guardó otra copia.", "info")
    return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="documentos"))


@bp.route("/documentos/<int:documento_id>")
@personal_requerido
def descargar(documento_id: int):
    documento = db.session.get(Documento, documento_id) or abort(404)
    obtener_o_404(Caso, documento.caso_id)  # only who may see the caso
    ruta = almacen.ruta_absoluta(documento.ruta)
    if ruta is None:
        abort(404)
    respuesta = send_file(ruta, mimetype=documento.tipo_contenido, as_attachment=True,
                          download_name=documento.nombre_archivo, max_age=0)
    respuesta.headers["X-Content-Type-Options"] = "nosniff"
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


def _formulario_zip(**kwargs) -> FormularioZipDocumentos:
    formulario = FormularioZipDocumentos(**kwargs)
    formulario.acreedor_id.choices = [SelectChoice("", "Elija el acreedor…")] + [
        SelectChoice(a.id, f"{a.codigo} · {a.nombre}") for a in db.session.scalars(
            select(Acreedor).where(Acreedor.activo.is_(True)).order_by(Acreedor.codigo))]
    return formulario


def _pagina_importar(formulario, codigo: int = 200, reporte=None, error: str | None = None):
    from flask import current_app

    limites = {
        "archivos": current_app.config.get("DOCUMENTOS_ZIP_MAX_ARCHIVOS",
                                           MAXIMO_ARCHIVOS_DEFECTO),
        "total_mb": current_app.config.get("DOCUMENTOS_ZIP_MAX_MB", MAXIMO_TOTAL_MB_DEFECTO),
        "archivo_mb": almacen.maximo_bytes() // (1024 * 1024),
    }
    return render_template("documentos/importar.html", formulario=formulario, reporte=reporte,
                           error=error, limites=limites), codigo


@bp.route("/documentos/importar", methods=["GET", "POST"])
@rol_requerido(*ROLES_QUE_IMPORTAN)
def importar():
    formulario = _formulario_zip()
    if request.method == "GET":
        return _pagina_importar(formulario)
    if not formulario.validate_on_submit():
        return _pagina_importar(formulario, 400)
    acreedor = db.session.get(Acreedor, formulario.acreedor_id.data) or abort(404)
    archivo = formulario.archivo.data
    try:
        reporte = importar_zip(acreedor, archivo.stream, archivo.filename,
                               usuario_id=current_user.id)
    except ArchivoInvalido as error:
        db.session.rollback()
        return _pagina_importar(formulario, 400, error=f"No se adjuntó nada: {error.mensaje}")
    db.session.commit()
    return _pagina_importar(_formulario_zip(formdata=None), 200, reporte=reporte)
