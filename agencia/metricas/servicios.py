"""Asking for the rollups of a period (a CalculoMetricas run computed by an RQ job) and
following its progress. The computation itself is agencia.metricas.calculo.

    solicitar_calculo(desde, hasta, usuario_id) → pendiente, committed, job queued
    progreso(calculo)                           → 0–100 for the progress bar
    ultimo_calculo()                            → the latest run (None if there is none)
    reencolar_pendientes()                      periodic: runs whose job never reached Redis
"""

from datetime import date, timedelta

from sqlalchemy import select

from agencia.auditoria.servicios import registrar
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.metricas.calculo import hoy_local
from agencia.metricas.modelos import CalculoMetricas
from agencia.tipos import ahora
from colas.conexion import ColaNoDisponible, encolar

MAXIMO_DIAS = 366
ESTADOS_EN_CURSO = ("pendiente", "calculando")


class PeriodoInvalido(EntradaInvalida):
    """The period asked for is wrong; nothing was stored."""


class CalculoSinCola(Exception):
    """The run was stored (pendiente), but Redis does not answer (message for the user)."""


def validar_periodo(desde: date | None, hasta: date | None) -> None:
    """Raises PeriodoInvalido (campo desde / hasta) when the period cannot be computed."""
    if desde is None:
        raise PeriodoInvalido("desde", "Indique la fecha inicial del periodo.")
    if hasta is None:
        raise PeriodoInvalido("hasta", "Indique la fecha final del periodo.")
    if desde > hasta:
        raise PeriodoInvalido("desde", "La fecha inicial no puede ser posterior a la final.")
    if hasta > hoy_local():
        raise PeriodoInvalido("hasta", "La fecha final no puede ser posterior a hoy.")
    if (hasta - desde).days + 1 > MAXIMO_DIAS:
        raise PeriodoInvalido(
            "desde", f"El periodo puede tener como máximo {MAXIMO_DIAS} días.")


def dias_del_periodo(calculo: CalculoMetricas) -> int:
    return (calculo.hasta - calculo.desde).days + 1


def solicitar_calculo(desde: date, hasta: date, usuario_id: int | None) -> CalculoMetricas:
    """Stores a pendiente run, audits it, commits (the job must find it) and queues the job.
    Raises PeriodoInvalido (nothing stored) or CalculoSinCola (the run stays pendiente and
    the periodic `reencolar_pendientes` queues it when Redis answers again)."""
    validar_periodo(desde, hasta)
    calculo = CalculoMetricas(desde=desde, hasta=hasta, estado="pendiente",
                              solicitado_por=usuario_id)
    db.session.add(calculo)
    db.session.flush()
    registrar("metricas.calcular", "calculo_metricas", calculo.id, usuario_id=usuario_id,
              despues={"desde": desde, "hasta": hasta, "estado": "pendiente"})
    db.session.commit()
    encolar_calculo(calculo)
    db.session.commit()
    return calculo


def encolar_calculo(calculo: CalculoMetricas) -> str:
    """Queues the job and keeps its id (flushes). Raises CalculoSinCola when Redis is down."""
    from colas.trabajos.metricas import calcular_metricas_job

    try:
        job = encolar(calcular_metricas_job, calculo.id)
    except ColaNoDisponible as error:
        raise CalculoSinCola(
            "El cálculo quedó registrado, pero el servicio de tareas no responde en este "
            "momento. Se hará automáticamente cuando el servicio vuelva."
        ) from error
    calculo.job_id = job.id
    db.session.flush()
    return job.id


def reencolar_pendientes(limite: int = 20) -> int:
    """Queues again runs pendiente or calculando whose job is not alive in Redis (never
    queued because Redis was down, or the worker died). The computation is idempotent."""
    from colas.conexion import trabajo_vivo

    calculos = db.session.scalars(
        select(CalculoMetricas).where(CalculoMetricas.estado.in_(ESTADOS_EN_CURSO))
        .order_by(CalculoMetricas.id).limit(limite)
    ).all()
    reencolados = 0
    for calculo in calculos:
        if trabajo_vivo(calculo.job_id):
            continue
        encolar_calculo(calculo)
        reencolados += 1
    return reencolados


def progreso(calculo: CalculoMetricas) -> int:
    """Percentage done (0–100); 100 only once the run is listo."""
    if calculo.estado == "listo":
        return 100
    total = dias_del_periodo(calculo)
    if total <= 0:
        return 0
    # The placement batches are computed after the last day: not 100 % until listo.
    return max(0, min(99, 100 * calculo.dias_hechos // total))


def ultimo_calculo() -> CalculoMetricas | None:
    return db.session.scalar(select(CalculoMetricas).order_by(CalculoMetricas.id.desc())
                             .limit(1))


# ---- used by the jobs ------------------------------------------------------------------------


def empezar(calculo: CalculoMetricas) -> None:
    calculo.estado, calculo.dias_hechos, calculo.error = "calculando", 0, None
    calculo.terminado_en = None
    db.session.flush()


def terminar(calculo: CalculoMetricas) -> None:
    calculo.estado, calculo.dias_hechos = "listo", dias_del_periodo(calculo)
    calculo.terminado_en = ahora()
    registrar("metricas.calculo_listo", "calculo_metricas", calculo.id,
              despues={"desde": calculo.desde, "hasta": calculo.hasta, "estado": "listo"})
    db.session.flush()


def marcar_error(calculo_id: int, mensaje: str) -> None:
    calculo = db.session.get(CalculoMetricas, calculo_id)
    if calculo is None:
        return
    calculo.estado, calculo.error, calculo.terminado_en = "error", mensaje[:500], ahora()
    db.session.flush()


def periodo_nocturno() -> tuple[date, date]:
    """The days the nightly job recomputes: the DIAS_REVISION days up to yesterday."""
    from agencia.metricas.calculo import DIAS_REVISION

    ayer = hoy_local() - timedelta(days=1)
    return ayer - timedelta(days=DIAS_REVISION - 1), ayer
