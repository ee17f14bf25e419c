"""Two supervisors reassigning the same caso at once (PostgreSQL, two sessions in threads):
one consistent owner at the end, and both moves audited in the order they happened."""

import threading
import time

import pytest
from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.supervision.servicios import reasignar
from tests.conftest import MOTOR

pytestmark = pytest.mark.skipif(MOTOR != "postgresql", reason="row locks: PostgreSQL only")


def test_dos_supervisores_a_la_vez(app, agencia, crear_caso, crear_usuario):
    caso = crear_caso(agencia.acme, agencia.ana)
    otro = crear_usuario("sergio", rol="supervisor")
    primero_escribio = threading.Event()
    errores = []

    def supervisor(agente_id, usuario_id, esperar: threading.Event | None):
        try:
            with app.app_context():
                if esperar:
                    esperar.wait(5)
                reasignar([caso.id], agente_id, usuario_id, "a la vez")
                if not esperar:
                    primero_escribio.set()
                    time.sleep(0.5)  # holds the row while the second one tries
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errores.append(error)

    hilos = [threading.Thread(target=supervisor, args=(agencia.beto.id, agencia.supervisor.id,
                                                       None)),
             threading.Thread(target=supervisor, args=(agencia.carla.id, otro.id,
                                                       primero_escribio))]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(15)
    assert not errores

    db.session.expire_all()
    assert db.session.get(Caso, caso.id).agente_id == agencia.carla.id
    entradas = list(db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "caso.reasignar").order_by(Auditoria.id)))
    assert [(e.antes["agente_id"], e.despues["agente_id"], e.usuario_id) for e in entradas] == [
        (agencia.ana.id, agencia.beto.id, agencia.supervisor.id),
        (agencia.beto.id, agencia.carla.id, otro.id),
    ]
