"""Jobs of the jurídico feature: the lawyer's dossier (expediente)."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


class FalloExpediente(RuntimeError):
    """The expediente ended in estado error (already saved): RQ records the job as failed."""


# wkhtmltopdf has its own timeout; this one is the backstop. No RQ retry: a horse that died
# leaves the expediente "generando" and reencolar_expedientes_atascados queues it again.
@trabajo(cola=COLA_DEFECTO, job_timeout=900, result_ttl=3600, failure_ttl=7 * 86400)
def generar_expediente_job(expediente_id: int) -> str:
    from agencia.juridico import expediente as servicios

    def confirmar_avance():
        db.session.commit()

    try:
        expediente = servicios.generar_expediente(expediente_id, al_avanzar=confirmar_avance)
        db.session.commit()
    except Exception:
        db.session.rollback()
        servicios.marcar_error(expediente_id, "Error inesperado al generar el expediente.")
        db.session.commit()
        raise
    if expediente.estado == "error":
        raise FalloExpediente(expediente.error)
    return expediente.estado


@trabajo(cola=COLA_DEFECTO)
def reencolar_expedientes_atascados() -> int:
    """Periodic: queues again the expedientes whose job never reached Redis or died."""
    from agencia.juridico import expediente as servicios

    cantidad = servicios.reencolar_atascados()
    db.session.commit()
    return cantidad
