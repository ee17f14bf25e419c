"""Administration of teams (admin only): list with counts, create, edit.

Teams are agency data, not tenant data: clientes never get past rol_requerido (404), so
teams are loaded with db.get_or_404.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.auth.acceso import rol_requerido
from agencia.equipos.formularios import FormularioEquipo
from agencia.equipos.modelos import Equipo
from agencia.equipos.servicios import (
    EquipoInvalido,
    actualizar_equipo,
    crear_equipo,
    equipos_con_conteos,
)
from agencia.extensiones import db

bp = Blueprint("equipos", __name__, url_prefix="/equipos")


@bp.route("/")
@rol_requerido("admin")
def lista():
    return render_template("equipos/lista.html", equipos=equipos_con_conteos())


@bp.route("/nuevo", methods=["GET", "POST"])
@rol_requerido("admin")
def nuevo():
    formulario = FormularioEquipo()
    return _guardar(formulario, None)


@bp.route("/<int:equipo_id>", methods=["GET", "POST"])
@rol_requerido("admin")
def editar(equipo_id: int):
    equipo = db.get_or_404(Equipo, equipo_id)
    formulario = FormularioEquipo(obj=equipo, data=None if _enviado() else {
        "agente_ids": [u.id for u in equipo.agentes],
        "acreedor_ids": [a.id for a in equipo.acreedores],
    })
    return _guardar(formulario, equipo)


def _enviado() -> bool:
    return request.method == "POST"


def _guardar(formulario: FormularioEquipo, equipo: Equipo | None):
    codigo = 200
    if _enviado():
        codigo = 400
        if formulario.validate_on_submit():
            try:
                if equipo is None:
                    equipo = crear_equipo(formulario.datos(), current_user.id)
                    mensaje = f"Equipo «{equipo.nombre}» creado."
                else:
                    actualizar_equipo(equipo, formulario.datos(), current_user.id)
                    mensaje = f"Equipo «{equipo.nombre}» actualizado."
            except EquipoInvalido as error:
                db.session.rollback()
                getattr(formulario, error.campo).errors.append(error.mensaje)
            else:
                db.session.commit()
                flash(mensaje, "ok")
                return redirect(url_for("equipos.lista"))
        flash("Revise los datos del equipo.", "error")
    return render_template("equipos/formulario.html", formulario=formulario,
                           equipo=equipo), codigo
