"""Admin page of an acreedor's fees (honorarios), allocation order and cuota grace days.
The rules live in honorarios.servicios."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.extensiones import db
from agencia.honorarios.formularios import FormularioHonorarios
from agencia.honorarios.servicios import (
    ETAPAS_CON_TARIFA,
    HonorarioInvalido,
    guardar_configuracion,
    honorarios_por_etapa,
    tarifas,
)
from agencia.pagos.imputacion import orden_del_acreedor

bp = Blueprint("honorarios", __name__, url_prefix="/admin/acreedores")


def _formulario(acreedor: Acreedor, **kwargs) -> FormularioHonorarios:
    if kwargs.get("formdata", True) is None:
        orden = orden_del_acreedor(acreedor)
        kwargs.update(dias_gracia_cuota=acreedor.dias_gracia_cuota, orden_1=orden[0],
                      orden_2=orden[1], orden_3=orden[2],
                      **{f"porcentaje_{e}": v for e, v in tarifas(acreedor.id).items()})
    return FormularioHonorarios(**kwargs)


def _pagina(acreedor: Acreedor, formulario, codigo: int = 200):
    actuales = tarifas(acreedor.id)
    return render_template("honorarios/editar.html", acreedor=acreedor, formulario=formulario,
                           tarifas=actuales, etapas=ETAPAS_CON_TARIFA,
                           ganados=honorarios_por_etapa(acreedor.id)), codigo


@bp.route("/<int:acreedor_id>/honorarios", methods=["GET", "POST"])
@rol_requerido("admin")
def editar(acreedor_id: int):
    acreedor = db.session.get(Acreedor, acreedor_id) or abort(404)
    formulario = _formulario(acreedor) if _es_post() else _formulario(acreedor, formdata=None)
    if not _es_post():
        return _pagina(acreedor, formulario)
    if formulario.validate_on_submit():
        try:
            cambio = guardar_configuracion(
                acreedor, {e: c.data for e, c in formulario.campos_porcentaje()},
                formulario.orden, formulario.dias_gracia_cuota.data, current_user.id)
        except HonorarioInvalido as error:
            db.session.rollback()
            campo = getattr(formulario, error.campo)
            campo.errors = [*campo.errors, error.mensaje]
        else:
            db.session.commit()
            flash("Honorarios y orden de imputación guardados." if cambio
                  else "No había cambios que guardar.", "ok" if cambio else "info")
            return redirect(url_for("honorarios.editar", acreedor_id=acreedor.id))
    return _pagina(acreedor, formulario, 400)


def _es_post() -> bool:
    from flask import request

    return request.method == "POST"
