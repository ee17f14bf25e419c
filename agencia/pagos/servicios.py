"""Recording a payment: validated, recorded once per bank reference, allocated to the cent.

A payment is split over the caso's obligaciones by component (agencia.pagos.imputacion:
component by component across all obligaciones, in the acreedor's order) and, when the caso
has a vigente acuerdo, over its cuotas in order. Each part is a stored line (ImputacionPago,
AbonoCuota), so a reversal (agencia.pagos.reversion) undoes exactly those lines.

What the payment can cover is the debt: the caso's saldo, or — with a vigente acuerdo — what
is still owed of the acuerdo (its total minus what was paid). Anything above that is recorded
as the deudor's credit (Pago.credito, "saldo a favor"), never lost and never refused.

When a vigente acuerdo is fully paid it closes as cumplido and the rest of the debt (the
quita granted) is written off, every component of every obligacion, with the audit entry
"acuerdo.condonacion" listing exactly what was forgiven (the reversal reads it back to undo
it). A caso whose saldo reaches zero moves to etapa pagado (a system transition) and a
"paz_y_salvo" carta is requested; the view commits and then queues it.

The same bank reference for the same acreedor is recorded once, also when it is posted twice
at the same moment: the caso row is locked, and the unique constraint decides inside a
SAVEPOINT; the loser gets the existing Pago back with `ya_existia = True`. Services flush;
the request or job commits.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.servicios import registrar
from agencia.bandejas.prioridad import actualizar_prioridad
from agencia.casos.etapas import cambiar_etapa
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS, Caso, Obligacion
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.monedas import en_unidad_minima, texto_unidad
from agencia.pagos import imputacion
from agencia.pagos.modelos import (
    COMPONENTES,
    METODOS_PAGO,
    AbonoCuota,
    ImputacionPago,
    Pago,
)
from agencia.tipos import ahora

MAXIMO_REFERENCIA = 80
CERO = Decimal("0")
PLANTILLA_PAZ_Y_SALVO = "paz_y_salvo"


class PagoInvalido(EntradaInvalida):
    """A payment that cannot be recorded (or reversed); `campo` names the offending input
    ("caso" when the caso itself does not take payments)."""


def _hoy() -> date:
    from agencia.promesas.servicios import hoy_local

    return hoy_local()


def validar_datos(caso: Caso, monto, fecha: date | None, metodo: str, referencia: str,
                  moneda: str, hoy: date) -> Decimal:
    """Checks a payment's data; returns the amount. Raises PagoInvalido (nothing written)."""
    esperada = caso.acreedor.moneda
    if not isinstance(monto, Decimal):
        raise PagoInvalido("monto", "El monto debe ser un valor en dinero.")
    if monto <= CERO:
        raise PagoInvalido("monto", "El monto del pago debe ser mayor que cero.")
    if moneda != esperada:
        raise PagoInvalido("moneda", f"El pago está en {moneda or '(sin moneda)'} y el "
                                     f"acreedor cobra en {esperada}.")
    if not en_unidad_minima(monto, moneda):
        raise PagoInvalido("monto", f"En {moneda} el monto va {texto_unidad(moneda)}: "
                                    "revise los decimales.")
    if fecha is None:
        raise PagoInvalido("fecha", "Indique la fecha del pago.")
    if fecha > hoy:
        raise PagoInvalido("fecha", "La fecha del pago no puede ser futura.")
    if metodo not in METODOS_PAGO:
        raise PagoInvalido("metodo", "Elija un método de pago de la lista.")
    if not referencia:
        raise PagoInvalido("referencia_bancaria", "Indique la referencia bancaria del pago.")
    if len(referencia) > MAXIMO_REFERENCIA:
        raise PagoInvalido("referencia_bancaria",
                           f"La referencia admite hasta {MAXIMO_REFERENCIA} caracteres.")
    return monto.quantize(Decimal("0.01"))


def validar_caso_abierto(caso: Caso) -> None:
    if caso.etapa not in ETAPAS_ABIERTAS:
        raise PagoInvalido("caso", f"El caso está cerrado ({ETAPAS.get(caso.etapa, caso.etapa)})"
                                   ": no recibe pagos. Si el dinero llegó, regístrelo en el "
                                   "caso abierto del deudor o devuélvalo.")


def pago_por_referencia(acreedor_id: int, referencia: str) -> Pago | None:
    return db.session.scalar(select(Pago).where(
        Pago.acreedor_id == acreedor_id, Pago.referencia_bancaria == referencia))


def acuerdo_vigente(caso_id: int) -> Acuerdo | None:
    return db.session.scalar(
        select(Acuerdo).where(Acuerdo.caso_id == caso_id, Acuerdo.estado == "vigente")
        .options(selectinload(Acuerdo.cuotas)).order_by(Acuerdo.id.desc()).limit(1)
        .execution_options(populate_existing=True))


def obligaciones_del_caso(caso_id: int) -> list[Obligacion]:
    return list(db.session.scalars(
        select(Obligacion).where(Obligacion.caso_id == caso_id)
        .order_by(Obligacion.fecha_vencimiento, Obligacion.id)
        .execution_options(populate_existing=True)))


