"""Portal: recalls (devoluciones) by the cliente (its own acreedor only).

GET shows the form (paste referencias or upload a CSV/XLSX with a column `referencia`); POST
/devoluciones previews what would be recalled and changes nothing; POST /confirmar recalls
and shows the report. Synchronous: a recall is at most MAXIMO_LINEAS lines. The referencias
travel from the preview to the confirmation in the form itself, so nothing is stored between.
"""

from flask import flash, render_template, request
from flask_login import current_user

from agencia.auth.acceso import cliente_requerido
from agencia.devoluciones import servicios
from agencia.devoluciones.lectura import leer_referencias
from agencia.extensiones import db
from agencia.portal.rutas import bp

MAXIMO_ARCHIVO = 5 * 1024 * 1024
LINEAS_A_MOSTRAR = 1000


def _formulario(codigo: int = 200, referencias: str = "", motivo: str = ""):
    return render_template(
        "portal/devoluciones.html", referencias=referencias, motivo=motivo,
        maximo=servicios.MAXIMO_LINEAS, maximo_motivo=servicios.MAXIMO_MOTIVO_ACREEDOR), codigo


def _entradas() -> list[str]:
    """The referencias sent: the uploaded file if any, else the pasted text (one per line)."""
    archivo = request.files.get("archivo")
    if archivo and archivo.filename:
        contenido = archivo.stream.read(MAXIMO_ARCHIVO + 1)
        if len(contenido) > MAXIMO_ARCHIVO:
            raise servicios.DevolucionInvalida(
                "archivo", "El archivo supera 5 MB: una devolución admite hasta "
                           f"{servicios.MAXIMO_LINEAS} referencias.")
        return leer_referencias(contenido)
    return (request.form.get("referencias") or "").splitlines()


@bp.route("/devoluciones")
@cliente_requerido
def devoluciones():
    return _formulario()


@bp.route("/devoluciones", methods=["POST"])
@cliente_requerido
def revisar_devolucion():
    motivo = request.form.get("motivo", "")
    try:
        entradas = _entradas()
        servicios.validar_motivo(motivo)
        reporte = servicios.previsualizar(current_user.acreedor, entradas)
    except servicios.DevolucionInvalida as error:
        flash(error.mensaje, "error")
        return _formulario(400, request.form.get("referencias", ""), motivo)
    return render_template(
        "portal/devoluciones_revisar.html", reporte=reporte, motivo=motivo,
        referencias="\n".join(linea.entrada for linea in reporte.lineas),
        lineas=reporte.lineas[:LINEAS_A_MOSTRAR], resultados=servicios.RESULTADOS)


@bp.route("/devoluciones/confirmar", methods=["POST"])
@cliente_requerido
def confirmar_devolucion():
    motivo = request.form.get("motivo", "")
    try:
        reporte = servicios.devolver(
            current_user.acreedor, (request.form.get("referencias") or "").splitlines(),
            current_user.id, "portal", motivo)
    except servicios.DevolucionInvalida as error:
        db.session.rollback()
        flash(error.mensaje, "error")
        return _formulario(400, request.form.get("referencias", ""), motivo)
    db.session.commit()
    if reporte.casos:
        flash(f"{reporte.casos} {'caso devuelto' if reporte.casos == 1 else 'casos devueltos'}: "
              "salieron de la gestión de la agencia.", "ok")
    else:
        flash("No se devolvió ningún caso: revise el detalle.", "info")
    return render_template(
        "portal/devoluciones_reporte.html", reporte=reporte,
        lineas=reporte.lineas[:LINEAS_A_MOSTRAR], resultados=servicios.RESULTADOS)
