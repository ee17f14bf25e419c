"""Two proposals, or two approvals, at the same moment (PostgreSQL, two sessions in threads):
one wins, the other is refused, and nothing is written twice."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.acuerdos import servicios as s
from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.modelos import Auditoria
from agencia.auth.modelos import Usuario
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from tests.conftest import MOTOR

pytestmark = pytest.mark.skipif(MOTOR != "postgresql", reason="row locks: PostgreSQL only")
HOY = date(2027, 3, 1)
DATOS = {"tipo": "plan", "abono_inicial": Decimal("120000"), "numero_cuotas": 3,
         "frecuencia": "mensual", "primera_fecha": date(2027, 3, 5)}


def _a_la_vez(app, hacer):
    """Runs hacer() in two threads; the first holds its transaction open for a moment."""
    primero = threading.Event()
    resultados, errores = [], []

    def hilo(esperar: bool):
        try:
            with app.app_context():
                if esperar:
                    primero.wait(5)
                try:
                    hacer()
                except s.AcuerdoInvalido as error:
                    db.session.rollback()
                    resultados.append(error)
                    return
                if not esperar:
                    primero.set()
                    time.sleep(0.5)
                db.session.commit()
                resultados.append("ok")
        except Exception as error:  # noqa: BLE001 - reported by the test
            errores.append(error)

    hilos = [threading.Thread(target=hilo, args=(False,)),
             threading.Thread(target=hilo, args=(True,))]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(15)
    assert not errores
    return resultados


def test_dos_propuestas_a_la_vez(app, oficina):
    caso_id, ana_id = oficina.caso.id, oficina.ana.id

    def proponer():
        s.proponer_acuerdo(db.session.get(Caso, caso_id), DATOS,
                           db.session.get(Usuario, ana_id), HOY)

    resultados = _a_la_vez(app, proponer)
    assert resultados[0] == "ok"
    assert isinstance(resultados[1], s.AcuerdoInvalido)
    assert "ya tiene un acuerdo abierto" in resultados[1].mensaje
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Acuerdo.id))) == 1
    assert db.session.scalar(select(func.count(Carta.id))) == 1


def test_dos_aprobaciones_a_la_vez(app, oficina):
    acuerdo = s.proponer_acuerdo(oficina.caso, {**DATOS, "quita_capital_pct": Decimal("10")},
                                 oficina.ana, HOY).acuerdo
    db.session.commit()
    assert acuerdo.estado == "pendiente_supervisor"
    acuerdo_id, sup_id, admin_id = acuerdo.id, oficina.supervisor.id, oficina.admin.id
    turno = iter([sup_id, admin_id])

    def aprobar():
        usuario_id = next(turno)
        s.aprobar_supervisor(db.session.get(Acuerdo, acuerdo_id),
                             db.session.get(Usuario, usuario_id))

    resultados = _a_la_vez(app, aprobar)
    assert resultados[0] == "ok" and isinstance(resultados[1], s.AcuerdoCambiado)
    db.session.expire_all()
    assert db.session.get(Acuerdo, acuerdo_id).estado == "vigente"
    assert db.session.scalar(select(func.count(Auditoria.id)).where(
        Auditoria.accion == "acuerdo.aprobar")) == 1
    assert db.session.scalar(select(func.count(Carta.id))) == 1
