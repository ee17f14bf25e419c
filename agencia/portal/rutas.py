"""The creditor's portal: its portfolio at a glance, its casos, one caso's history.

Every view runs for a cliente only and asks the services for the cliente's own acreedor.
"""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from agencia.auth.acceso import cliente_requerido
from agencia.casos.modelos import ETAPAS, Caso
from agencia.casos.servicios import MINIMO_BUSQUEDA, texto_buscable, totales
from agencia.extensiones import db
from agencia.portal import servicios
from agencia.tenencia import acreedor_del_usuario, obtener_o_404

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@cliente_requerido
def inicio():
    resumen = servicios.resumen_por_etapa(acreedor_del_usuario())
    return render_template("portal/inicio.html", resumen=resumen,
                           moneda=current_user.acreedor.moneda)


@bp.route("/casos")
@cliente_requerido
def casos():
    acreedor_id = acreedor_del_usuario()
    etapa = request.args.get("etapa")
    etapa = etapa if etapa in ETAPAS else None
    q = (request.args.get("q") or "").strip()
    pagina = db.paginate(
        servicios.consulta_casos(acreedor_id, etapa, texto_buscable(q)),
        page=request.args.get("pagina", 1, type=int),
        per_page=current_app.config["POR_PAGINA"],
        error_out=False,
    )
    return render_template(
        "portal/casos.html",
        pagina=pagina,
        referencias=servicios.referencias(acreedor_id, [caso.id for caso in pagina.items]),
        etapa=etapa,
        q=q,
        q_corta=bool(q) and texto_buscable(q) is None,
        minimo=MINIMO_BUSQUEDA,
        etapas=ETAPAS,
        moneda=current_user.acreedor.moneda,
    )


@bp.route("/casos/<int:caso_id>")
@cliente_requerido
def caso(caso_id: int):
    acreedor_id = acreedor_del_usuario()
    caso = obtener_o_404(Caso, caso_id)
    obligaciones = servicios.obligaciones(acreedor_id, caso.id)
    return render_template(
        "portal/caso.html",
        caso=caso,
        obligaciones=obligaciones,
        totales=totales(obligaciones),
        gestiones=servicios.gestiones_resumidas(acreedor_id, caso.id),
        moneda=current_user.acreedor.moneda,
    )
