"""Jobs of the metricas feature: computing the daily rollups of a period (asked for on a
page, or nightly). The computation is idempotent, so a run queued twice or again after a
dead worker leaves the same rows."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


class FalloCalculo(RuntimeError):
    """The run ended in estado error (already saved): makes RQ record the job as failed."""


@trabajo(cola=COLA_DEFECTO, job_timeout=4 * 3600, result_ttl=3600, failure_ttl=7 * 86400)
def calcular_metricas_job(calculo_id: int) -> str | None:
    """pendiente → calculando → listo (or error); dias_hechos is committed after each day
    together with that day's rows, so a page can show the progress."""
    from agencia.metricas import calculo as motor
    from agencia.metricas import servicios
    from agencia.metricas.modelos import CalculoMetricas

    calculo = db.session.get(CalculoMetricas, calculo_id)
    if calculo is None or calculo.estado == "listo":
        return None
    servicios.empezar(calculo)
    db.session.commit()

    def al_avanzar(hechos: int) -> None:
        calculo.dias_hechos = hechos
        db.session.commit()

    try:
        motor.calcular(calculo.desde, calculo.hasta, al_avanzar=al_avanzar)
        servicios.terminar(calculo)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        servicios.marcar_error(calculo_id, "Error inesperado al calcular las métricas: "
                                           "intente de nuevo o avise al administrador.")
        db.session.commit()
        raise FalloCalculo(str(error)) from error
    return calculo.estado


@trabajo(cola=COLA_DEFECTO)
def calcular_ayer_job() -> str | None:
    """Periodic (nightly): the last days up to yesterday (yesterday's portfolio snapshot
    included) and the placement batches, recorded as a run without a requester."""
    from rq import get_current_job

    from agencia.metricas import servicios
    from agencia.metricas.modelos import CalculoMetricas

    desde, hasta = servicios.periodo_nocturno()
    actual = get_current_job()
    # The periodic job's id: alive while this runs, so the run is not queued again meanwhile.
    calculo = CalculoMetricas(desde=desde, hasta=hasta, estado="pendiente",
                              job_id=actual.id if actual else None)
    db.session.add(calculo)
    db.session.commit()
    return calcular_metricas_job(calculo.id)


@trabajo(cola=COLA_DEFECTO)
def reencolar_calculos_pendientes() -> int:
    """Periodic: queues again the runs whose job never reached Redis or died."""
    from agencia.metricas import servicios

    cantidad = servicios.reencolar_pendientes()
    db.session.commit()
    return cantidad