def bloquear_caso(caso: Caso) -> None:
    """Locks the caso row (PostgreSQL) so two payments on it do not overwrite each other."""
    db.session.execute(select(Caso.id).where(Caso.id == caso.id).with_for_update())
    db.session.refresh(caso)


def registrar_pago(caso: Caso, monto: Decimal, fecha: date, metodo: str,
                   referencia_bancaria: str, usuario_id: int | None, *,
                   moneda: str | None = None, comprobante=None, origen: str = "manual",
                   lote=None, hoy: date | None = None) -> Pago:
    """Records a payment on the caso, or returns the one already recorded with that reference
    (flagged `ya_existia`). Raises PagoInvalido before writing anything.

    `moneda` None means the acreedor's currency. `comprobante`: an uploaded file
    (werkzeug FileStorage) or an almacen.ArchivoLeido. The returned pago carries
    `carta_paz_y_salvo` (a Carta to queue after the commit, or None) and `aviso_carta`.
    """
    from agencia.pagos import comprobantes

    referencia = (referencia_bancaria or "").strip()
    moneda = (moneda or caso.acreedor.moneda or "").strip().upper()
    monto = validar_datos(caso, monto, fecha, metodo, referencia, moneda, hoy or _hoy())
    archivo = comprobantes.leer(comprobante)
    bloquear_caso(caso)
    existente = pago_por_referencia(caso.acreedor_id, referencia)
    if existente is not None:
        return _ya_existia(existente)
    validar_caso_abierto(caso)

    obligaciones = obligaciones_del_caso(caso.id)
    acuerdo = acuerdo_vigente(caso.id)
    # What the components still owe (saldo is their sum; the components are what is split).
    deuda = sum((o.saldo_gastos + o.saldo_intereses + o.saldo_capital for o in obligaciones),
                CERO)
    if acuerdo is not None:
        deuda = min(deuda, acuerdo.pendiente)
    aplicable = min(monto, deuda)

    pago = Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=monto, fecha=fecha,
                metodo=metodo, referencia_bancaria=referencia, registrado_por=usuario_id,
                creado_en=ahora(), moneda=moneda, credito=monto - aplicable, estado="aplicado",
                origen=origen, lote_pagos_id=getattr(lote, "id", None), etapa=caso.etapa)
    try:
        with db.session.begin_nested():
            db.session.add(pago)
            db.session.flush()
    except IntegrityError:
        # Posted at the same moment by someone else: theirs is the one.
        existente = pago_por_referencia(caso.acreedor_id, referencia)
        if existente is None:  # pragma: no cover - another constraint failed
            raise
        return _ya_existia(existente)
    pago.ya_existia = False
    pago.carta_paz_y_salvo, pago.aviso_carta = None, None
    if archivo is not None:
        comprobantes.guardar(pago, archivo)
    _aplicar(caso, pago, obligaciones, acuerdo, aplicable, usuario_id)
    return pago


def _ya_existia(pago: Pago) -> Pago:
    pago.ya_existia = True
    pago.carta_paz_y_salvo, pago.aviso_carta = None, None
    return pago


def _saldos(obligaciones: list[Obligacion]) -> list[imputacion.SaldoObligacion]:
    return [imputacion.SaldoObligacion(o.id, o.fecha_vencimiento, o.saldo_gastos,
                                       o.saldo_intereses, o.saldo_capital)
            for o in obligaciones]


def mover_componente(obligacion: Obligacion, componente: str, delta: Decimal) -> None:
    """Adds `delta` (negative to pay) to one component's saldo and to the obligacion's saldo."""
    campo = f"saldo_{componente}"
    setattr(obligacion, campo, getattr(obligacion, campo) + delta)
    obligacion.saldo = obligacion.saldo + delta


def recalcular_caso(caso: Caso, obligaciones: list[Obligacion]) -> None:
    caso.saldo = sum((o.saldo for o in obligaciones), CERO)
    pendientes = [o.fecha_vencimiento for o in obligaciones if o.saldo > CERO]
    if pendientes:
        caso.vencimiento = min(pendientes)
    actualizar_prioridad(caso)


