"""What the creditor sees on its portal: its portfolio by etapa, its casos, a caso's history.

Every function takes `acreedor_id` explicitly and refuses to run without it: the portal
never shows more than one acreedor. Queries are scoped through `agencia.tenencia.restringir`.
Gestiones reach the portal as (date, channel, outcome) only: agents' notes stay internal.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from agencia.casos.modelos import CANALES, ETAPAS, RESULTADOS, Caso, Gestion, Obligacion
from agencia.casos.servicios import condicion_texto
from agencia.extensiones import db
from agencia.tenencia import restringir


def _exigir(acreedor_id: int | None) -> int:
    if acreedor_id is None:
        raise ValueError("El portal siempre consulta un acreedor concreto")
    return acreedor_id


@dataclass
class FilaEtapa:
    etapa: str
    nombre: str
    casos: int
    saldo: Decimal
    pct_casos: int = 0
    pct_saldo: int = 0


@dataclass
class Resumen:
    casos: int
    saldo: Decimal
    etapas: list[FilaEtapa]


def _porcentaje(parte, total) -> int:
    """Whole percent for the bar width; anything above zero gets at least 1 so it shows."""
    if not total or not parte:
        return 0
    return max(1, round(100 * parte / total))


def resumen_por_etapa(acreedor_id: int) -> Resumen:
    """Casos and saldo per etapa: every etapa listed, in workflow order, zeros included.
    Percentages are of the total, for the bar chart."""
    stmt = select(Caso.etapa, func.count(Caso.id), func.sum(Caso.saldo)).group_by(Caso.etapa)
    filas = db.session.execute(restringir(stmt, Caso, _exigir(acreedor_id))).all()
    por_etapa = {etapa: (cantidad, total or Decimal("0")) for etapa, cantidad, total in filas}
    etapas = [
        FilaEtapa(clave, nombre, *por_etapa.get(clave, (0, Decimal("0"))))
        for clave, nombre in ETAPAS.items()
    ]
    total_casos = sum(fila.casos for fila in etapas)
    total_saldo = sum((fila.saldo for fila in etapas), Decimal("0"))
    for fila in etapas:
        fila.pct_casos = _porcentaje(fila.casos, total_casos)
        fila.pct_saldo = _porcentaje(fila.saldo, total_saldo)
    return Resumen(casos=total_casos, saldo=total_saldo, etapas=etapas)


def consulta_casos(acreedor_id: int, etapa: str | None = None, texto: str | None = None) -> Select:
    """The acreedor's casos, largest saldo first, filtered by etapa and by deudor name,
    document or referencia (a select ready to paginate)."""
    stmt = (
        select(Caso)
        .join(Caso.deudor)
        .options(contains_eager(Caso.deudor))
        .order_by(Caso.saldo.desc(), Caso.id)
    )
    if etapa in ETAPAS:
        stmt = stmt.where(Caso.etapa == etapa)
    if texto:
        stmt = stmt.where(condicion_texto(texto, contactos=False))
    return restringir(stmt, Caso, _exigir(acreedor_id))


def referencias(acreedor_id: int, caso_ids: list[int]) -> dict[int, list[str]]:
    """The obligacion referencias of some casos, in one query."""
    if not caso_ids:
        return {}
    stmt = (
        select(Obligacion.caso_id, Obligacion.referencia)
        .where(Obligacion.caso_id.in_(caso_ids))
        .order_by(Obligacion.caso_id, Obligacion.referencia)
    )
    resultado = defaultdict(list)
    for caso_id, referencia in db.session.execute(restringir(stmt, Obligacion, _exigir(acreedor_id))):
        resultado[caso_id].append(referencia)
    return dict(resultado)


def obligaciones(acreedor_id: int, caso_id: int) -> list[Obligacion]:
    stmt = (
        select(Obligacion)
        .where(Obligacion.caso_id == caso_id)
        .order_by(Obligacion.fecha_vencimiento, Obligacion.id)
    )
    return list(db.session.scalars(restringir(stmt, Obligacion, _exigir(acreedor_id))))


@dataclass(frozen=True)
class GestionResumida:
    """A gestion as the creditor sees it: no note, no agent."""

    creado_en: datetime
    canal: str
    resultado: str


def gestiones_resumidas(acreedor_id: int, caso_id: int, limite: int = 50) -> list[GestionResumida]:
    """The caso's gestiones, newest first. Only these three columns are read, so internal
    notes never leave the database for the portal."""
    stmt = (
        select(Gestion.creado_en, Gestion.canal, Gestion.resultado)
        .where(Gestion.caso_id == caso_id)
        .order_by(Gestion.creado_en.desc(), Gestion.id.desc())
        .limit(limite)
    )
    filas = db.session.execute(restringir(stmt, Gestion, _exigir(acreedor_id)))
    return [
        GestionResumida(creado, CANALES.get(canal, canal), RESULTADOS.get(resultado, resultado))
        for creado, canal, resultado in filas
    ]
