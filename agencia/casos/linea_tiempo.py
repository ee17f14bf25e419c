"""The caso's history on one list: gestiones, cartas, promesas, pagos, stage changes and
reassignments, newest first — what the caso page shows so the agent never leaves it.

Each source gives its latest `limite` rows (cheap on indexed caso_id columns); they are merged
and cut to `limite`. The caller has loaded the caso through the tenant helpers, so every row
read here belongs to a caso the user may see.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from agencia.auditoria.modelos import Auditoria
from agencia.auth.modelos import Usuario
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import DIRECCIONES, ETAPAS, CambioEtapa, Gestion
from agencia.extensiones import db
from agencia.pagos.modelos import METODOS_PAGO, Pago
from agencia.promesas.modelos import Promesa


@dataclass(frozen=True)
class Evento:
    momento: datetime  # aware UTC
    tipo: str  # gestion, carta, promesa, pago, etapa, reasignacion (also the CSS class)
    titulo: str
    detalle: str = ""
    usuario: str = ""
    monto: object = None  # Decimal shown with the caso's currency
    estado: str = ""


def _nombres(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    filas = db.session.execute(select(Usuario.id, Usuario.nombre).where(Usuario.id.in_(ids)))
    return {ident: nombre for ident, nombre in filas}


def _ultimos(modelo, caso_id: int, limite: int, orden=None):
    orden = orden if orden is not None else modelo.creado_en
    return list(db.session.scalars(select(modelo).where(modelo.caso_id == caso_id)
                                   .order_by(orden.desc(), modelo.id.desc()).limit(limite)))


def linea_de_tiempo(caso_id: int, limite: int = 50) -> list[Evento]:
    eventos: list[Evento] = []
    gestiones = list(db.session.scalars(
        select(Gestion).where(Gestion.caso_id == caso_id).options(joinedload(Gestion.usuario))
        .order_by(Gestion.creado_en.desc(), Gestion.id.desc()).limit(limite)))
    for g in gestiones:
        eventos.append(Evento(
            g.creado_en, "gestion", f"{g.nombre_canal} {DIRECCIONES.get(g.direccion, '').lower()}"
            f" · {g.nombre_resultado}", g.nota or "",
            g.usuario.nombre if g.usuario else "Sistema"))
    for c in _ultimos(Carta, caso_id, limite):
        eventos.append(Evento(c.creado_en, "carta", f"Carta: {c.nombre_plantilla}",
                              estado=c.nombre_estado))
    promesas = _ultimos(Promesa, caso_id, limite)
    pagos = _ultimos(Pago, caso_id, limite)
    cambios = _ultimos(CambioEtapa, caso_id, limite)
    reasignaciones = list(db.session.scalars(
        select(Auditoria).where(Auditoria.entidad == "caso", Auditoria.entidad_id == caso_id,
                                Auditoria.accion == "caso.reasignar")
        .order_by(Auditoria.creado_en.desc(), Auditoria.id.desc()).limit(limite)))
    ids = [p.creado_por for p in promesas] + [p.registrado_por for p in pagos]
    ids += [c.usuario_id for c in cambios] + [a.usuario_id for a in reasignaciones]
    for a in reasignaciones:
        for lado in (a.antes or {}, a.despues or {}):
            if isinstance(lado.get("agente_id"), int):
                ids.append(lado["agente_id"])
    nombres = _nombres(ids)
    for p in promesas:
        eventos.append(Evento(
            p.creado_en, "promesa", f"Promesa de pago para el {p.fecha:%d/%m/%Y}",
            f"Pagado hasta ahora: {p.monto_pagado}" if p.monto_pagado else "",
            nombres.get(p.creado_por, ""), p.monto, p.nombre_estado))
    for p in pagos:
        eventos.append(Evento(
            p.creado_en or datetime.combine(p.fecha, time.min, tzinfo=UTC), "pago",
            f"Pago del {p.fecha:%d/%m/%Y} ({METODOS_PAGO.get(p.metodo, p.metodo)})",
            f"Referencia {p.referencia_bancaria}", nombres.get(p.registrado_por, "Sistema"),
            p.monto))
    for c in cambios:
        eventos.append(Evento(
            c.creado_en, "etapa",
            f"Etapa: {ETAPAS.get(c.desde, c.desde)} → {ETAPAS.get(c.hacia, c.hacia)}",
            c.motivo or "", nombres.get(c.usuario_id, "Sistema")))
    for a in reasignaciones:
        antes = nombres.get((a.antes or {}).get("agente_id"), "sin asignar")
        despues = nombres.get((a.despues or {}).get("agente_id"), "sin asignar")
        motivo = (a.despues or {}).get("motivo") or ""
        eventos.append(Evento(a.creado_en, "reasignacion", f"Reasignado: {antes} → {despues}",
                              motivo, nombres.get(a.usuario_id, "")))
    eventos.sort(key=lambda e: e.momento, reverse=True)
    return eventos[:limite]
