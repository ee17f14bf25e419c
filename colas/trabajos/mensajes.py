"""Jobs of the outbox: send one message, send what is due, queue the reminders."""

import logging

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo

log = logging.getLogger(__name__)


# No RQ retry: the outbox keeps its own retries (programado_para with backoff).
@trabajo(cola=COLA_DEFECTO, job_timeout=120)
def enviar_mensaje(mensaje_id: int) -> str | None:
    from agencia.mensajes import envio

    try:
        mensaje = envio.enviar(mensaje_id)
    except Exception:
        db.session.rollback()
        raise
    return mensaje.estado if mensaje else None


@trabajo(cola=COLA_DEFECTO, job_timeout=600)
def enviar_pendientes() -> dict:
    """Periodic: sends the messages whose time has come, and reports stuck ones."""
    from agencia.mensajes import envio

    cuenta = envio.enviar_pendientes()
    atascados = envio.atascados()
    if atascados:
        log.warning("Mensajes enviando sin confirmar (revisar con el proveedor): %s",
                    ", ".join(str(m.id) for m in atascados))
        cuenta["atascados"] = len(atascados)
    db.session.commit()
    return cuenta


@trabajo(cola=COLA_DEFECTO, job_timeout=1800)
def programar_recordatorios() -> int:
    """Periodic (daily): queues today's payment reminders (idempotent by clave)."""
    from agencia.mensajes.recordatorios import programar_recordatorios as programar
    from agencia.promesas.servicios import hoy_local

    nuevos = programar(hoy_local())
    db.session.commit()
    return nuevos
