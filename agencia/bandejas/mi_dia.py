"""The sections of "Mi día" beside the bandeja table: promises due today, callbacks scheduled
for today, broken promises not yet followed up, whether each caso of the page may be called
right now, and progress against the day's goal.

Every list is limited to the casos of the agent's bandeja (same conditions as the table) and
scoped through `restringir`; each is one query, so the page costs the same with 25 casos or a
million in the database.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from agencia.bandejas.servicios import _condiciones, inicio_del_dia, zona_agencia
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.promesas.modelos import Promesa
from agencia.tenencia import restringir
from agencia.tipos import ahora

LIMITE_SECCION = 10
META_DEFECTO = 60


def _promesas(agente_id: int, acreedor_id: int | None, etapa: str | None, *condiciones):
    stmt = (
        select(Promesa)
        .join(Promesa.caso)
        .join(Caso.deudor)
        .where(*_condiciones(agente_id, etapa), *condiciones)
        .options(contains_eager(Promesa.caso).contains_eager(Caso.deudor))
        .order_by(Promesa.fecha, Promesa.id)
        .limit(LIMITE_SECCION)
    )
    return list(db.session.scalars(restringir(stmt, Caso, acreedor_id)).unique())


def promesas_que_vencen_hoy(agente_id: int, acreedor_id: int | None = None,
                            etapa: str | None = None, momento: datetime | None = None):
    hoy = (momento or ahora()).astimezone(zona_agencia()).date()
    return _promesas(agente_id, acreedor_id, etapa, Promesa.estado == "pendiente",
                     Promesa.fecha == hoy)


def promesas_incumplidas(agente_id: int, acreedor_id: int | None = None,
                         etapa: str | None = None):
    """Broken promises with no gestion on the caso since they broke (the ones to follow up)."""
    return _promesas(agente_id, acreedor_id, etapa, Promesa.estado == "incumplida", or_(
        Caso.ultima_gestion_en.is_(None), Promesa.resuelta_en.is_(None),
        Promesa.resuelta_en > Caso.ultima_gestion_en))


def llamadas_de_hoy(agente_id: int, acreedor_id: int | None = None, etapa: str | None = None,
                    momento: datetime | None = None) -> list[Caso]:
    """Casos with a callback scheduled any time today (agency time), earliest first."""
    inicio = inicio_del_dia(momento)
    stmt = (
        select(Caso)
        .join(Caso.deudor)
        .where(*_condiciones(agente_id, etapa), Caso.volver_a_llamar_en >= inicio,
               Caso.volver_a_llamar_en < inicio + timedelta(days=1))
        .options(contains_eager(Caso.deudor))
        .order_by(Caso.volver_a_llamar_en, Caso.id)
        .limit(LIMITE_SECCION)
    )
    return list(db.session.scalars(restringir(stmt, Caso, acreedor_id)).unique())


def contactabilidad(casos, momento: datetime | None = None) -> dict[int, dict]:
    """caso.id → {"permitido", "texto", "motivos"} for a call right now: "Sí", or
    "No, hasta dd/mm HH:MM" (agency time), or "No" when no time will allow it."""
    from agencia.cumplimiento.motor import evaluar_lote

    zona = zona_agencia()
    resultado = {}
    for caso_id, decision in evaluar_lote(list(casos), "llamada", momento).items():
        if decision.permitido:
            texto = "Sí"
        elif decision.proximo_permitido is not None:
            texto = f"No, hasta {decision.proximo_permitido.astimezone(zona):%d/%m %H:%M}"
        else:
            texto = "No"
        resultado[caso_id] = {"permitido": decision.permitido, "texto": texto,
                              "motivos": "; ".join(decision.motivos)}
    return resultado


def meta_del_dia(gestiones_hoy: int) -> dict:
    """Progress against the day's goal (config AGENTE_META_GESTIONES_DIA, default 60)."""
    meta = int(current_app.config.get("AGENTE_META_GESTIONES_DIA", META_DEFECTO) or 0)
    porcentaje = min(100, round(100 * gestiones_hoy / meta)) if meta > 0 else 0
    return {"meta": meta, "hechas": gestiones_hoy, "porcentaje": porcentaje,
            "cumplida": meta > 0 and gestiones_hoy >= meta}
