"""Admin pages of the templates: the list of defaults and of each acreedor's versions, and the
editor of one acreedor's version with its variables and a preview on sample data.

Admins only (agents and supervisors get 403, the portal's clientes 404 from rol_requerido).
Acreedores are not tenant data for agency staff, so they load with db.get_or_404. The preview
is its own document, served into a sandboxed iframe with a CSP of its own (inline styles of the
letter allowed, nothing else: no scripts, no requests).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.cartas import editor
from agencia.cartas.pdf import ErrorPdf, html_a_pdf
from agencia.cartas.plantillas import papel_de
from agencia.extensiones import db

bp = Blueprint("plantillas", __name__, url_prefix="/admin")
CSP_VISTA = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
             "frame-ancestors 'self'")


def _cargar(acreedor_id: int, clave: str):
    acreedor = db.get_or_404(Acreedor, acreedor_id)
    if clave not in editor.CATALOGO:
        abort(404)
    return acreedor, editor.CATALOGO[clave]


@bp.get("/plantillas")
@rol_requerido("admin")
def lista():
    acreedores = db.session.scalars(
        select(Acreedor).order_by(Acreedor.activo.desc(), Acreedor.nombre)).all()
    return render_template(
        "plantillas_admin/lista.html", catalogo=editor.CATALOGO, acreedores=acreedores,
        propias=editor.personalizadas([a.id for a in acreedores]))


def _pagina(acreedor, p, cuerpo, asunto, fila, errores=(), codigo=200):
    return render_template(
        "plantillas_admin/editar.html", acreedor=acreedor, plantilla=p, cuerpo=cuerpo,
        asunto=asunto, fila=fila, errores=errores,
        variables=editor.variables(p.clave, acreedor)), codigo


@bp.route("/acreedores/<int:acreedor_id>/plantillas/<clave>", methods=["GET", "POST"])
@rol_requerido("admin")
def editar(acreedor_id: int, clave: str):
    acreedor, p = _cargar(acreedor_id, clave)
    cuerpo, asunto, fila = editor.efectiva(acreedor.id, clave)
    if request.method == "GET":
        return _pagina(acreedor, p, cuerpo, asunto, fila)
    cuerpo = request.form.get("cuerpo", "")
    asunto = request.form.get("asunto")
    try:
        editor.guardar(acreedor, clave, cuerpo, asunto, current_user.id)
    except editor.PlantillaInvalida as error:
        db.session.rollback()
        flash("La plantilla no se guardó: revise los errores.", "error")
        return _pagina(acreedor, p, cuerpo, asunto, fila, error.errores, 400)
    db.session.commit()
    flash(f"Plantilla «{p.nombre}» guardada para {acreedor.nombre}.", "ok")
    return redirect(url_for("plantillas.editar", acreedor_id=acreedor.id, clave=clave))


@bp.post("/acreedores/<int:acreedor_id>/plantillas/<clave>/restaurar")
@rol_requerido("admin")
def restaurar(acreedor_id: int, clave: str):
    acreedor, p = _cargar(acreedor_id, clave)
    if editor.restaurar(acreedor, clave, current_user.id):
        db.session.commit()
        flash(f"«{p.nombre}» vuelve a la versión predeterminada.", "ok")
    return redirect(url_for("plantillas.editar", acreedor_id=acreedor.id, clave=clave))


def _documento(html: str, codigo: int = 200):
    return html, codigo, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CSP_VISTA,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    }


def _error_html(errores: list[str]) -> str:
    from markupsafe import escape

    items = "".join(f"<li>{escape(e)}</li>" for e in errores)
    return f"<!doctype html><meta charset=utf-8><p>No se puede mostrar la vista previa:</p><ul>{items}</ul>"


@bp.route("/acreedores/<int:acreedor_id>/plantillas/<clave>/vista-previa",
          methods=["GET", "POST"])
@rol_requerido("admin")
def vista_previa(acreedor_id: int, clave: str):
    """The sample rendering: GET shows the version in force, POST the text being edited."""
    acreedor, p = _cargar(acreedor_id, clave)
    cuerpo, asunto, _ = editor.efectiva(acreedor.id, clave)
    if request.method == "POST":
        cuerpo, asunto = request.form.get("cuerpo", ""), request.form.get("asunto")
    try:
        vista = editor.vista_previa(clave, cuerpo, asunto, acreedor)
    except editor.PlantillaInvalida as error:
        return _documento(_error_html(error.errores), 400)
    return _documento(vista["html"])


@bp.post("/acreedores/<int:acreedor_id>/plantillas/<clave>/vista-previa.pdf")
@rol_requerido("admin")
def vista_previa_pdf(acreedor_id: int, clave: str):
    acreedor, p = _cargar(acreedor_id, clave)
    if p.canal != "carta":
        abort(404)
    try:
        vista = editor.vista_previa(clave, request.form.get("cuerpo", ""), None, acreedor)
        pdf = html_a_pdf(vista["html"], papel=papel_de(acreedor.pais))
    except editor.PlantillaInvalida as error:
        return _documento(_error_html(error.errores), 400)
    except ErrorPdf as error:
        return _documento(_error_html([str(error)]), 503)
    return pdf, 200, {"Content-Type": "application/pdf", "Cache-Control": "no-store",
                      "Content-Disposition": f'inline; filename="muestra-{clave}.pdf"'}
