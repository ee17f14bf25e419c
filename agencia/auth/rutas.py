"""Login and logout."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from agencia.auth.formularios import FormularioIngreso
from agencia.auth.servicios import autenticar
from agencia.extensiones import db, limiter

bp = Blueprint("auth", __name__)


def _destino_seguro(siguiente: str | None) -> str | None:
    if not siguiente:
        return None
    partes = urlsplit(siguiente)
    if partes.scheme or partes.netloc or not siguiente.startswith("/"):
        return None
    return siguiente


def inicio_para(usuario) -> str:
    return url_for("portal.inicio") if usuario.es_cliente else url_for("bandejas.mi_dia")


@bp.route("/ingresar", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def ingresar():
    if current_user.is_authenticated:
        return redirect(inicio_para(current_user))
    formulario = FormularioIngreso()
    if formulario.validate_on_submit():
        usuario = autenticar(formulario.usuario.data, formulario.clave.data)
        if usuario is None:
            db.session.commit()
            flash("Usuario o contraseña incorrectos.", "error")
            return render_template("auth/ingresar.html", formulario=formulario), 401
        session.clear()  # a fresh session at login (no fixation)
        login_user(usuario)
        db.session.commit()
        return redirect(_destino_seguro(request.args.get("next")) or inicio_para(usuario))
    return render_template("auth/ingresar.html", formulario=formulario)


@bp.route("/salir", methods=["POST"])
@login_required
def salir():
    current_user.cerrar_sesiones()
    db.session.commit()
    logout_user()
    session.clear()
    flash("Sesión cerrada.", "info")
    return redirect(url_for("auth.ingresar"))


@bp.route("/")
def raiz():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.ingresar"))
    return redirect(inicio_para(current_user))
