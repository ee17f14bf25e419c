"""Fees (honorarios): the acreedor's rate per etapa, the ledger line of each payment, and the
summary the monthly statement (liquidación) reads.

Each applied payment gets one "cargo" line: base = the part of the payment applied to the
debt (monto − crédito), at the rate of the etapa the caso was in when the payment arrived
(Pago.etapa), rounded to the currency's minor unit. A reversed payment gets a "reversa" line
with the same base and amount, negative, dated the day of the reversal: the ledger is never
updated, and summing it over any period gives the net.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.casos.modelos import ETAPAS_ABIERTAS
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario, TarifaHonorario
from agencia.monedas import redondear
from agencia.pagos.imputacion import validar_orden

CERO = Decimal("0")
CIEN = Decimal("100")
ETAPAS_CON_TARIFA = ETAPAS_ABIERTAS  # prejuridico, negociacion, acuerdo, juridico
MAXIMO_DIAS_GRACIA = 90


class HonorarioInvalido(EntradaInvalida):
    pass


def tarifas(acreedor_id: int) -> dict[str, Decimal]:
    """The rate per etapa (0 where none is set)."""
    filas = dict(db.session.execute(select(TarifaHonorario.etapa, TarifaHonorario.porcentaje)
                                    .where(TarifaHonorario.acreedor_id == acreedor_id)).all())
    return {etapa: Decimal(filas.get(etapa, CERO)) for etapa in ETAPAS_CON_TARIFA}


def registrar_cargo(pago) -> Honorario:
    """The fee on an applied payment (one per payment)."""
    porcentaje = tarifas(pago.acreedor_id).get(pago.etapa, CERO)
    base = pago.monto - pago.credito
    linea = Honorario(acreedor_id=pago.acreedor_id, caso_id=pago.caso_id, pago_id=pago.id,
                      tipo="cargo", etapa=pago.etapa or "", base=base, porcentaje=porcentaje,
                      monto=redondear(base * porcentaje / CIEN, pago.moneda),
                      moneda=pago.moneda, fecha=pago.fecha)
    db.session.add(linea)
    db.session.flush()
    return linea


def registrar_reversa(pago, fecha: date) -> Honorario | None:
    """The negative line of a reversed payment's fee (None if it had no cargo line)."""
    cargo = db.session.scalar(select(Honorario).where(Honorario.pago_id == pago.id,
                                                      Honorario.tipo == "cargo"))
    if cargo is None:
        return None
    linea = Honorario(acreedor_id=cargo.acreedor_id, caso_id=cargo.caso_id, pago_id=pago.id,
                      tipo="reversa", etapa=cargo.etapa, base=-cargo.base,
                      porcentaje=cargo.porcentaje, monto=-cargo.monto, moneda=cargo.moneda,
                      fecha=fecha)
    db.session.add(linea)
    db.session.flush()
    return linea


def resumen(acreedor_id: int, desde: date, hasta: date) -> dict[str, dict[str, Decimal]]:
    """Per currency, for the ledger dates desde..hasta (inclusive): recovered (what the
    payments applied to the debt), fees, and net to remit to the acreedor. Reversals count
    on the day they happened, negative."""
    filas = db.session.execute(
        select(Honorario.moneda, func.sum(Honorario.base), func.sum(Honorario.monto))
        .where(Honorario.acreedor_id == acreedor_id, Honorario.fecha >= desde,
               Honorario.fecha <= hasta)
        .group_by(Honorario.moneda).order_by(Honorario.moneda))
    resultado = {}
    for moneda, base, monto in filas:
        recuperado = Decimal(base or 0).quantize(Decimal("0.01"))
        honorarios = Decimal(monto or 0).quantize(Decimal("0.01"))
        resultado[moneda] = {"recuperado": recuperado, "honorarios": honorarios,
                             "neto": recuperado - honorarios}
    return resultado


def honorarios_por_etapa(acreedor_id: int) -> dict[str, dict[str, Decimal]]:
    """Fees earned per etapa and currency (all time): for the admin page's chart."""
    totales: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for etapa, moneda, monto in db.session.execute(
            select(Honorario.etapa, Honorario.moneda, func.sum(Honorario.monto))
            .where(Honorario.acreedor_id == acreedor_id)
            .group_by(Honorario.etapa, Honorario.moneda)):
        totales[moneda][etapa] = Decimal(monto or 0)
    return dict(totales)


def guardar_configuracion(acreedor: Acreedor, porcentajes: dict[str, Decimal],
                          orden: list[str], dias_gracia_cuota: int,
                          usuario_id: int | None) -> bool:
    """Saves the fee rates, the allocation order and the cuota grace days; audited.
    Returns whether anything changed."""
    for etapa in ETAPAS_CON_TARIFA:
        valor = porcentajes.get(etapa)
        if valor is None or not CERO <= valor <= CIEN:
            raise HonorarioInvalido(f"porcentaje_{etapa}",
                                    "El porcentaje va de 0 a 100, con hasta dos decimales.")
        if valor != valor.quantize(Decimal("0.01")):
            raise HonorarioInvalido(f"porcentaje_{etapa}",
                                    "El porcentaje admite hasta dos decimales.")
    try:
        orden = list(validar_orden(orden))
    except ValueError as error:
        raise HonorarioInvalido("orden_imputacion", str(error)) from error
    if not 0 <= dias_gracia_cuota <= MAXIMO_DIAS_GRACIA:
        raise HonorarioInvalido("dias_gracia_cuota",
                                f"Los días de gracia van de 0 a {MAXIMO_DIAS_GRACIA}.")

    actuales = tarifas(acreedor.id)
    antes = {"porcentajes": {e: str(v) for e, v in actuales.items()},
             "orden_imputacion": list(validar_orden(acreedor.orden_imputacion or None)),
             "dias_gracia_cuota": acreedor.dias_gracia_cuota}
    despues = {"porcentajes": {e: str(porcentajes[e].quantize(Decimal("0.01")))
                               for e in ETAPAS_CON_TARIFA},
               "orden_imputacion": orden, "dias_gracia_cuota": dias_gracia_cuota}
    antes["porcentajes"] = {e: str(Decimal(v).quantize(Decimal("0.01")))
                            for e, v in antes["porcentajes"].items()}
    if antes == despues:
        return False
    existentes = {t.etapa: t for t in db.session.scalars(
        select(TarifaHonorario).where(TarifaHonorario.acreedor_id == acreedor.id))}
    for etapa in ETAPAS_CON_TARIFA:
        tarifa = existentes.get(etapa)
        if tarifa is None:
            db.session.add(TarifaHonorario(acreedor_id=acreedor.id, etapa=etapa,
                                           porcentaje=porcentajes[etapa]))
        else:
            tarifa.porcentaje = porcentajes[etapa]
    acreedor.orden_imputacion = orden
    acreedor.dias_gracia_cuota = dias_gracia_cuota
    registrar("honorarios.configurar", "acreedor", acreedor.id, acreedor_id=acreedor.id,
              antes=antes, despues=despues, usuario_id=usuario_id)
    db.session.flush()
    return True
