"""Staff views of the caso: search, the caso page, and logging a gestion."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.auth.acceso import personal_requerido
from agencia.cartas.servicios import cartas_del_caso
from agencia.casos.formularios import FormularioGestion
from agencia.casos.modelos import CANALES, DIRECCIONES, Caso
from agencia.casos.servicios import (
    MINIMO_BUSQUEDA,
    GestionInvalida,
    consulta_busqueda,
    gestiones_recientes,
    registrar_gestion,
    texto_buscable,
    totales,
)
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
    if formulario.validate_on_submit():
        try:
            registrar_gestion(
                caso, current_user.id,
                canal=formulario.canal.data,
                direccion=formulario.direccion.data,
                resultado=formulario.resultado.data,
                nota=formulario.nota.data,
                proxima_accion=formulario.proxima_accion.data,
            )
        except GestionInvalida as error:
            db.session.rollback()
            getattr(formulario, error.campo).errors.append(error.mensaje)
        else:
            db.session.commit()
            flash("Gestión registrada.", "ok")
            return redirect(url_for("casos.detalle", caso_id=caso.id))
    flash("Revise los datos de la gestión.", "error")
    return _pagina_caso(caso, formulario, 400)
