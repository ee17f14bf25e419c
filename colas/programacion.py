"""Periodic jobs, declared as data with stable ids, run by RQ's own scheduler.

RQ's scheduler (`worker --with-scheduler`) enqueues jobs whose time has come
(`enqueue_at`). A periodic job is a chain of such jobs: each run schedules the next one
first, then does its work, so a failing run does not break the chain. The next run's job
id is the periodic id plus its slot on a fixed grid (`periodico-<id>-<UTC time>`), and it
is scheduled with `unique=True`: two workers, or a worker restarted while the chain is
alive, schedule the same id once. `ejecutar_worker` registers the table on start.

(rq 3 also ships `rq.cron`, but its CronScheduler is a separate long-running process next
to the worker; this keeps `make run` at one worker.)

To add one: an entry in PERIODICOS with a new id (never reuse an id for another task) and
a job function that takes no arguments.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module

from redis import Redis
from rq.exceptions import DuplicateJobError

from colas.conexion import COLA_DEFECTO, obtener_cola, trabajo

EPOCA = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Periodico:
    id: str  # stable: it names the jobs in Redis (letters, digits, _ and - only)
    funcion: str  # dotted path of a job function without arguments
    cada: timedelta
    desfase: timedelta = timedelta(0)  # shifts the grid, e.g. 11 h → 06:00 in Bogotá daily
    cola: str = COLA_DEFECTO
    timeout: int = 600  # seconds


PERIODICOS: tuple[Periodico, ...] = (
    # Cartas left pendiente while Redis was down, or whose work horse died, are queued again.
    Periodico(
        id="cartas_reencolar_atascadas",
        funcion="colas.trabajos.cartas.reencolar_atascadas",
        cada=timedelta(minutes=5),
    ),
    # Expedientes (lawyer's dossiers) left pendiente while Redis was down, or whose work
    # horse died, are queued again.
    Periodico(
        id="expedientes_reencolar_atascados",
        funcion="colas.trabajos.juridico.reencolar_expedientes_atascados",
        cada=timedelta(minutes=5),
    ),
    # Letter batches queued while Redis was down, or whose worker died mid-batch, run again
    # from their last committed chunk (no duplicate, no gap).
    Periodico(
        id="lotes_cartas_reencolar_atascados",
        funcion="colas.trabajos.cartas.reencolar_lotes_atascados",
        cada=timedelta(minutes=5),
    ),
    # Placement uploads confirmed while Redis was down, or whose worker died mid-import
    # (nothing written: the import is one transaction), are queued again. Idempotent.
    Periodico(
        id="cargas_reencolar_atascadas",
        funcion="colas.trabajos.asignaciones.reencolar_cargas_atascadas",
        cada=timedelta(minutes=5),
    ),
    # Pending promises become cumplida / incumplida (idempotent; hourly catches payments sooner).
    Periodico(
        id="promesas_evaluar",
        funcion="colas.trabajos.promesas.evaluar_promesas_diario",
        cada=timedelta(hours=1),
    ),
    # Vigente acuerdos with a cuota overdue past the grace days break (incumplido); unpaid
    # pronto pago offers expire (vencido); the caso returns to negociacion. Idempotent.
    Periodico(
        id="acuerdos_evaluar",
        funcion="colas.trabajos.acuerdos.evaluar_acuerdos_job",
        cada=timedelta(hours=1),
    ),
    # Bandeja priority scores move with the clock (days past due, callbacks due, contactable
    # now): recomputed in batches of 1,000 casos.
    Periodico(
        id="bandejas_recalcular_prioridades",
        funcion="colas.trabajos.bandejas.recalcular_prioridades_job",
        cada=timedelta(minutes=15),
        timeout=1800,
    ),
    # Claims of agents who walked away are released so the caso returns to the bandeja.
    Periodico(
        id="bandejas_liberar_reclamos_vencidos",
        funcion="colas.trabajos.bandejas.liberar_reclamos_vencidos",
        cada=timedelta(minutes=5),
    ),
    # The outbox: messages whose time has come go out (each through the contact policy);
    # messages stuck "enviando" are reported, never resent.
    Periodico(
        id="mensajes_enviar_pendientes",
        funcion="colas.trabajos.mensajes.enviar_pendientes",
        cada=timedelta(minutes=1),
    ),
    # Payment reminders 7 and 1 days before each cuota or promise, the same day and 1 day
    # after (unpaid): queued daily at 06:00 in Bogotá; the outbox sends them in legal hours.
    Periodico(
        id="mensajes_programar_recordatorios",
        funcion="colas.trabajos.mensajes.programar_recordatorios",
        cada=timedelta(days=1),
        desfase=timedelta(hours=11),
        timeout=1800,
    ),
    # Contact plans (agencia.estrategias): each caso's due step per acreedor and etapa, queued
    # in the outbox or as a carta; the outbox applies the contact policy. Idempotent.
    Periodico(
        id="estrategias_ejecutar",
        funcion="colas.trabajos.estrategias.ejecutar_estrategias_job",
        cada=timedelta(hours=1),
        timeout=1800,
    ),
    # Legal referrals (agencia.juridico.remision): the acreedores' rules create remisiones,
    # then each one moves on once its notice letter went out and its days passed. Idempotent.
    Periodico(
        id="remisiones_avanzar",
        funcion="colas.trabajos.remisiones.avanzar_remisiones_job",
        cada=timedelta(hours=1),
        timeout=1800,
    ),
    # Daily rollups (agencia.metricas): the last days up to yesterday, yesterday's portfolio
    # snapshot and the placement batches, at 02:00 in Bogotá. Idempotent.
    Periodico(
        id="metricas_calcular_ayer",
        funcion="colas.trabajos.metricas.calcular_ayer_job",
        cada=timedelta(days=1),
        desfase=timedelta(hours=7),
        timeout=4 * 3600,
    ),
    # Rollup runs asked for while Redis was down, or whose worker died, are queued again.
    Periodico(
        id="metricas_reencolar_pendientes",
        funcion="colas.trabajos.metricas.reencolar_calculos_pendientes",
        cada=timedelta(minutes=5),
    ),
    # The audit trail's hash chain: final entries are sealed in id order (idempotent);
    # `agencia auditoria verificar` detects an edited or deleted entry.
    Periodico(
        id="auditoria_sellar",
        funcion="colas.trabajos.auditoria.sellar_auditoria",
        cada=timedelta(minutes=1),
    ),
)


def buscar(periodico_id: str) -> Periodico:
    for periodico in PERIODICOS:
        if periodico.id == periodico_id:
            return periodico
    raise KeyError(f"Trabajo periódico desconocido: {periodico_id}")


def proxima_ejecucion(periodico: Periodico, ahora: datetime | None = None) -> datetime:
    """The first point of the periodic's grid strictly after `ahora`."""
    ahora = ahora or datetime.now(UTC)
    origen = EPOCA + periodico.desfase
    pasos = (ahora - origen) // periodico.cada + 1
    return origen + pasos * periodico.cada


