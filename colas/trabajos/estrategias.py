"""Jobs of the contact plans (agencia.estrategias). Thin: they call the service and commit."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


@trabajo(cola=COLA_DEFECTO, job_timeout=1800)
def ejecutar_estrategias_job() -> dict:
    """Periodic (hourly): the due step of every active plan for each caso in its etapa,
    committed batch by batch (idempotent: each step runs once per entry into the etapa)."""
    from agencia.estrategias.ejecucion import ejecutar_estrategias

    try:
        cuenta = ejecutar_estrategias(al_terminar_lote=db.session.commit)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return cuenta
