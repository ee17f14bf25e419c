"""Running the contact plans: the scheduled job's work.

For each active plan, each open caso of its acreedor in its etapa is at day N of its stay
(the deudor's local date now minus the local date it entered the etapa). The due step is the
latest one with dia <= N (all steps of that day, one per channel); earlier steps not run for
this entry are recorded omitido "reemplazado por el paso del día N": a caso seen late gets
one step, never a burst. Each run is written once (EjecucionPaso.clave, in a SAVEPOINT), so
the job may run any number of times and concurrently.

A message step queues a Mensaje (origen "estrategia") in the outbox, whose sender applies the
contact policy at send time (a blocked message waits for the next allowed slot). A letter step
requests a Carta and queues its generation after the batch is committed. Casos in disputa or
whose deudor asked not to be contacted get the step recorded omitido with the reason.

Casos are read `lote` at a time in id order; the existing runs of a batch are read in one
query, so casos whose due step already ran cost nothing more.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.deudores.modelos import Deudor
from agencia.estrategias.modelos import EjecucionPaso, Estrategia
from agencia.extensiones import db
from agencia.tipos import ahora

log = logging.getLogger(__name__)

LOTE = 500
ORIGEN = "estrategia"


@dataclass(frozen=True)
class Paso:
    dia: int
    canal: str
    plantilla: str


@dataclass(frozen=True)
class Plan:
    """A plan read once per run (plain data: it survives the job's commits)."""

    id: int
    acreedor_id: int
    etapa: str
    zona: str
    pasos: tuple[Paso, ...]


def clave(estrategia_id: int, caso_id: int, etapa_desde: datetime, dia: int, canal: str) -> str:
    return f"{ORIGEN}:{estrategia_id}:{caso_id}:{int(_utc(etapa_desde).timestamp())}:{dia}:{canal}"


def _utc(momento: datetime) -> datetime:
    return momento.replace(tzinfo=UTC) if momento.tzinfo is None else momento.astimezone(UTC)


def _zona(nombre: str | None, defecto: str) -> ZoneInfo:
    for candidato in (nombre, defecto, "America/Bogota"):
        if candidato:
            try:
                return ZoneInfo(candidato)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")  # pragma: no cover


def dias_en_etapa(etapa_desde: datetime, momento: datetime, zona: ZoneInfo) -> int:
    """Local calendar days since the caso entered its etapa (0 = that same day)."""
    return (_utc(momento).astimezone(zona).date() - _utc(etapa_desde).astimezone(zona).date()).days


def pasos_del_dia(pasos: tuple[Paso, ...], dias: int) -> tuple[list[Paso], list[Paso]]:
    """(due steps, earlier steps) at day `dias`: the due ones are every step of the latest
    day <= dias; the earlier ones, the steps before that day."""
    anteriores = [p for p in pasos if p.dia <= dias]
    if not anteriores:
        return [], []
    ultimo = max(p.dia for p in anteriores)
    return ([p for p in anteriores if p.dia == ultimo], [p for p in anteriores if p.dia < ultimo])


def _planes() -> list[Plan]:
    defecto = current_app.config.get("TZ_DEFAULT", "America/Bogota")
    filas = db.session.scalars(
        select(Estrategia).where(Estrategia.activa.is_(True),
                                 Estrategia.etapa.in_(ETAPAS_ABIERTAS))
        .options(joinedload(Estrategia.pasos), joinedload(Estrategia.acreedor))
        .order_by(Estrategia.id)).unique()
    return [Plan(e.id, e.acreedor_id, e.etapa, e.acreedor.zona_horaria or defecto,
                 tuple(Paso(p.dia, p.canal, p.plantilla) for p in e.pasos))
            for e in filas if e.pasos and e.acreedor.activo is not False]


def ejecutar_estrategias(momento: datetime | None = None, *, lote: int = LOTE,
                         al_terminar_lote: Callable[[], None] | None = None) -> dict:
    """Runs every active plan at `momento` (default now). Returns counts: casos (that got a
    new run), encolado, omitido (the due steps) and reemplazado (earlier steps skipped).
    Flushes each batch; `al_terminar_lote` (the job: commit) runs after each one, then the
    batch's letters are queued."""
    momento = _utc(momento) if momento else ahora()
    cuenta = {"casos": 0, "encolado": 0, "omitido": 0, "reemplazado": 0}
    for plan in _planes():
        _ejecutar_plan(plan, momento, lote, al_terminar_lote, cuenta)
    return cuenta


def _ejecutar_plan(plan: Plan, momento: datetime, lote: int, al_terminar_lote, cuenta) -> None:
    ultimo = 0
    while True:
        filas = db.session.execute(
            select(Caso.id, Caso.etapa_desde, Deudor.zona_horaria)
            .join(Deudor, Deudor.id == Caso.deudor_id)
            .where(Caso.acreedor_id == plan.acreedor_id, Caso.etapa == plan.etapa,
                   Caso.etapa_desde.is_not(None), Caso.id > ultimo)
            .order_by(Caso.id).limit(lote)).all()
        if not filas:
            return
        ultimo = filas[-1].id
        pendientes = _pendientes(plan, filas, momento)
        cartas: list[int] = []
        if pendientes:
            casos = {c.id: c for c in db.session.scalars(
                select(Caso).where(Caso.id.in_(list(pendientes)))
                .options(joinedload(Caso.deudor), joinedload(Caso.acreedor))).unique()}
            for caso_id, (etapa_desde, debidos, anteriores) in pendientes.items():
                caso = casos.get(caso_id)
                if caso is None or caso.etapa != plan.etapa:
                    continue
                _ejecutar_caso(plan, caso, etapa_desde, debidos, anteriores, momento, cuenta,
                               cartas)
            db.session.flush()
        if al_terminar_lote is not None:
            al_terminar_lote()
        if cartas:
            _encolar_cartas(cartas)
            if al_terminar_lote is not None:
                al_terminar_lote()
        if len(filas) < lote:
            return


def _pendientes(plan: Plan, filas, momento: datetime) -> dict:
    """{caso_id: (etapa_desde, due steps, earlier steps)} of the casos with a due step not
    run yet for this entry (one query for the batch's existing runs)."""
    candidatos = {}
    for fila in filas:
        dias = dias_en_etapa(fila.etapa_desde, momento, _zona(fila.zona_horaria, plan.zona))
        debidos, anteriores = pasos_del_dia(plan.pasos, dias)
        if debidos:
            candidatos[fila.id] = (fila.etapa_desde, debidos, anteriores)
    if not candidatos:
        return {}
    hechas = set(db.session.scalars(select(EjecucionPaso.clave).where(
        EjecucionPaso.estrategia_id == plan.id,
        EjecucionPaso.caso_id.in_(list(candidatos)))))
    return {caso_id: datos for caso_id, datos in candidatos.items()
            if any(clave(plan.id, caso_id, datos[0], p.dia, p.canal) not in hechas
                   for p in datos[1])}


def _ejecutar_caso(plan: Plan, caso: Caso, etapa_desde: datetime, debidos: list[Paso],
                   anteriores: list[Paso], momento: datetime, cuenta: dict,
                   cartas: list[int]) -> None:
    from agencia.mensajes.envio import motivo_del_caso

    nuevo = False
    dia = debidos[0].dia
    for paso in anteriores:
        if _registrar(plan, caso, etapa_desde, paso, "omitido",
                      f"reemplazado por el paso del día {dia}"):
            cuenta["reemplazado"] += 1
    motivo = motivo_del_caso(caso)
    for paso in debidos:
        k = clave(plan.id, caso.id, etapa_desde, paso.dia, paso.canal)
        if db.session.scalar(select(EjecucionPaso.id).where(EjecucionPaso.clave == k)):
            continue
        if motivo:
            hecho = _registrar(plan, caso, etapa_desde, paso, "omitido", motivo)
        elif paso.canal == "carta":
            hecho = _paso_carta(plan, caso, etapa_desde, paso, cartas)
        else:
            hecho = _paso_mensaje(plan, caso, etapa_desde, paso, momento)
        if hecho is not None:
            nuevo = True
            cuenta[hecho.estado] += 1
    if nuevo:
        cuenta["casos"] += 1


def _registrar(plan: Plan, caso: Caso, etapa_desde: datetime, paso: Paso, estado: str,
               motivo: str | None = None, **enlaces) -> EjecucionPaso | None:
    """Writes the run in a SAVEPOINT; None if it was already written (by another run)."""
    ejecucion = EjecucionPaso(
        acreedor_id=caso.acreedor_id, estrategia_id=plan.id, caso_id=caso.id,
        clave=clave(plan.id, caso.id, etapa_desde, paso.dia, paso.canal), etapa=plan.etapa,
        dia=paso.dia, canal=paso.canal, plantilla=paso.plantilla, estado=estado,
        motivo=motivo[:2000] if motivo else None, creado_en=ahora(), **enlaces)
    try:
        with db.session.begin_nested():
            db.session.add(ejecucion)
            db.session.flush()
    except IntegrityError:
        return None
    return ejecucion


def _paso_mensaje(plan: Plan, caso: Caso, etapa_desde: datetime, paso: Paso,
                  momento: datetime) -> EjecucionPaso | None:
    """Queues the message and writes the run, both in one SAVEPOINT (a run written meanwhile
    by someone else undoes our message too)."""
    from agencia.cartas.editor import renderizar_mensaje
    from agencia.mensajes.servicios import encolar_mensaje

    k = clave(plan.id, caso.id, etapa_desde, paso.dia, paso.canal)
    try:
        asunto, texto, _ = renderizar_mensaje(paso.plantilla, caso)
    except Exception as error:  # a broken acreedor version must not stop the run
        log.warning("Estrategia %s, caso %s: no se pudo preparar %s: %s", plan.id, caso.id,
                    paso.plantilla, error)
        return _registrar(plan, caso, etapa_desde, paso, "omitido",
                          f"no se pudo preparar el mensaje con la plantilla {paso.plantilla}")
    try:
        with db.session.begin_nested():
            mensaje = encolar_mensaje(caso, paso.canal, paso.plantilla, k, asunto=asunto,
                                      cuerpo=texto, origen=ORIGEN, programado_para=momento)
            omitido = mensaje.estado == "omitido"
            ejecucion = EjecucionPaso(
                acreedor_id=caso.acreedor_id, estrategia_id=plan.id, caso_id=caso.id,
                clave=k, etapa=plan.etapa, dia=paso.dia, canal=paso.canal,
                plantilla=paso.plantilla, estado="omitido" if omitido else "encolado",
                motivo=mensaje.motivo if omitido else None, mensaje_id=mensaje.id,
                creado_en=ahora())
            db.session.add(ejecucion)
            db.session.flush()
    except IntegrityError:
        return None
    return ejecucion


def _paso_carta(plan: Plan, caso: Caso, etapa_desde: datetime, paso: Paso,
                cartas: list[int]) -> EjecucionPaso | None:
    """Requests the letter and writes the run in one SAVEPOINT; the letter is queued after
    the batch is committed (the worker must find it)."""
    from agencia.cartas.servicios import ErrorCarta, solicitar_carta

    k = clave(plan.id, caso.id, etapa_desde, paso.dia, paso.canal)
    try:
        with db.session.begin_nested():
            carta = solicitar_carta(caso.id, paso.plantilla, None)
            db.session.flush()
            ejecucion = EjecucionPaso(
                acreedor_id=caso.acreedor_id, estrategia_id=plan.id, caso_id=caso.id,
                clave=k, etapa=plan.etapa, dia=paso.dia, canal=paso.canal,
                plantilla=paso.plantilla, estado="encolado", carta_id=carta.id,
                creado_en=ahora())
            db.session.add(ejecucion)
            db.session.flush()
    except IntegrityError:
        return None
    except ErrorCarta as error:
        return _registrar(plan, caso, etapa_desde, paso, "omitido", str(error))
    cartas.append(carta.id)
    return ejecucion


def _encolar_cartas(carta_ids: list[int]) -> None:
    """Queues the generation of committed letters; with Redis down they stay pendiente and
    the periodic reencolar_atascadas queues them later."""
    from agencia.cartas.modelos import Carta
    from agencia.cartas.servicios import CartaSinCola, encolar_carta

    for carta_id in carta_ids:
        carta = db.session.get(Carta, carta_id)
        if carta is None or carta.estado != "pendiente":
            continue
        try:
            encolar_carta(carta)
        except CartaSinCola:
            log.warning("Cola no disponible: %d cartas de estrategias quedan pendientes",
                        len(carta_ids))
            return



def motivo_obsoleto(mensaje) -> str | None:
    """Why a strategy's message is no longer owed when it is about to go out (None if it
    still is): the caso left the etapa of the plan, or left it and came back (a new run of
    the plan has its own messages)."""
    partes = (mensaje.clave or "").split(":")
    if len(partes) != 6 or partes[0] != ORIGEN or not partes[3].lstrip("-").isdigit():
        return None
    ejecucion = db.session.scalars(
        select(EjecucionPaso).where(EjecucionPaso.clave == mensaje.clave)).first()
    caso = mensaje.caso
    if ejecucion is not None and caso.etapa != ejecucion.etapa:
        return f"el caso ya no está en la etapa del plan ({caso.nombre_etapa})"
    if caso.etapa_desde is None or int(_utc(caso.etapa_desde).timestamp()) != int(partes[3]):
        return "el caso salió de la etapa y volvió a entrar: el plan empezó de nuevo"
    return None
