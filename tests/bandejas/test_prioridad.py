"""The priority score: each component moves the bandeja order as prioridad.py documents."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from agencia.bandejas.prioridad import (
    PESOS_DEFECTO,
    actualizar_prioridad,
    recalcular_prioridades,
    validar_pesos,
)
from agencia.bandejas.reclamo import reclamar_siguiente
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.promesas.modelos import Promesa
from colas.trabajos.bandejas import recalcular_prioridades_job

# A Tuesday at 10:00 in Bogotá: calls are allowed by the CO preset.
MARTES = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
HOY = MARTES.date()


def _vencer(*casos_y_dias):
    """crear_caso dates days past due from the real today; these tests live on MARTES."""
    for caso, dias in casos_y_dias:
        caso.vencimiento = HOY - timedelta(days=dias)
    db.session.commit()


@pytest.fixture
def crear_caso(crear_caso):
    """crear_caso with days past due counted from MARTES."""
    def crear(*args, dias_mora=45, **kw):
        caso = crear_caso(*args, dias_mora=dias_mora, **kw)
        _vencer((caso, dias_mora))
        return caso
    return crear


def _orden(agente_id):
    from agencia.bandejas.servicios import consulta_bandeja

    return [c.id for c in db.session.scalars(consulta_bandeja(agente_id)).unique()]


def _promesa(caso, estado, fecha, resuelta_en=None):
    db.session.add(Promesa(acreedor_id=caso.acreedor_id, caso_id=caso.id,
                           monto=Decimal("100000"), fecha=fecha, estado=estado,
                           resuelta_en=resuelta_en))
    db.session.commit()


def test_orden_base_por_mora_y_saldo(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    poco = crear_caso(acme, ana, dias_mora=10, capitales=("5000000",))
    mucho = crear_caso(acme, ana, dias_mora=90, capitales=("5000000",))
    rico = crear_caso(acme, ana, dias_mora=10, capitales=("900000000",))
    assert recalcular_prioridades(momento=MARTES) == 3
    db.session.commit()
    assert _orden(ana.id) == [mucho.id, rico.id, poco.id]
    assert recalcular_prioridades(momento=MARTES) == 0  # nothing changed: nothing written


def test_promesa_incumplida_sin_atender_sube_al_primer_lugar(crear_acreedor, crear_usuario,
                                                              crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    viejo = crear_caso(acme, ana, dias_mora=300, capitales=("90000000",))
    incumplido = crear_caso(acme, ana, dias_mora=5, capitales=("100000",))
    _promesa(incumplido, "incumplida", HOY - timedelta(days=3), MARTES - timedelta(hours=2))
    recalcular_prioridades(momento=MARTES)
    db.session.commit()
    assert _orden(ana.id)[0] == incumplido.id
    assert reclamar_siguiente(ana.id, momento=MARTES).id == incumplido.id
    # Once the agent follows it up (a gestion after it broke) it is no longer on top.
    incumplido.ultima_gestion_en = MARTES - timedelta(hours=1)
    db.session.commit()
    recalcular_prioridades(momento=MARTES)
    assert _orden(ana.id)[0] == viejo.id


def test_promesa_que_vence_hoy_va_antes_que_la_mora(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    crear_caso(acme, ana, dias_mora=300)
    hoy = crear_caso(acme, ana, dias_mora=5)
    _promesa(hoy, "pendiente", HOY)
    recalcular_prioridades(momento=MARTES)
    assert _orden(ana.id)[0] == hoy.id


def test_llamada_programada_vencida_va_primero(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    incumplido = crear_caso(acme, ana, dias_mora=300)
    _promesa(incumplido, "incumplida", HOY - timedelta(days=3), MARTES - timedelta(hours=2))
    futura = crear_caso(acme, ana, dias_mora=1)
    futura.volver_a_llamar_en = MARTES + timedelta(hours=3)
    llamar = crear_caso(acme, ana, dias_mora=1)
    llamar.volver_a_llamar_en = MARTES - timedelta(minutes=5)
    db.session.commit()
    recalcular_prioridades(momento=MARTES)
    assert _orden(ana.id) == [llamar.id, incumplido.id, futura.id]


def test_bloqueado_ahora_baja_y_contactable_sube(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    bloqueado = crear_caso(acme, ana, dias_mora=300, capitales=("90000000",))
    for contacto in bloqueado.deudor.contactos:
        contacto.consentimientos = ["email"]  # never authorised calls
    normal = crear_caso(acme, ana, dias_mora=5)
    db.session.commit()
    recalcular_prioridades(momento=MARTES)
    assert _orden(ana.id) == [normal.id, bloqueado.id]
    # On a Sunday nobody may be called (CO): both blocked, the usual order returns.
    recalcular_prioridades(momento=MARTES + timedelta(days=5))
    assert _orden(ana.id) == [bloqueado.id, normal.id]


def test_pesos_por_acreedor_cambian_el_orden(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    otro = crear_acreedor("OTRO", pesos_prioridad={"mora": 0})
    ana, beto = crear_usuario("ana"), crear_usuario("beto")
    casos = {}
    for agente, acreedor in ((ana, acme), (beto, otro)):
        casos[agente.id] = (
            crear_caso(acreedor, agente, dias_mora=200, capitales=("100000",)),
            crear_caso(acreedor, agente, dias_mora=5, capitales=("900000000",)),
        )
    recalcular_prioridades(momento=MARTES)
    viejo, grande = casos[ana.id]
    assert _orden(ana.id) == [viejo.id, grande.id]
    viejo, grande = casos[beto.id]
    assert _orden(beto.id) == [grande.id, viejo.id]  # OTRO ignores days past due


def test_validar_pesos():
    assert validar_pesos(None) == [] and validar_pesos(dict(PESOS_DEFECTO)) == []
    assert validar_pesos({"mora": 2, "saldo": 0.5}) == []
    errores = validar_pesos({"inventado": 1, "mora": -1, "saldo": "mucho", "bloqueado": True})
    assert len(errores) == 4
    assert any("desconocido" in e and "inventado" in e for e in errores)
    assert any("«mora»" in e and "entre 0" in e for e in errores)
    assert validar_pesos([1, 2]) != []


def test_actualizar_prioridad_de_un_caso_y_trabajo(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    caso = crear_caso(acme, ana, dias_mora=5)
    antes = caso.prioridad
    _promesa(caso, "pendiente", datetime.now(ZoneInfo("America/Bogota")).date())
    actualizar_prioridad(caso)
    assert caso.prioridad >= antes + 8000
    nuevo = Caso(acreedor_id=acme.id, saldo=Decimal("1000"), vencimiento=HOY)
    actualizar_prioridad(nuevo)  # not in the database yet: no queries about its history
    assert nuevo.prioridad > 0
    db.session.rollback()
    assert recalcular_prioridades_job() >= 1
