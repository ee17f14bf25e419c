"""Jobs of the asignaciones feature: importing an uploaded placement file (carga)."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


class FalloCarga(RuntimeError):
    """The carga ended in estado error (already saved): makes RQ record the job as failed."""


# No RQ retry: a worker that died leaves the carga importando with nothing written, and the
# periodic reencolar_cargas_atascadas queues it again; the import is idempotent by checksum.
@trabajo(cola=COLA_DEFECTO, job_timeout=3600, result_ttl=3600, failure_ttl=7 * 86400)
def importar_carga_job(carga_id: int) -> str | None:
    from agencia.asignaciones import cargas

    try:
        carga = cargas.importar_carga(carga_id, al_iniciar=db.session.commit)
        db.session.commit()
    except Exception:
        db.session.rollback()
        cargas.marcar_error(carga_id, "Error inesperado al importar la carga: no se importó "
                                      "nada. Intente de nuevo o avise al administrador.")
        db.session.commit()
        raise
    if carga is None:
        return None
    if carga.estado == "error":
        raise FalloCarga(carga.error)
    return carga.estado


@trabajo(cola=COLA_DEFECTO)
def reencolar_cargas_atascadas() -> int:
    """Periodic: queues again the cargas whose job never reached Redis or died."""
    from agencia.asignaciones import cargas

    cantidad = cargas.reencolar_atascadas()
    db.session.commit()
    return cantidad
