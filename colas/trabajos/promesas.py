"""Jobs of the promesas feature."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


@trabajo(cola=COLA_DEFECTO)
def evaluar_promesas_diario() -> dict:
    """Periodic: pending promises become cumplida or incumplida as of today (TZ_DEFAULT).
    Idempotent, so running it every hour only catches payments and deadlines sooner."""
    from agencia.promesas.servicios import evaluar_promesas, hoy_local

    cuenta = evaluar_promesas(hoy_local())
    db.session.commit()
    return cuenta
