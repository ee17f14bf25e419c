"""Pages about outbound messages: GET /mensajes/efectividad (supervisors and admins)."""

from datetime import date, timedelta

from flask import Blueprint, render_template, request

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import rol_requerido
from agencia.extensiones import db
from agencia.mensajes.efectividad import (
    DIAS_MAX,
    DIAS_MIN,
    EfectividadInvalida,
    efectividad,
    validar_periodo,
)
from agencia.tipos import ahora

bp = Blueprint("mensajes", __name__, url_prefix="/mensajes")


def _fecha(valor: str, campo: str, nombre: str, defecto: date) -> date:
    if not valor:
        return defecto
    try:
        return date.fromisoformat(valor)
    except ValueError:
        raise EfectividadInvalida(
            campo, f"{nombre}: escriba una fecha válida AAAA-MM-DD (recibido «{valor}»).") from None


def _filtros(valores) -> dict:
    hoy = ahora().date()
    hasta = _fecha(valores.get("hasta", "").strip(), "hasta", "Hasta", hoy)
    desde = _fecha(valores.get("desde", "").strip(), "desde", "Desde", hasta - timedelta(days=29))
    texto_dias = valores.get("dias", "").strip() or "7"
    if not texto_dias.isdigit():
        raise EfectividadInvalida("dias", f"Días: escriba un número de {DIAS_MIN} a {DIAS_MAX}.")
    texto_acreedor = valores.get("acreedor_id", "").strip()
    acreedor_id = None
    if texto_acreedor:
        if not texto_acreedor.isdigit() or db.session.get(Acreedor, int(texto_acreedor)) is None:
            raise EfectividadInvalida("acreedor_id", "El acreedor elegido no existe.")
        acreedor_id = int(texto_acreedor)
    filtros = {"desde": desde, "hasta": hasta, "dias": int(texto_dias), "acreedor_id": acreedor_id}
    validar_periodo(desde, hasta, filtros["dias"])
    return filtros


@bp.route("/efectividad")
@rol_requerido("supervisor", "admin")
def efectividad_mensajes():
    acreedores = db.session.scalars(db.select(Acreedor).order_by(Acreedor.nombre)).all()
    try:
        filtros = _filtros(request.args)
    except EfectividadInvalida as error:
        return render_template("mensajes_web/efectividad.html", filas=None, error=error.mensaje,
                               filtros={}, valores=request.args, acreedores=acreedores,
                               dias_min=DIAS_MIN, dias_max=DIAS_MAX), 400
    filas = efectividad(**filtros)
    return render_template("mensajes_web/efectividad.html", filas=filas, error=None,
                           filtros=filtros, valores=request.args, acreedores=acreedores,
                           dias_min=DIAS_MIN, dias_max=DIAS_MAX)
