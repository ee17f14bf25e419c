"""Payment pages that are not on the caso page: reversal, proof download, bank files.
The rules live in pagos.reversion, pagos.comprobantes and pagos.banco."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones.archivo import ErrorImportacion
from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.formato import fecha
from agencia.pagos import banco, comprobantes
from agencia.pagos.formularios import FormularioArchivoPagos, FormularioReversion
from agencia.pagos.modelos import LotePagos, Pago
from agencia.pagos.reversion import PagoInvalido, PagoYaReversado, reversar_pago
from agencia.promesas.servicios import hoy_local
from agencia.tenencia import obtener_o_404

bp = Blueprint("pagos", __name__, url_prefix="/pagos")
ROLES_QUE_REVERSAN = ("supervisor", "admin")


def _pago_visible(pago_id: int) -> tuple[Pago, Caso]:
    """The pago and its caso if the user may see the caso; 404 otherwise."""
    pago = db.session.get(Pago, pago_id)
    if pago is None:
        abort(404)
    return pago, obtener_o_404(Caso, pago.caso_id)


@bp.route("/<int:pago_id>/reversar", methods=["POST"])
@rol_requerido(*ROLES_QUE_REVERSAN)
def reversar(pago_id: int):
    from agencia.casos.rutas import pagina_caso

    pago, caso = _pago_visible(pago_id)
    formulario = FormularioReversion()
    if not formulario.validate_on_submit():
        errores = [e for errores in formulario.errors.values() for e in errores]
        flash("No se reversó el pago: " + " ".join(errores), "error")
        return pagina_caso(caso, 400)
    etapa_antes = caso.etapa
    try:
        reversar_pago(pago, current_user.id, formulario.motivo.data)
    except PagoYaReversado as error:
        db.session.rollback()
        flash(error.mensaje, "info")
        return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="pagos"))
    except PagoInvalido as error:
        db.session.rollback()
        flash(f"No se reversó el pago: {error.mensaje}", "error")
        return pagina_caso(caso, 400)
    db.session.commit()
    flash(f"Pago {pago.referencia_bancaria} reversado: el saldo y el cronograma volvieron a "
          "como estaban antes del pago.", "ok")
    if etapa_antes != caso.etapa:
        flash(f"El caso se reabrió en {caso.nombre_etapa}.", "info")
    return redirect(url_for("casos.detalle", caso_id=caso.id, _anchor="pagos"))


@bp.route("/<int:pago_id>/comprobante")
@personal_requerido
def comprobante(pago_id: int):
    pago, _ = _pago_visible(pago_id)
    ruta = comprobantes.ruta(pago)
    if ruta is None or not ruta.is_file():
        abort(404)
    return send_file(ruta, mimetype=pago.comprobante_tipo, as_attachment=True,
                     download_name=pago.comprobante_nombre or ruta.name)


def _formulario_archivo(**kwargs) -> FormularioArchivoPagos:
    formulario = FormularioArchivoPagos(**kwargs)
    from agencia.casos.formularios import SelectChoice

    formulario.acreedor_id.choices = [
        SelectChoice(a.id, f"{a.codigo} · {a.nombre} ({a.moneda})") for a in db.session.scalars(
            select(Acreedor).where(Acreedor.activo.is_(True)).order_by(Acreedor.codigo))]
    return formulario


def _pagina_archivos(formulario, codigo: int = 200, error: str | None = None):
    lotes = db.session.scalars(select(LotePagos).order_by(LotePagos.id.desc()).limit(20)).all()
    acreedores = {a.id: a for a in db.session.scalars(select(Acreedor))}
    return render_template("pagos/archivos.html", formulario=formulario, lotes=lotes,
                           acreedores=acreedores, error=error,
                           maximo=banco.MAXIMO_LINEAS), codigo


@bp.route("/archivos", methods=["GET", "POST"])
@rol_requerido(*ROLES_QUE_REVERSAN)
def archivos():
    formulario = _formulario_archivo()
    if request.method == "GET":
        return _pagina_archivos(formulario)
    if not formulario.validate_on_submit():
        return _pagina_archivos(formulario, 400)
    acreedor = db.session.get(Acreedor, formulario.acreedor_id.data)
    archivo = formulario.archivo.data
    try:
        lote = banco.importar_archivo(acreedor, archivo.filename, archivo.read(),
                                      current_user.id, hoy_local())
    except ErrorImportacion as error:
        db.session.rollback()
        return _pagina_archivos(formulario, 400, error=f"No se importó nada: {error}")
    db.session.commit()
    if lote.ya_importado:
        flash(f"Este archivo ya se había importado el {fecha(lote.creado_en)} (lote {lote.id}): "
              "no se registró nada nuevo.", "info")
    else:
        flash(f"Archivo importado: {lote.registrados} pagos registrados, {lote.repetidos} "
              f"repetidos, {lote.rechazados} rechazados.",
              "ok" if not lote.rechazados else "info")
    return redirect(url_for("pagos.lote", lote_pagos_id=lote.id))


@bp.route("/archivos/<int:lote_pagos_id>")
@rol_requerido(*ROLES_QUE_REVERSAN)
def lote(lote_pagos_id: int):
    lote = db.session.get(LotePagos, lote_pagos_id) or abort(404)
    return render_template("pagos/lote.html", lote=lote,
                           acreedor=db.session.get(Acreedor, lote.acreedor_id),
                           estados=banco.ESTADOS_LINEA)


@bp.route("/archivos/<int:lote_pagos_id>/reporte.csv")
@rol_requerido(*ROLES_QUE_REVERSAN)
def reporte_csv(lote_pagos_id: int):
    lote = db.session.get(LotePagos, lote_pagos_id) or abort(404)
    return Response(banco.reporte_csv(lote), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="reporte-pagos-{lote.id}.csv"'})
