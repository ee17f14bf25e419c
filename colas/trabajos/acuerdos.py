"""Jobs of the acuerdos feature."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


@trabajo(cola=COLA_DEFECTO)
def evaluar_acuerdos_job() -> dict:
    """Periodic: vigente plans with a cuota unpaid past its grace become incumplido, unpaid
    pronto pago offers past their limit become vencido (as of today, TZ_DEFAULT); their casos
    go back to negociacion. Idempotent: a second run finds nothing more to do."""
    from agencia.acuerdos.servicios import evaluar_acuerdos
    from agencia.promesas.servicios import hoy_local

    cuenta = evaluar_acuerdos(hoy_local())
    db.session.commit()
    return cuenta
