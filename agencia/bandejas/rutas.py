"""The agent's day: figures, the bandeja table, and "Siguiente caso"."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from agencia.acuerdos.servicios import propuestas_en_aprobacion
from agencia.auth.acceso import personal_requerido
from agencia.bandejas import mi_dia as secciones
from agencia.bandejas.reclamo import reclamar_siguiente
from agencia.bandejas.servicios import (
    ROLES_QUE_SUPERVISAN,
    agente_visible,
    agentes_con_bandeja,
    cifras_del_dia,
    consulta_bandeja,
    siguiente_caso,
)
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS
from agencia.extensiones import db
from agencia.tenencia import acreedor_del_usuario

bp = Blueprint("bandejas", __name__)


def _agente():
    return agente_visible(current_user, request.args.get("agente", type=int))


@bp.route("/mi-dia")
@personal_requerido
def mi_dia():
    agente = _agente()
    alcance = acreedor_del_usuario()
    etapa = request.args.get("etapa")
    etapa = etapa if etapa in ETAPAS_ABIERTAS else None
    cifras = cifras_del_dia(agente.id, alcance, fresco=request.args.get("actualizar") == "1")
    # The total comes from the figures (one grouped query), not from a second count.
    pagina = db.paginate(
        consulta_bandeja(agente.id, alcance, etapa),
        page=request.args.get("pagina", 1, type=int),
        per_page=current_app.config["POR_PAGINA"],
        error_out=False,
        count=False,
    )
    pagina.total = cifras["casos_por_etapa"].get(etapa, 0) if etapa else cifras["casos"]
    supervisa = current_user.rol in ROLES_QUE_SUPERVISAN
    return render_template(
        "bandejas/mi_dia.html",
        agente=agente,
        propia=agente.id == current_user.id,
        cifras=cifras,
        meta=secciones.meta_del_dia(cifras["gestiones_hoy"]),
        promesas_hoy=secciones.promesas_que_vencen_hoy(agente.id, alcance, etapa),
        llamadas_hoy=secciones.llamadas_de_hoy(agente.id, alcance, etapa),
        incumplidas=secciones.promesas_incumplidas(agente.id, alcance, etapa),
        acuerdos_en_aprobacion=propuestas_en_aprobacion(agente.id),
        contactable=secciones.contactabilidad(pagina.items),
        pagina=pagina,
        etapa=etapa,
        etapas={clave: ETAPAS[clave] for clave in ETAPAS_ABIERTAS},
        agentes=agentes_con_bandeja() if supervisa else [],
    )


@bp.route("/mi-dia/siguiente")
@personal_requerido
def siguiente():
    """Claims the next caso of the user's own bandeja. A supervisor looking at another
    agent's bandeja only opens its top caso: claims are the agent's own."""
    agente = _agente()
    etapa = request.args.get("etapa")
    etapa = etapa if etapa in ETAPAS_ABIERTAS else None
    if agente.id == current_user.id:
        caso = reclamar_siguiente(agente.id, etapa=etapa)
        db.session.commit()
    else:
        caso = siguiente_caso(agente.id, acreedor_del_usuario())
    if caso is None:
        flash("No quedan casos por gestionar hoy en la bandeja"
              + (f" para la etapa {ETAPAS[etapa]}." if etapa else "."), "info")
        otro = agente.id if agente.id != current_user.id else None
        return redirect(url_for("bandejas.mi_dia", agente=otro, etapa=etapa))
    return redirect(url_for("casos.detalle", caso_id=caso.id))
