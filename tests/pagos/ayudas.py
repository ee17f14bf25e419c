"""Shared helpers of the payment tests: casos with components, acuerdos, snapshots."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.casos.modelos import Caso, Obligacion
from agencia.extensiones import db

HOY = date.today()


def componer(caso, *componentes):
    """Sets (capital, intereses, gastos) of each obligacion, placed and owed; the caso's saldo
    follows. The first obligacion is the oldest."""
    total = Decimal("0")
    for i, (obligacion, (capital, intereses, gastos)) in enumerate(
            zip(caso.obligaciones, componentes, strict=True)):
        capital, intereses, gastos = Decimal(capital), Decimal(intereses), Decimal(gastos)
        obligacion.capital, obligacion.intereses, obligacion.gastos = capital, intereses, gastos
        obligacion.saldo_capital, obligacion.saldo_intereses = capital, intereses
        obligacion.saldo_gastos = gastos
        obligacion.saldo = capital + intereses + gastos
        obligacion.fecha_vencimiento = HOY - timedelta(days=200 - 30 * i)
        total += obligacion.saldo
    caso.saldo = total
    caso.vencimiento = min(o.fecha_vencimiento for o in caso.obligaciones)
    db.session.commit()
    return caso


def crear_acuerdo(caso, cuotas, quita=("0", "0", "0")) -> Acuerdo:
    """A vigente acuerdo with these cuota amounts (numero 0 first), caso in etapa acuerdo."""
    obligaciones = caso.obligaciones
    deuda = [sum((getattr(o, f"saldo_{c}") for o in obligaciones), Decimal("0"))
             for c in ("capital", "intereses", "gastos")]
    total = sum((Decimal(m) for m in cuotas), Decimal("0"))
    acuerdo = Acuerdo(
        acreedor_id=caso.acreedor_id, caso_id=caso.id, tipo="plan", estado="vigente",
        moneda=caso.acreedor.moneda, deuda_capital=deuda[0], deuda_intereses=deuda[1],
        deuda_gastos=deuda[2], quita_capital=Decimal(quita[0]),
        quita_intereses=Decimal(quita[1]), quita_gastos=Decimal(quita[2]),
        total_acordado=total, abono_inicial=Decimal(cuotas[0]), numero_cuotas=len(cuotas) - 1,
        frecuencia="mensual", primera_fecha=HOY + timedelta(days=30), nivel_aprobacion="agente",
        excepciones=[])
    acuerdo.cuotas = [Cuota(numero=n, fecha=HOY + timedelta(days=30 * n), monto=Decimal(m),
                            pagado=Decimal("0")) for n, m in enumerate(cuotas)]
    db.session.add(acuerdo)
    caso.etapa = "acuerdo"
    db.session.commit()
    return acuerdo


def foto(caso_id: int) -> dict:
    """Every number a payment may move, read fresh from the database."""
    db.session.expire_all()
    caso = db.session.get(Caso, caso_id)
    acuerdos = list(db.session.scalars(select(Acuerdo).where(Acuerdo.caso_id == caso_id)
                                       .order_by(Acuerdo.id)))
    return {
        "caso": (caso.saldo, caso.etapa, caso.vencimiento),
        "obligaciones": [(o.id, o.saldo, o.saldo_capital, o.saldo_intereses, o.saldo_gastos)
                         for o in db.session.scalars(select(Obligacion).where(
                             Obligacion.caso_id == caso_id).order_by(Obligacion.id))],
        "acuerdos": [(a.id, a.estado, a.pagado, a.cerrado_en, a.motivo_cierre) for a in acuerdos],
        "cuotas": [(c.id, c.numero, c.pagado, c.pagada_en) for a in acuerdos for c in a.cuotas],
    }
