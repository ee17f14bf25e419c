"""Jobs of the audit trail."""

from colas.conexion import COLA_DEFECTO, trabajo


@trabajo(cola=COLA_DEFECTO)
def sellar_auditoria() -> int:
    """Periodic: seals the final audit entries into the hash chain (agencia.auditoria.cadena).
    Idempotent: a run with nothing new seals nothing."""
    from agencia.auditoria.cadena import sellar_pendientes

    return sellar_pendientes()