def id_de_ejecucion(periodico: Periodico, momento: datetime) -> str:
    return f"periodico-{periodico.id}-{momento.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def programar(periodico: Periodico, conexion: Redis, ahora: datetime | None = None) -> str | None:
    """Schedules the next run; returns its job id, or None if it was already scheduled."""
    momento = proxima_ejecucion(periodico, ahora)
    job_id = id_de_ejecucion(periodico, momento)
    try:
        obtener_cola(periodico.cola, conexion).enqueue_at(
            momento,
            ejecutar_periodico,
            periodico.id,
            job_id=job_id,
            unique=True,
            job_timeout=periodico.timeout,
            description=f"periódico {periodico.id}",
        )
    except DuplicateJobError:
        return None
    return job_id


def registrar_periodicos(conexion: Redis, ahora: datetime | None = None) -> list[str]:
    """Schedules the next run of every periodic job (idempotent)."""
    return [j for p in PERIODICOS if (j := programar(p, conexion, ahora)) is not None]


@trabajo(cola=COLA_DEFECTO)
def ejecutar_periodico(periodico_id: str):
    """The job each slot runs: keep the chain alive, then do the work."""
    from rq import get_current_job

    periodico = buscar(periodico_id)
    actual = get_current_job()
    conexion = actual.connection if actual else None
    if conexion is not None:
        programar(periodico, conexion)
    modulo, _, nombre = periodico.funcion.rpartition(".")
    return getattr(import_module(modulo), nombre)()
