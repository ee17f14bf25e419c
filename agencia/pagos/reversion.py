"""Reversing a payment (a returned transfer, a bounced cheque): exactly what it did, undone.

The pago's own lines are replayed backwards: every ImputacionPago line goes back to its
obligacion's component, every AbonoCuota line comes off its cuota (pagada_en cleared when the
cuota is no longer complete) and off the acuerdo. Nothing is recomputed from scratch, so
every number returns to what it was before the payment, to the cent.

If the acuerdo had been closed as cumplido (by this payment or a later one) and is no longer
fully paid, it returns to vigente and its write-off is undone from the "acuerdo.condonacion"
audit entry, which lists exactly what was forgiven per obligacion and component (audit
entries are immutable, so the record cannot drift). A caso the payment had closed as pagado
reopens (a system transition) to the etapa stored on the pago — acuerdo when its acuerdo is
vigente again — with motivo "Pago <ref> reversado: <reason>". The fee gets a negative line.
"""

from decimal import Decimal

from sqlalchemy import select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.auditoria.modelos import Auditoria
from agencia.auditoria.servicios import registrar
from agencia.casos.etapas import MAXIMO_MOTIVO, MINIMO_MOTIVO, cambiar_etapa
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db
from agencia.formato import fecha as formato_fecha
from agencia.pagos.modelos import Pago
from agencia.pagos.servicios import (
    CERO,
    PagoInvalido,
    bloquear_caso,
    mover_componente,
    obligaciones_del_caso,
    recalcular_caso,
)
from agencia.tipos import ahora


class PagoYaReversado(PagoInvalido):
    """The payment was reversed before: nothing changes."""


def _validar_motivo(motivo: str | None) -> str:
    motivo = " ".join((motivo or "").split())
    if len(motivo) < MINIMO_MOTIVO:
        raise PagoInvalido("motivo", f"Explique por qué se reversa el pago (al menos "
                                     f"{MINIMO_MOTIVO} caracteres).")
    if len(motivo) > MAXIMO_MOTIVO:
        raise PagoInvalido("motivo", f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.")
    return motivo


def condonacion_de(acuerdo: Acuerdo) -> Auditoria | None:
    """The latest write-off recorded for the acuerdo."""
    return db.session.scalar(
        select(Auditoria).where(Auditoria.accion == "acuerdo.condonacion",
                                Auditoria.entidad == "acuerdo",
                                Auditoria.entidad_id == acuerdo.id)
        .order_by(Auditoria.id.desc()).limit(1))


def reversar_pago(pago: Pago, usuario_id: int | None, motivo: str | None) -> Pago:
    """Reverses an applied payment. Raises PagoInvalido (bad reason) or PagoYaReversado."""
    from agencia.honorarios.servicios import registrar_reversa
    from agencia.promesas.servicios import hoy_local

    motivo = _validar_motivo(motivo)
    caso = db.session.get(Caso, pago.caso_id)
    bloquear_caso(caso)
    db.session.refresh(pago)
    if pago.estado == "reversado":
        raise PagoYaReversado("motivo", f"El pago {pago.referencia_bancaria} ya fue reversado "
                                        f"el {formato_fecha(pago.reversado_en)}: no se cambió "
                                        "nada.")
    obligaciones = obligaciones_del_caso(caso.id)
    por_id = {o.id: o for o in obligaciones}
    antes = {"saldo": caso.saldo, "etapa": caso.etapa, "estado": pago.estado}
    for linea in pago.imputaciones:
        mover_componente(por_id[linea.obligacion_id], linea.componente, linea.monto)

    acuerdos: dict[int, Acuerdo] = {}
    for abono in pago.abonos:
        cuota = db.session.get(Cuota, abono.cuota_id, populate_existing=True)
        cuota.pagado = cuota.pagado - abono.monto
        if cuota.pagado < cuota.monto:
            cuota.pagada_en = None
        acuerdo = acuerdos.setdefault(cuota.acuerdo_id, db.session.get(Acuerdo, cuota.acuerdo_id))
        acuerdo.pagado = acuerdo.pagado - abono.monto
    reabiertos = [a for a in acuerdos.values()
                  if a.estado == "cumplido" and a.pagado < a.total_acordado]
    for acuerdo in reabiertos:
        _reabrir_acuerdo(acuerdo, pago, por_id, usuario_id)

    momento = ahora()
    pago.estado, pago.reversado_en, pago.reversado_por = "reversado", momento, usuario_id
    pago.motivo_reversion = motivo
    recalcular_caso(caso, obligaciones)
    registrar("pago.reversar", "caso", caso.id, acreedor_id=caso.acreedor_id, antes=antes,
              despues={"pago_id": pago.id, "referencia": pago.referencia_bancaria,
                       "monto": pago.monto, "motivo": motivo, "saldo": caso.saldo,
                       "estado": "reversado",
                       "aplicado": [{"obligacion_id": x.obligacion_id,
                                     "componente": x.componente, "monto": str(x.monto)}
                                    for x in pago.imputaciones],
                       "cuotas": [{"cuota_id": x.cuota_id, "monto": str(x.monto)}
                                  for x in pago.abonos],
                       "acuerdos_reabiertos": [a.id for a in reabiertos]},
              usuario_id=usuario_id)
    registrar_reversa(pago, hoy_local())
    db.session.flush()
    if caso.etapa == "pagado" and caso.saldo > CERO:
        hacia = "acuerdo" if reabiertos else pago.etapa
        if hacia not in ETAPAS_ABIERTAS:
            hacia = "negociacion"
        cambiar_etapa(caso, hacia, None,
                      f"Pago {pago.referencia_bancaria} reversado: {motivo}")
    return pago


def _reabrir_acuerdo(acuerdo: Acuerdo, pago: Pago, por_id: dict, usuario_id: int | None) -> None:
    """Back to vigente, with the write-off of its completion given back to the debt."""
    entrada = condonacion_de(acuerdo)
    lineas = (entrada.despues or {}).get("lineas", []) if entrada is not None else []
    for linea in lineas:
        obligacion = por_id.get(linea["obligacion_id"])
        if obligacion is not None:
            mover_componente(obligacion, linea["componente"], Decimal(linea["monto"]))
    antes = {"estado": acuerdo.estado, "cerrado_en": acuerdo.cerrado_en,
             "motivo_cierre": acuerdo.motivo_cierre}
    acuerdo.estado, acuerdo.cerrado_en, acuerdo.motivo_cierre = "vigente", None, None
    registrar("acuerdo.reabierto", "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
              antes=antes,
              despues={"estado": "vigente", "pagado": acuerdo.pagado,
                       "pago_reversado_id": pago.id,
                       "condonacion_revertida": lineas,
                       "condonacion_auditoria_id": entrada.id if entrada is not None else None},
              usuario_id=usuario_id)
