"""The daily verdict on promises: kept when payments cover them, broken after grace days."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.pagos.servicios import registrar_pago
from agencia.promesas.modelos import Promesa
from agencia.promesas.servicios import crear_promesa, evaluar_promesas, hoy_local

HOY = date(2025, 3, 3)  # a Monday; promises are made "today" unless said otherwise


@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor(dias_gracia_promesa=2)
    ana = crear_usuario("ana")
    return crear_caso(acme, ana, capitales=("300000",))


def _promesa(caso, monto="100000", fecha=HOY + timedelta(days=5)) -> Promesa:
    promesa = crear_promesa(caso, Decimal(monto), fecha, None, hoy=HOY)
    # Made at noon (Bogotá) on HOY.
    promesa.creado_en = datetime(HOY.year, HOY.month, HOY.day, 17, tzinfo=UTC)
    db.session.commit()
    return promesa


def _pagar(caso, monto, fecha, referencia):
    registrar_pago(caso, Decimal(monto), fecha, "transferencia", referencia, None,
                   hoy=fecha)
    db.session.commit()


def _auditorias(accion) -> int:
    return db.session.scalar(select(func.count(Auditoria.id)).where(Auditoria.accion == accion))


def test_cumplida_cuando_los_pagos_cubren_el_monto(caso):
    promesa = _promesa(caso)
    _pagar(caso, "60000", HOY + timedelta(days=1), "A")
    assert evaluar_promesas(HOY + timedelta(days=1)) == {
        "revisadas": 1, "cumplidas": 0, "incumplidas": 0}
    assert promesa.estado == "pendiente" and promesa.monto_pagado == Decimal("60000")
    _pagar(caso, "40000", HOY + timedelta(days=6), "B")  # within the grace days
    cuenta = evaluar_promesas(HOY + timedelta(days=6))
    db.session.commit()
    assert cuenta["cumplidas"] == 1
    assert promesa.estado == "cumplida" and promesa.monto_pagado == Decimal("100000")
    assert promesa.resuelta_en is not None and _auditorias("promesa.cumplida") == 1


def test_pagos_anteriores_a_la_promesa_no_cuentan(caso):
    _pagar(caso, "100000", HOY - timedelta(days=3), "VIEJO")
    promesa = _promesa(caso)
    evaluar_promesas(HOY + timedelta(days=1))
    assert promesa.estado == "pendiente" and promesa.monto_pagado == 0


def test_incumplida_solo_despues_de_los_dias_de_gracia(caso):
    promesa = _promesa(caso, fecha=HOY + timedelta(days=5))
    caso.proxima_accion = HOY + timedelta(days=30)
    db.session.commit()
    antes = caso.prioridad
    for dia in (5, 6, 7):  # the date and the two grace days
        assert evaluar_promesas(HOY + timedelta(days=dia))["incumplidas"] == 0
    assert promesa.estado == "pendiente"
    vencida = HOY + timedelta(days=8)
    assert evaluar_promesas(vencida)["incumplidas"] == 1
    db.session.commit()
    caso = db.session.get(Caso, caso.id)
    assert promesa.estado == "incumplida" and caso.proxima_accion == vencida
    assert caso.prioridad >= antes
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "promesa.incumplida")).one()
    assert entrada.despues["promesa_id"] == promesa.id


def test_pago_despues_de_la_gracia_no_la_salva(caso):
    promesa = _promesa(caso, fecha=HOY + timedelta(days=1))
    _pagar(caso, "100000", HOY + timedelta(days=4), "TARDE")  # 1 + 2 grace = day 3
    evaluar_promesas(HOY + timedelta(days=4))
    assert promesa.estado == "incumplida"


def test_dos_veces_no_cambia_nada(caso):
    _promesa(caso, fecha=HOY)
    primera = evaluar_promesas(HOY + timedelta(days=10))
    db.session.commit()
    segunda = evaluar_promesas(HOY + timedelta(days=10))
    db.session.commit()
    assert primera["incumplidas"] == 1 and segunda == {
        "revisadas": 0, "cumplidas": 0, "incumplidas": 0}
    assert _auditorias("promesa.incumplida") == 1


def test_por_acreedor(caso, crear_acreedor, crear_caso):
    otro = crear_caso(crear_acreedor("OTRO"))
    _promesa(caso, fecha=HOY)
    _promesa(otro, fecha=HOY)
    cuenta = evaluar_promesas(HOY + timedelta(days=10), acreedor_id=caso.acreedor_id)
    assert cuenta["incumplidas"] == 1
    estados = sorted(db.session.scalars(select(Promesa.estado)))
    assert estados == ["incumplida", "pendiente"]


def test_trabajo_diario(caso):
    from colas.trabajos.promesas import evaluar_promesas_diario

    hoy = hoy_local()
    promesa = crear_promesa(caso, Decimal("1000"), hoy, None, hoy=hoy)
    promesa.creado_en = datetime.now(UTC) - timedelta(days=10)
    promesa.fecha = hoy - timedelta(days=5)
    db.session.commit()
    assert evaluar_promesas_diario()["incumplidas"] == 1
    db.session.expire_all()
    assert db.session.get(Promesa, promesa.id).estado == "incumplida"
