"""GET /salud: public health check for load balancers and monitoring (no login)."""

from flask import Blueprint

from agencia.salud.servicios import resumen

bp = Blueprint("salud", __name__)


@bp.get("/salud")
def salud():
    datos = resumen()
    codigo = 200 if datos["estado"] == "ok" else 503
    return datos, codigo, {"Cache-Control": "no-store"}
