"""The agent's day and bandeja."""

from flask import Blueprint, render_template

from agencia.auth.acceso import personal_requerido

bp = Blueprint("bandejas", __name__)


@bp.route("/mi-dia")
@personal_requerido
def mi_dia():
    return render_template("bandejas/mi_dia.html")
