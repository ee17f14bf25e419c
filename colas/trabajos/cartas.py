"""Jobs of the cartas feature."""

from agencia.extensiones import db
from colas.conexion import COLA_CARTAS, COLA_DEFECTO, trabajo


class FalloCarta(RuntimeError):
    """The letter ended in estado error (already saved): makes RQ record the job as failed."""


# wkhtmltopdf has its own, shorter timeout (WKHTMLTOPDF_TIMEOUT); this one is the backstop.
# No RQ retry: a horse that died leaves the carta "generando" and the periodic
# reencolar_atascadas queues it again; the service is idempotent (one file, one gestion).
# A collection letter the contact policy holds back ends the job "esperando" (not a failure).
@trabajo(cola=COLA_CARTAS, job_timeout=300, result_ttl=3600, failure_ttl=7 * 86400)
def generar_carta(carta_id: int) -> str:
    from agencia.cartas import servicios

    def confirmar_avance():
        db.session.commit()

    try:
        carta = servicios.generar_carta(carta_id, al_avanzar=confirmar_avance)
        db.session.commit()
    except Exception:
        db.session.rollback()
        servicios.marcar_error(carta_id, "Error inesperado al generar la carta.")
        db.session.commit()
        raise
    if carta.estado == "error":
        raise FalloCarta(carta.error)
    return carta.estado


@trabajo(cola=COLA_DEFECTO)
def reencolar_atascadas() -> int:
    """Periodic: queues again the cartas whose job never reached Redis or died, and the
    collection letters that waited for the contact policy once their moment has come (the
    job checks the moment again: a letter never goes out early)."""
    from agencia.cartas import servicios

    cantidad = servicios.reencolar_atascadas()
    db.session.commit()
    return cantidad


@trabajo(cola=COLA_DEFECTO)
def reencolar_lotes_atascados() -> int:
    """Periodic: queues again the letter batches whose job never reached Redis or died."""
    from agencia.cartas import lotes

    cantidad = lotes.reencolar_atascados()
    db.session.commit()
    return cantidad


# One job for the whole batch: it commits after each chunk, so a re-run (after a crash, or
# from the lote's page) carries on where it stopped. No RQ retry, as for single letters.
@trabajo(cola=COLA_CARTAS, job_timeout=3 * 3600, result_ttl=3600, failure_ttl=7 * 86400)
def generar_lote(lote_cartas_id: int) -> str:
    from agencia.cartas import lotes

    def confirmar_avance():
        db.session.commit()

    try:
        lote = lotes.generar_lote(lote_cartas_id, al_avanzar=confirmar_avance)
        db.session.commit()
    except Exception:
        db.session.rollback()
        lotes.marcar_error(lote_cartas_id, "Error inesperado al generar el lote de cartas.")
        db.session.commit()
        raise
    if lote.estado == "error":
        raise FalloCarta(lote.error)
    return lote.estado
