"""Real concurrency on PostgreSQL: the same bank reference posted at once, on a caso with a
vigente acuerdo, is recorded once, and its cuotas are filled once."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.pagos.modelos import AbonoCuota, ImputacionPago, Pago
from agencia.pagos.servicios import registrar_pago
from tests.conftest import MOTOR
from tests.pagos.ayudas import HOY, crear_acuerdo

pytestmark = pytest.mark.skipif(MOTOR != "postgresql", reason="concurrencia real: PostgreSQL")


def _a_la_vez(app, trabajo, veces=4):
    barrera, resultados, errores = threading.Barrier(veces), [], []

    def hilo(i):
        with app.app_context():
            try:
                barrera.wait()
                resultados.append(trabajo(i))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                errores.append(error)
            finally:
                db.session.remove()

    hilos = [threading.Thread(target=hilo, args=(i,)) for i in range(veces)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    db.session.expire_all()
    return resultados, errores


def test_misma_referencia_a_la_vez_con_acuerdo(app, crear_acreedor, crear_caso):
    caso = crear_caso(crear_acreedor(), capitales=("90000",))
    acuerdo_id = crear_acuerdo(caso, ["30000", "30000", "30000"]).id
    caso_id = caso.id

    def pagar(_):
        return registrar_pago(db.session.get(Caso, caso_id), Decimal("40000"), HOY, "pse",
                              "MISMA", None)

    resultados, errores = _a_la_vez(app, pagar)
    assert errores == [] and sum(not p.ya_existia for p in resultados) == 1
    assert db.session.scalar(select(func.count(Pago.id))) == 1
    assert db.session.scalar(select(func.sum(ImputacionPago.monto))) == Decimal("40000.00")
    assert db.session.scalar(select(func.sum(AbonoCuota.monto))) == Decimal("40000.00")
    assert db.session.get(Acuerdo, acuerdo_id).pagado == Decimal("40000.00")


def test_referencias_distintas_a_la_vez_no_pisan_el_saldo(app, crear_acreedor, crear_caso):
    caso_id = crear_caso(crear_acreedor(), capitales=("90000",)).id

    def pagar(i):
        return registrar_pago(db.session.get(Caso, caso_id), Decimal("1000"), HOY, "pse",
                              f"REF-{i}", None)

    _, errores = _a_la_vez(app, pagar)
    assert errores == []
    assert db.session.get(Caso, caso_id).saldo == Decimal("86000.00")
