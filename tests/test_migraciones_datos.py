"""Migrations applied to a database that already holds data (not only to an empty one)."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from agencia.casos.modelos import Caso
from agencia.extensiones import db


def test_0002_sobre_casos_existentes(crear_acreedor, crear_caso):
    caso_id = crear_caso(crear_acreedor()).id
    db.session.remove()
    downgrade(revision="0001")
    upgrade()
    assert db.session.scalar(select(Caso.en_disputa).where(Caso.id == caso_id)) is False


def test_0005_reparte_el_saldo_existente_por_componente(crear_acreedor, crear_caso):
    """What had been paid covered gastos, then intereses: capital is what remains."""
    from decimal import Decimal

    from agencia.casos.modelos import Obligacion
    from agencia.pagos.modelos import Pago

    caso = crear_caso(crear_acreedor(), capitales=("1000",))
    obligacion = caso.obligaciones[0]
    obligacion.intereses, obligacion.gastos, obligacion.saldo = (
        Decimal("200"), Decimal("50"), Decimal("1100"))
    db.session.add(Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=Decimal("150"),
                        fecha=caso.creado_en.date(), referencia_bancaria="R-1"))
    db.session.commit()
    obligacion_id, caso_id = obligacion.id, caso.id
    db.session.remove()
    downgrade(revision="0004")
    upgrade()
    fila = db.session.execute(select(
        Obligacion.saldo_capital, Obligacion.saldo_intereses, Obligacion.saldo_gastos)
        .where(Obligacion.id == obligacion_id)).one()
    assert tuple(fila) == (Decimal("1000.00"), Decimal("100.00"), Decimal("0.00"))
    pago = db.session.scalars(select(Pago).where(Pago.caso_id == caso_id)).one()
    assert (pago.moneda, pago.etapa, pago.estado) == ("COP", "prejuridico", "aplicado")
