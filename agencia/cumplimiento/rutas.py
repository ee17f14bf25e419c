"""Administration of contact policies: admins tighten them per acreedor and country, and may
set an audited exception; supervisors may look. Agents get 403, the portal's clientes 404.

Acreedores are not tenant data for agency staff (staff see every acreedor), and clientes never
get past rol_requerido, so acreedores are loaded with db.get_or_404.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import PAISES, Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.auth.modelos import Usuario
from agencia.casos.modelos import CANALES
from agencia.cumplimiento.ajustes import BOOLEANOS
from agencia.cumplimiento.formularios import (
    FormularioExcepcion,
    FormularioPolitica,
    referencias_legales,
)
from agencia.cumplimiento.presets import DIAS, PRESETS
from agencia.cumplimiento.servicios import (
    PermisoDenegado,
    PoliticaInvalida,
    PoliticaPais,
    fijar_excepcion,
    guardar_ajustes,
    politica_de,
    politicas_por_acreedor,
    quitar_excepcion,
)
from agencia.extensiones import db

bp = Blueprint("politicas", __name__, url_prefix="/admin/politicas")
PREFIJO_EXCEPCION = "excepcion"


@bp.route("/")
@rol_requerido("admin", "supervisor")
def lista():
    acreedores = db.session.scalars(
        select(Acreedor).order_by(Acreedor.activo.desc(), Acreedor.nombre)
    ).all()
    politicas = politicas_por_acreedor(acreedores)
    return render_template(
        "politicas/lista.html",
        acreedores=acreedores,
        politicas=politicas,
        tablas={a: _tabla(lista) for a, lista in politicas.items()},
        paises=PAISES,
        presets=PRESETS,
    )


def _tabla(politicas: list[PoliticaPais]) -> list[tuple[str, list]]:
    """Rows of rules, one column per country: [(label, [Fila per country])]."""
    columnas = [p.filas() for p in politicas]
    if not columnas:
        return []
    return [(filas[0].etiqueta, list(filas)) for filas in zip(*columnas, strict=True)]


def _cargar(acreedor_id: int, pais: str) -> tuple[Acreedor, PoliticaPais]:
    acreedor = db.get_or_404(Acreedor, acreedor_id)
    try:
        return acreedor, politica_de(acreedor.id, pais)
    except PoliticaInvalida:
        abort(404)


def _pagina(acreedor: Acreedor, politica: PoliticaPais, *, formulario=None, excepcion=None,
            errores=(), errores_excepcion=(), codigo: int = 200):
    """The edit page; the form not being submitted shows the values in force."""
    if formulario is None:
        formulario = FormularioPolitica(
            formdata=None, data=FormularioPolitica.valores(politica.ajustada))
    if excepcion is None:
        excepcion = FormularioExcepcion(
            formdata=None, prefix=PREFIJO_EXCEPCION,
            data={**FormularioPolitica.valores(politica.efectiva),
                  "motivo": politica.fila.excepcion_motivo if politica.excepcion_activa else ""})
    fila = politica.fila
    autor = db.session.get(Usuario, fila.excepcion_por) if fila and fila.excepcion_por else None
    return render_template(
        "politicas/editar.html",
        acreedor=acreedor,
        politica=politica,
        formulario=formulario,
        excepcion=excepcion,
        errores=errores,
        errores_excepcion=errores_excepcion,
        autor_excepcion=autor,
        puede_editar=current_user.rol == "admin",
        legal=referencias_legales(politica.preset),
        dias=DIAS,
        canales=CANALES,
        booleanos=BOOLEANOS,
        paises=PAISES,
    ), codigo


def _volver(acreedor: Acreedor, politica: PoliticaPais):
    return redirect(url_for("politicas.editar", acreedor_id=acreedor.id, pais=politica.pais))


@bp.route("/<int:acreedor_id>/<pais>", methods=["GET", "POST"])
@rol_requerido("admin", "supervisor")
def editar(acreedor_id: int, pais: str):
    acreedor, politica = _cargar(acreedor_id, pais)
    if request.method == "GET":
        return _pagina(acreedor, politica)
    if current_user.rol != "admin":
        abort(403)
    formulario = FormularioPolitica()
    errores: list[str] = []
    if formulario.validate_on_submit():
        try:
            guardar_ajustes(acreedor.id, politica.pais, formulario.a_json(politica.preset),
                            current_user.id)
        except PoliticaInvalida as error:
            db.session.rollback()
            errores = error.errores
        else:
            db.session.commit()
            flash("Política actualizada.", "ok")
            return _volver(acreedor, politica)
    flash("La política no se guardó: revise los datos.", "error")
    return _pagina(acreedor, politica, formulario=formulario, errores=errores, codigo=400)


@bp.route("/<int:acreedor_id>/<pais>/excepcion", methods=["POST"])
@rol_requerido("admin")
def excepcion(acreedor_id: int, pais: str):
    acreedor, politica = _cargar(acreedor_id, pais)
    formulario = FormularioExcepcion(prefix=PREFIJO_EXCEPCION)
    errores: list[str] = []
    if formulario.validate_on_submit():
        try:
            fijar_excepcion(acreedor.id, politica.pais, formulario.a_json(politica.ajustada),
                            formulario.motivo.data, current_user)
        except PermisoDenegado:
            abort(403)
        except PoliticaInvalida as error:
            db.session.rollback()
            errores = error.errores
        else:
            db.session.commit()
            flash("Excepción registrada. Queda en la auditoría.", "ok")
            return _volver(acreedor, politica)
    flash("La excepción no se guardó: revise los datos.", "error")
    return _pagina(acreedor, politica, excepcion=formulario, errores_excepcion=errores,
                   codigo=400)


@bp.route("/<int:acreedor_id>/<pais>/excepcion/retirar", methods=["POST"])
@rol_requerido("admin")
def retirar_excepcion(acreedor_id: int, pais: str):
    acreedor, politica = _cargar(acreedor_id, pais)
    try:
        quitar_excepcion(acreedor.id, politica.pais, current_user)
    except PermisoDenegado:
        abort(403)
    except PoliticaInvalida as error:
        db.session.rollback()
        flash(" ".join(error.errores), "error")
        return _pagina(acreedor, politica, codigo=400)
    db.session.commit()
    flash("Excepción retirada: rige de nuevo la política del acreedor.", "ok")
    return _volver(acreedor, politica)
