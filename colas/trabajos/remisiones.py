"""Jobs of the legal referral feature (agencia.juridico.remision)."""

from agencia.extensiones import db
from colas.conexion import COLA_DEFECTO, trabajo


@trabajo(cola=COLA_DEFECTO, job_timeout=1800)
def avanzar_remisiones_job() -> dict:
    """Periodic (hourly): the acreedores' active rules create remisiones (their notice letters
    are queued after each committed batch), then open remisiones move on: remitir_desde once
    the notice letter is lista, the acreedor's approval or etapa juridico once it has come.
    Idempotent: a second run finds nothing more to do."""
    from agencia.juridico import remision

    def confirmar(nuevas):
        db.session.commit()
        for nueva in nuevas:
            remision.encolar_aviso(nueva)
        db.session.commit()

    creadas = remision.aplicar_reglas(al_lote=confirmar)
    cuenta = remision.avanzar_remisiones()
    db.session.commit()
    return {"creadas": creadas, **cuenta}
