"""Real concurrency on PostgreSQL: a transition, or a payment, posted by two requests at the
same moment is applied once (conditional UPDATE; unique reference inside a SAVEPOINT)."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.auth.modelos import Usuario
from agencia.casos.etapas import cambiar_etapa
from agencia.casos.modelos import CambioEtapa, Caso
from agencia.extensiones import db
from agencia.pagos.modelos import Pago
from agencia.pagos.servicios import registrar_pago
from tests.conftest import MOTOR

pytestmark = pytest.mark.skipif(MOTOR != "postgresql", reason="concurrencia real: PostgreSQL")


def _a_la_vez(app, trabajo, veces=4):
    barrera, resultados, errores = threading.Barrier(veces), [], []

    def hilo():
        with app.app_context():
            try:
                barrera.wait()
                resultados.append(trabajo())
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                errores.append(error)
            finally:
                db.session.remove()

    hilos = [threading.Thread(target=hilo) for _ in range(veces)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    db.session.expire_all()
    return resultados, errores


def test_transicion_a_la_vez_se_aplica_una_vez(app, crear_acreedor, crear_usuario, crear_caso):
    ana = crear_usuario("ana")
    caso_id = crear_caso(crear_acreedor(), ana).id

    def mover():
        caso = db.session.get(Caso, caso_id)
        return cambiar_etapa(caso, "negociacion", db.session.get(Usuario, ana.id))

    resultados, errores = _a_la_vez(app, mover)
    assert errores == []
    assert sum(r is not None for r in resultados) == 1
    assert db.session.scalar(select(func.count(CambioEtapa.id))) == 1


def test_pago_a_la_vez_se_registra_una_vez(app, crear_acreedor, crear_usuario, crear_caso):
    from datetime import date

    caso_id = crear_caso(crear_acreedor(), crear_usuario("ana"), capitales=("100000",)).id

    def pagar():
        caso = db.session.get(Caso, caso_id)
        return registrar_pago(caso, Decimal("1000"), date.today(), "pse", "MISMA-REF", None)

    resultados, errores = _a_la_vez(app, pagar)
    assert errores == []
    assert sum(not p.ya_existia for p in resultados) == 1
    assert db.session.scalar(select(func.count(Pago.id))) == 1
    assert db.session.get(Caso, caso_id).saldo == Decimal("99000.00")
