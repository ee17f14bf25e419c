"""Portal: placement uploads by the cliente (its own acreedor only).

The same pages as the staff's (agencia/asignaciones/rutas.py holds the view bodies). The
acreedor is always the cliente's own, taken from the session, never from a form field; a
carga of another acreedor is a 404.
"""

from flask import request

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones import rutas as vistas
from agencia.auth.acceso import cliente_requerido
from agencia.extensiones import db
from agencia.portal.rutas import bp
from agencia.tenencia import acreedor_del_usuario


@bp.route("/cargas", methods=["GET", "POST"])
@cliente_requerido
def cargas():
    acreedor_id = acreedor_del_usuario()
    if request.method == "GET":
        return vistas.pagina_cargas("portal", acreedor_id)
    return vistas.subir("portal", db.session.get(Acreedor, acreedor_id), "portal", acreedor_id)


@bp.get("/cargas/<int:carga_id>")
@cliente_requerido
def carga(carga_id: int):
    return vistas.pagina_carga("portal", vistas.carga_o_404(carga_id))


@bp.post("/cargas/<int:carga_id>/confirmar")
@cliente_requerido
def confirmar_carga(carga_id: int):
    return vistas.confirmar("portal", vistas.carga_o_404(carga_id))


@bp.post("/cargas/<int:carga_id>/cancelar")
@cliente_requerido
def cancelar_carga(carga_id: int):
    return vistas.cancelar("portal", vistas.carga_o_404(carga_id))


@bp.get("/cargas/<int:carga_id>/estado.json")
@cliente_requerido
def estado_carga(carga_id: int):
    return vistas.estado("portal", vistas.carga_o_404(carga_id))


@bp.get("/cargas/<int:carga_id>/reporte.csv")
@cliente_requerido
def reporte_carga(carga_id: int):
    return vistas.reporte(vistas.carga_o_404(carga_id))