def _aplicar(caso: Caso, pago: Pago, obligaciones: list[Obligacion], acuerdo: Acuerdo | None,
             aplicable: Decimal, usuario_id: int | None) -> None:
    from agencia.honorarios.servicios import registrar_cargo

    antes = {"saldo": caso.saldo}
    lineas, _ = imputacion.imputar(aplicable, _saldos(obligaciones),
                                   imputacion.orden_del_acreedor(caso.acreedor))
    por_id = {o.id: o for o in obligaciones}
    for linea in lineas:
        mover_componente(por_id[linea.obligacion_id], linea.componente, -linea.monto)
        db.session.add(ImputacionPago(pago_id=pago.id, obligacion_id=linea.obligacion_id,
                                      componente=linea.componente, monto=linea.monto))
    abonos = []
    if acuerdo is not None:
        cuotas = {c.id: c for c in acuerdo.cuotas}
        lineas_cuota, _ = imputacion.abonar_cuotas(aplicable, [
            imputacion.SaldoCuota(c.id, c.numero, c.monto, c.pagado) for c in acuerdo.cuotas])
        momento = ahora()
        for linea in lineas_cuota:
            cuota = cuotas[linea.cuota_id]
            cuota.pagado = cuota.pagado + linea.monto
            if cuota.pagado >= cuota.monto:
                cuota.pagada_en = momento
            db.session.add(AbonoCuota(pago_id=pago.id, cuota_id=cuota.id, monto=linea.monto))
            abonos.append({"cuota_id": cuota.id, "numero": cuota.numero,
                           "monto": str(linea.monto)})
        acuerdo.pagado = acuerdo.pagado + sum((x.monto for x in lineas_cuota), CERO)
    recalcular_caso(caso, obligaciones)
    registrar("pago.registrar", "caso", caso.id, acreedor_id=caso.acreedor_id, antes=antes,
              despues={"pago_id": pago.id, "monto": pago.monto, "moneda": pago.moneda,
                       "fecha": pago.fecha, "metodo": pago.metodo,
                       "referencia": pago.referencia_bancaria, "origen": pago.origen,
                       "credito": pago.credito, "etapa": pago.etapa, "saldo": caso.saldo,
                       "aplicado": [{"obligacion_id": x.obligacion_id,
                                     "componente": x.componente, "monto": str(x.monto)}
                                    for x in lineas],
                       "cuotas": abonos,
                       "acuerdo_id": acuerdo.id if acuerdo is not None else None},
              usuario_id=usuario_id)
    registrar_cargo(pago)
    db.session.flush()
    if acuerdo is not None and (acuerdo.pagado >= acuerdo.total_acordado or caso.saldo == CERO):
        _cumplir_acuerdo(caso, acuerdo, pago, obligaciones, usuario_id)
    if caso.saldo == CERO and caso.etapa in ETAPAS_ABIERTAS:
        cambiar_etapa(caso, "pagado", None,
                      f"Saldo cubierto por el pago {pago.referencia_bancaria}.")
        _pedir_paz_y_salvo(caso, pago, usuario_id)


def _cumplir_acuerdo(caso: Caso, acuerdo: Acuerdo, pago: Pago,
                     obligaciones: list[Obligacion], usuario_id: int | None) -> None:
    """Closes a fully paid acuerdo and writes off the rest of the debt (the quita granted),
    listing in the audit entry exactly what was forgiven."""
    momento = ahora()
    condonado = []
    for obligacion in obligaciones:
        for componente in COMPONENTES:
            resto = getattr(obligacion, f"saldo_{componente}")
            if resto > CERO:
                mover_componente(obligacion, componente, -resto)
                condonado.append({"obligacion_id": obligacion.id, "componente": componente,
                                  "monto": str(resto)})
    antes = {"estado": acuerdo.estado, "pagado": acuerdo.pagado, "saldo_caso": caso.saldo}
    acuerdo.estado, acuerdo.cerrado_en = "cumplido", momento
    acuerdo.motivo_cierre = f"Pagado en su totalidad (último pago {pago.referencia_bancaria})."
    recalcular_caso(caso, obligaciones)
    registrar("acuerdo.cumplido", "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
              antes=antes,
              despues={"estado": "cumplido", "pagado": acuerdo.pagado, "pago_id": pago.id,
                       "caso_id": caso.id},
              usuario_id=usuario_id)
    registrar("acuerdo.condonacion", "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
              antes={"saldo_caso": antes["saldo_caso"]},
              despues={"pago_id": pago.id, "caso_id": caso.id, "lineas": condonado,
                       "total": str(sum((Decimal(x["monto"]) for x in condonado), CERO))},
              usuario_id=usuario_id)
    db.session.flush()


def _pedir_paz_y_salvo(caso: Caso, pago: Pago, usuario_id: int | None) -> None:
    from agencia.cartas.servicios import ErrorCarta, solicitar_carta

    try:
        with db.session.begin_nested():
            pago.carta_paz_y_salvo = solicitar_carta(caso.id, PLANTILLA_PAZ_Y_SALVO,
                                                     usuario_id, {})
    except ErrorCarta as error:
        # The payment stands; the certificate can be requested from the caso page.
        pago.aviso_carta = f"No se pudo solicitar el paz y salvo: {error}"


def pagos_del_caso(caso_id: int, limite: int = 20) -> list[Pago]:
    """The caso's latest payments with their lines (the caller loaded the caso through the
    tenant helpers)."""
    return list(db.session.scalars(
        select(Pago).where(Pago.caso_id == caso_id)
        .options(selectinload(Pago.imputaciones).selectinload(ImputacionPago.obligacion),
                 selectinload(Pago.abonos).selectinload(AbonoCuota.cuota))
        .order_by(Pago.fecha.desc(), Pago.id.desc()).limit(limite)))
