"""Administration of an acreedor's API tokens (admin role): list, create, revoke.

The token text appears once, in the answer to its creation (never stored, never audited,
never cached: Cache-Control no-store). Acreedores are not tenant data for staff; clientes
never get past rol_requerido (404).
"""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from agencia.acreedores.modelos import Acreedor
from agencia.api import tokens
from agencia.api.modelos import ALCANCES, TokenApi
from agencia.auth.acceso import rol_requerido
from agencia.extensiones import db

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/acreedores")


def _pagina(acreedor: Acreedor, codigo: int = 200, errores: dict | None = None,
            nombre: str = "", elegidos=("asignaciones", "devoluciones", "casos")):
    return render_template(
        "api/tokens.html", acreedor=acreedor, tokens=tokens.tokens_de(acreedor.id),
        alcances=ALCANCES, errores=errores or {}, nombre=nombre, elegidos=list(elegidos)), codigo


@bp.route("/<int:acreedor_id>/tokens")
@rol_requerido("admin")
def lista(acreedor_id: int):
    return _pagina(db.get_or_404(Acreedor, acreedor_id))


@bp.route("/<int:acreedor_id>/tokens", methods=["POST"])
@rol_requerido("admin")
def crear(acreedor_id: int):
    acreedor = db.get_or_404(Acreedor, acreedor_id)
    nombre, alcances = request.form.get("nombre", ""), request.form.getlist("alcances")
    try:
        token, texto = tokens.crear_token(acreedor, nombre, alcances, current_user.id)
    except tokens.TokenInvalido as error:
        db.session.rollback()
        flash("No se creó el token: " + error.mensaje, "error")
        return _pagina(acreedor, 400, {error.campo: error.mensaje}, nombre, alcances)
    db.session.commit()
    respuesta = make_response(render_template(
        "api/token_creado.html", acreedor=acreedor, token=token, texto=texto, alcances=ALCANCES,
        url_documento=url_for("api.openapi", _external=True)))
    respuesta.headers["Cache-Control"] = "no-store"
    return respuesta


@bp.route("/<int:acreedor_id>/tokens/<int:token_id>/revocar", methods=["POST"])
@rol_requerido("admin")
def revocar(acreedor_id: int, token_id: int):
    acreedor = db.get_or_404(Acreedor, acreedor_id)
    token = db.session.get(TokenApi, token_id)
    if token is None or token.acreedor_id != acreedor.id:
        abort(404)
    if tokens.revocar(token, current_user.id):
        db.session.commit()
        flash(f"Token «{token.nombre}» ({token.prefijo}…) revocado: deja de funcionar ya.", "ok")
    else:
        flash(f"El token «{token.nombre}» ya estaba revocado.", "info")
    return redirect(url_for("api_tokens.lista", acreedor_id=acreedor.id))
