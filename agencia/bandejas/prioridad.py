"""The bandeja's priority score: which caso an agent should work first. Higher comes first.

    prioridad = Σ peso[k] × puntos[k]            (rounded to an integer)

| k | puntos (with weight 1) |
|---|---|
| saldo | 100 × log10(1 + saldo): $ 1.000.000 → 600, $ 100.000.000 → 800 |
| mora | 10 per day past due, up to 360 days (3.600) |
| sin_contacto | 20 per day since the last gestion, up to 30 days (600); never contacted: 600 |
| promesa_hoy | 8.000 when a pendiente promise falls due today |
| promesa_incumplida | 20.000 while a broken promise has not been followed up (no gestion since it was declared broken) — "a broken promise puts the caso at the top"; once followed up, 1.000 per broken promise (up to 3) |
| volver_a_llamar | 30.000 when a scheduled callback is due (volver_a_llamar_en ≤ now) |
| contactable | +500 when the deudor may be called right now under the contact policy |
| bloqueado | −50.000 when the policy blocks a call right now (hours, caps, no consent): the caso sinks below every callable one, and comes back at the next recalculation once allowed |

So a due callback beats an unattended broken promise, which beats a promise due today, which
beats the ordinary order by days past due and saldo; a caso the agent cannot call now goes to the
bottom. Weights are multipliers per acreedor (Acreedor.pesos_prioridad, JSON, keys of
PESOS_DEFECTO, non-negative numbers; a missing key keeps its default); 0 switches a component off.

The score is stored in Caso.prioridad and recalculated every 15 minutes by a periodic job
(`recalcular_prioridades`, 1.000 casos per batch, promises counted with grouped queries, the policy
evaluated with `evaluar_lote`), and for one caso by `actualizar_prioridad` (the importer).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from numbers import Real

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from agencia.acreedores.modelos import Acreedor
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db
from agencia.tipos import ahora

TOPE_DIAS = 360
TOPE_SIN_CONTACTO = 30
TOPE_INCUMPLIDAS = 3
LOTE = 1000
PUNTOS = {
    "mora": 10,  # per day
    "sin_contacto": 20,  # per day
    "promesa_hoy": 8_000,
    "promesa_incumplida": 20_000,
    "promesa_incumplida_atendida": 1_000,
    "volver_a_llamar": 30_000,
    "contactable": 500,
    "bloqueado": -50_000,
}
PESOS_DEFECTO = {
    "saldo": 1.0,
    "mora": 1.0,
    "sin_contacto": 1.0,
    "promesa_hoy": 1.0,
    "promesa_incumplida": 1.0,
    "volver_a_llamar": 1.0,
    "contactable": 1.0,
    "bloqueado": 1.0,
}
PESO_MAXIMO = 100


@dataclass
class Hechos:
    """What the score of one caso depends on."""

    saldo: Decimal
    vencimiento: date | None
    ultima_gestion_en: datetime | None = None
    volver_a_llamar_en: datetime | None = None
    promesas_hoy: int = 0
    incumplidas_sin_atender: int = 0
    incumplidas_atendidas: int = 0
    contactable: bool | None = None  # None: not evaluated


def validar_pesos(pesos) -> list[str]:
    """The problems of a pesos_prioridad value, in Spanish ([] when valid)."""
    if pesos is None:
        return []
    if not isinstance(pesos, dict):
        return ["Los pesos de prioridad deben ser un objeto con un número por componente."]
    errores = []
    for clave, valor in pesos.items():
        if clave not in PESOS_DEFECTO:
            errores.append(f"Componente de prioridad desconocido: «{clave}». Los válidos son: "
                           + ", ".join(PESOS_DEFECTO) + ".")
        elif isinstance(valor, bool) or not isinstance(valor, Real) or math.isnan(valor):
            errores.append(f"El peso de «{clave}» debe ser un número.")
        elif not 0 <= valor <= PESO_MAXIMO:
            errores.append(f"El peso de «{clave}» debe estar entre 0 y {PESO_MAXIMO}.")
    return errores


def pesos_de(acreedor: Acreedor | None) -> dict:
    """The acreedor's weights over the defaults (invalid stored values are ignored)."""
    pesos = dict(PESOS_DEFECTO)
    propios = getattr(acreedor, "pesos_prioridad", None) or {}
    if isinstance(propios, dict) and not validar_pesos(propios):
        pesos.update({k: float(v) for k, v in propios.items()})
    return pesos


def puntuar(h: Hechos, pesos: dict, momento: datetime, hoy: date) -> int:
    """The score of one caso from its facts (pure: no queries)."""
    dias_mora = max(0, (hoy - h.vencimiento).days) if h.vencimiento else 0
    if h.ultima_gestion_en is None:
        dias_sin_contacto = TOPE_SIN_CONTACTO
    else:
        dias_sin_contacto = max(0, (momento - h.ultima_gestion_en).days)
    incumplida = (PUNTOS["promesa_incumplida"] if h.incumplidas_sin_atender else 0) + (
        PUNTOS["promesa_incumplida_atendida"] * min(h.incumplidas_atendidas, TOPE_INCUMPLIDAS))
    puntos = {
        "saldo": 100 * math.log10(1 + max(float(h.saldo or 0), 0.0)),
        "mora": PUNTOS["mora"] * min(dias_mora, TOPE_DIAS),
        "sin_contacto": PUNTOS["sin_contacto"] * min(dias_sin_contacto, TOPE_SIN_CONTACTO),
        "promesa_hoy": PUNTOS["promesa_hoy"] if h.promesas_hoy else 0,
        "promesa_incumplida": incumplida,
        "volver_a_llamar": PUNTOS["volver_a_llamar"] if (
            h.volver_a_llamar_en is not None and h.volver_a_llamar_en <= momento) else 0,
        "contactable": PUNTOS["contactable"] if h.contactable is True else 0,
        "bloqueado": PUNTOS["bloqueado"] if h.contactable is False else 0,
    }
    return round(sum(pesos[k] * v for k, v in puntos.items()))


