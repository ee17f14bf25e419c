"""The creditor's portal."""

from flask import Blueprint, render_template

from agencia.auth.acceso import cliente_requerido

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@cliente_requerido
def inicio():
    return render_template("portal/inicio.html")
