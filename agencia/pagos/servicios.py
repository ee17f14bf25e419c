"""Recording payments, simply: amount, date, method and bank reference, once per reference.

A payment lowers the saldo of the caso's obligaciones, oldest due date first (the allocation
gastos → intereses → capital comes with the negotiation issue), and the caso's saldo; when
the saldo reaches zero the caso moves to "pagado" through the stage machine.

The same bank reference for the same acreedor is recorded once, also when it is posted twice
at the same moment: the unique constraint decides, inside a SAVEPOINT, and the loser gets the
existing Pago back with `ya_existia = True`. Services flush; the request or job commits.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agencia.auditoria.servicios import registrar
from agencia.bandejas.prioridad import actualizar_prioridad
from agencia.casos.etapas import cambiar_etapa
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso, Obligacion
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.pagos.modelos import METODOS_PAGO, Pago
from agencia.tipos import ahora

MAXIMO_REFERENCIA = 80
CERO = Decimal("0")


class PagoInvalido(EntradaInvalida):
    """A payment that cannot be recorded; `campo` names the offending input."""


def _validar(caso: Caso, monto, fecha: date | None, metodo: str, referencia: str,
             hoy: date) -> Decimal:
    if not isinstance(monto, Decimal):
        raise PagoInvalido("monto", "El monto debe ser un valor en dinero.")
    if monto <= CERO:
        raise PagoInvalido("monto", "El monto del pago debe ser mayor que cero.")
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


def pago_por_referencia(acreedor_id: int, referencia: str) -> Pago | None:
    return db.session.scalar(select(Pago).where(
        Pago.acreedor_id == acreedor_id, Pago.referencia_bancaria == referencia))


def registrar_pago(caso: Caso, monto: Decimal, fecha: date, metodo: str,
                   referencia_bancaria: str, usuario_id: int | None, *,
                   hoy: date | None = None) -> Pago:
    """Records a payment on the caso (or returns the one already recorded with that
    reference, flagged `ya_existia`). Raises PagoInvalido before writing anything."""
    referencia = (referencia_bancaria or "").strip()
    hoy = hoy or date.today()
    monto = _validar(caso, monto, fecha, metodo, referencia, hoy)
    existente = pago_por_referencia(caso.acreedor_id, referencia)
    if existente is not None:
        existente.ya_existia = True
        return existente
    if monto > (caso.saldo or CERO):
        raise PagoInvalido("monto", "El monto supera el saldo del caso; revise el valor.")

    pago = Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=monto, fecha=fecha,
                metodo=metodo, referencia_bancaria=referencia, registrado_por=usuario_id,
                creado_en=ahora())
    try:
        with db.session.begin_nested():
            db.session.add(pago)
            db.session.flush()
    except IntegrityError:
        # Posted at the same moment by someone else: theirs is the one.
        existente = pago_por_referencia(caso.acreedor_id, referencia)
        if existente is None:  # pragma: no cover - another constraint failed
            raise
        existente.ya_existia = True
        return existente
    pago.ya_existia = False
    _aplicar(caso, pago, usuario_id)
    return pago


def _aplicar(caso: Caso, pago: Pago, usuario_id: int | None) -> None:
    """Lowers the saldo (oldest obligacion first), audits, and closes a settled caso."""
    # Lock the caso so two payments on it do not overwrite each other's saldo.
    db.session.execute(select(Caso.id).where(Caso.id == caso.id).with_for_update())
    db.session.refresh(caso)
    obligaciones = db.session.scalars(
        select(Obligacion).where(Obligacion.caso_id == caso.id)
        .order_by(Obligacion.fecha_vencimiento, Obligacion.id)
        .execution_options(populate_existing=True)).all()
    antes = {"saldo": caso.saldo}
    restante, aplicado = pago.monto, []
    for obligacion in obligaciones:
        if restante <= CERO:
            break
        parte = min(restante, obligacion.saldo)
        if parte > CERO:
            obligacion.saldo -= parte
            restante -= parte
            aplicado.append({"obligacion_id": obligacion.id, "monto": str(parte)})
    caso.saldo = max(CERO, (caso.saldo or CERO) - pago.monto)
    pendientes = [o.fecha_vencimiento for o in obligaciones if o.saldo > CERO]
    if pendientes:
        caso.vencimiento = min(pendientes)
    actualizar_prioridad(caso)
    registrar("pago.registrar", "caso", caso.id, acreedor_id=caso.acreedor_id, antes=antes,
              despues={"pago_id": pago.id, "monto": pago.monto, "fecha": pago.fecha,
                       "metodo": pago.metodo, "referencia": pago.referencia_bancaria,
                       "saldo": caso.saldo, "aplicado": aplicado},
              usuario_id=usuario_id)
    db.session.flush()
    if caso.saldo == CERO and caso.etapa in ETAPAS_ABIERTAS:
        cambiar_etapa(caso, "pagado", None,
                      f"Saldo cubierto por el pago {pago.referencia_bancaria}.")


def pagos_del_caso(caso_id: int, limite: int = 20) -> list[Pago]:
    """The caso's latest payments (the caller loaded the caso through the tenant helpers)."""
    return list(db.session.scalars(
        select(Pago).where(Pago.caso_id == caso_id)
        .order_by(Pago.fecha.desc(), Pago.id.desc()).limit(limite)))
