"""Jobs of the bandejas feature: the periodic priority recalculation and the release of
stale claims. Thin: they call the services and commit."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


@trabajo(cola=COLA_DEFECTO)
def liberar_reclamos_vencidos(minutos: int = 30) -> int:
    """Periodic (every 5 minutes): claims idle for `minutos` go back to the bandeja."""
    from agencia.bandejas.reclamo import liberar_vencidos

    cantidad = liberar_vencidos(minutos)
    db.session.commit()
    return cantidad


@trabajo(cola=COLA_DEFECTO, job_timeout=1800)
def recalcular_prioridades_job(acreedor_id: int | None = None) -> int:
    """Periodic (every 15 minutes): the priority score of every open caso, committed batch
    by batch so a long run neither holds locks nor loses what it did if it dies."""
    from agencia.bandejas.prioridad import recalcular_prioridades

    def confirmar_lote():
        db.session.commit()
        db.session.expunge_all()

    cantidad = recalcular_prioridades(acreedor_id, al_terminar_lote=confirmar_lote)
    db.session.commit()
    return cantidad