def calcular_prioridad(saldo: Decimal, vencimiento: date | None, hoy: date | None = None) -> int:
    """The score from saldo and days past due alone (a caso with no history yet)."""
    hoy = hoy or date.today()
    return puntuar(Hechos(saldo, vencimiento), PESOS_DEFECTO, ahora(), hoy)


def _hoy(momento: datetime) -> date:
    from agencia.bandejas.servicios import zona_agencia

    return momento.astimezone(zona_agencia()).date()


def _promesas(caso_ids: list[int], hoy: date) -> dict[int, tuple[int, int, int]]:
    """caso_id → (due today, broken not followed up, broken followed up), one grouped query."""
    from agencia.promesas.modelos import Promesa

    incumplida = Promesa.estado == "incumplida"
    sin_atender = and_(incumplida, or_(Caso.ultima_gestion_en.is_(None),
                                       Promesa.resuelta_en.is_(None),
                                       Promesa.resuelta_en > Caso.ultima_gestion_en))
    uno = lambda condicion: func.sum(case((condicion, 1), else_=0))  # noqa: E731
    filas = db.session.execute(
        select(Promesa.caso_id,
               uno(and_(Promesa.estado == "pendiente", Promesa.fecha == hoy)),
               uno(sin_atender),
               uno(and_(incumplida, ~sin_atender)))
        .join(Caso, Caso.id == Promesa.caso_id)
        .where(Promesa.caso_id.in_(caso_ids), Promesa.estado.in_(("pendiente", "incumplida")))
        .group_by(Promesa.caso_id)
    ).all()
    return {caso_id: (int(a or 0), int(b or 0), int(c or 0)) for caso_id, a, b, c in filas}


def _contactables(casos: list[Caso], momento: datetime) -> dict[int, bool]:
    from agencia.cumplimiento.motor import evaluar_lote

    return {caso_id: d.permitido for caso_id, d in evaluar_lote(casos, "llamada", momento).items()}


def _puntuar_lote(casos: list[Caso], momento: datetime, con_politica: bool = True) -> dict:
    hoy = _hoy(momento)
    ids = [c.id for c in casos]
    promesas = _promesas(ids, hoy)
    contactables = _contactables(casos, momento) if con_politica else {}
    pesos: dict[int, dict] = {}
    resultado = {}
    for caso in casos:
        if caso.acreedor_id not in pesos:
            pesos[caso.acreedor_id] = pesos_de(caso.acreedor)
        hoy_, sin_atender, atendidas = promesas.get(caso.id, (0, 0, 0))
        hechos = Hechos(caso.saldo or Decimal(0), caso.vencimiento, caso.ultima_gestion_en,
                        caso.volver_a_llamar_en, hoy_, sin_atender, atendidas,
                        contactables.get(caso.id))
        resultado[caso.id] = puntuar(hechos, pesos[caso.acreedor_id], momento, hoy)
    return resultado


def recalcular_prioridades(acreedor_id: int | None = None, caso_ids=None,
                           momento: datetime | None = None, *, lote: int = LOTE,
                           al_terminar_lote: Callable[[], None] | None = None) -> int:
    """Recomputes the score of the open casos (of one acreedor, or the given ids), `lote` at a
    time in id order; writes only the scores that changed. Returns how many changed.
    Flushes each batch; `al_terminar_lote` (the job: commit) runs after each one."""
    momento = momento or ahora()
    cambiados, ultimo = 0, 0
    ids = sorted(set(caso_ids)) if caso_ids is not None else None
    while True:
        stmt = (select(Caso).where(Caso.etapa.in_(ETAPAS_ABIERTAS), Caso.id > ultimo)
                .options(joinedload(Caso.acreedor), joinedload(Caso.deudor))
                .order_by(Caso.id).limit(lote))
        if acreedor_id is not None:
            stmt = stmt.where(Caso.acreedor_id == acreedor_id)
        if ids is not None:
            trozo = [i for i in ids if i > ultimo][:lote]
            if not trozo:
                break
            stmt = stmt.where(Caso.id.in_(trozo))
        casos = list(db.session.scalars(stmt).unique())
        if not casos:
            break
        ultimo = casos[-1].id
        valores = _puntuar_lote(casos, momento)
        for caso in casos:
            valor = valores[caso.id]
            if caso.prioridad != valor:
                caso.prioridad = valor
                cambiados += 1
        db.session.flush()
        if al_terminar_lote is not None:
            al_terminar_lote()
        if ids is None and len(casos) < lote:
            break
    return cambiados


def actualizar_prioridad(caso: Caso, hoy: date | None = None, *,
                         momento: datetime | None = None) -> None:
    """The score of one caso, with every component. A caso not yet in the database (a new
    placement) has no promises nor history: only saldo, days past due and callbacks count,
    and the contact policy is weighed at the next recalculation."""
    momento = momento or ahora()
    if caso.id is None:
        hechos = Hechos(caso.saldo or Decimal(0), caso.vencimiento, caso.ultima_gestion_en,
                        caso.volver_a_llamar_en)
        with db.session.no_autoflush:
            acreedor = caso.acreedor if "acreedor" in caso.__dict__ else (
                db.session.get(Acreedor, caso.acreedor_id) if caso.acreedor_id else None)
        caso.prioridad = puntuar(hechos, pesos_de(acreedor), momento, hoy or _hoy(momento))
        return
    caso.prioridad = _puntuar_lote([caso], momento)[caso.id]
