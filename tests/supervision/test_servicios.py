"""Reassigning, rebalancing and covering an absent agent, through the services."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.supervision.servicios import (
    ReasignacionInvalida,
    mover_casos_de,
    reasignar,
    repartir,
)
from agencia.tipos import ahora


def _duenos(casos) -> dict[int, int | None]:
    ids = [c.id for c in casos]
    return dict(db.session.execute(select(Caso.id, Caso.agente_id).where(Caso.id.in_(ids))).all())


def _auditorias(caso_id=None):
    stmt = select(Auditoria).where(Auditoria.accion == "caso.reasignar").order_by(Auditoria.id)
    if caso_id is not None:
        stmt = stmt.where(Auditoria.entidad_id == caso_id)
    return list(db.session.scalars(stmt))


def test_reasignar_uno_audita_libera_el_reclamo_y_no_toca_la_prioridad(agencia, crear_caso):
    caso = crear_caso(agencia.acme, agencia.ana)
    caso.prioridad, caso.reclamado_por, caso.reclamado_en = 730, agencia.ana.id, ahora()
    db.session.add(SesionTrabajo(caso_id=caso.id, agente_id=agencia.ana.id))
    db.session.commit()

    assert reasignar([caso.id], agencia.beto.id, agencia.supervisor, "Vacaciones de Ana") == 1
    db.session.commit()

    assert (caso.agente_id, caso.reclamado_por, caso.reclamado_en) == (agencia.beto.id, None, None)
    assert caso.prioridad == 730
    sesion = db.session.scalars(select(SesionTrabajo)).one()
    assert sesion.fin is not None and sesion.cierre == "reasignacion"
    [entrada] = _auditorias(caso.id)
    assert entrada.antes == {"agente_id": agencia.ana.id}
    assert entrada.despues == {"agente_id": agencia.beto.id, "motivo": "Vacaciones de Ana"}
    assert entrada.usuario_id == agencia.supervisor.id
    assert entrada.acreedor_id == agencia.acme.id


def test_reasignar_varios_cuenta_solo_los_que_cambian(agencia, crear_caso):
    casos = [crear_caso(agencia.acme, agencia.ana), crear_caso(agencia.acme),
             crear_caso(agencia.acme, agencia.beto)]
    assert reasignar([c.id for c in casos], agencia.beto.id, agencia.supervisor) == 2
    db.session.commit()
    assert set(_duenos(casos).values()) == {agencia.beto.id}
    assert len(_auditorias()) == 2
    assert _auditorias(casos[1].id)[0].antes == {"agente_id": None}


def test_agente_fuera_del_equipo_del_acreedor_es_rechazado_con_nombres(agencia, crear_caso):
    de_acme = crear_caso(agencia.acme, agencia.ana)
    de_beta = crear_caso(agencia.beta, agencia.carla)
    with pytest.raises(ReasignacionInvalida) as error:
        reasignar([de_acme.id, de_beta.id], agencia.dani.id, agencia.supervisor)
    assert "Dani Agente" in error.value.mensaje and "Acreedor ACME" in error.value.mensaje
    db.session.rollback()
    assert _duenos([de_acme, de_beta]) == {de_acme.id: agencia.ana.id, de_beta.id: agencia.carla.id}
    assert _auditorias() == []


@pytest.mark.parametrize("destino", ["sofia", "inexistente"])
def test_solo_se_reasigna_a_agentes(agencia, crear_caso, destino):
    caso = crear_caso(agencia.acme, agencia.ana)
    agente_id = agencia.supervisor.id if destino == "sofia" else 999_999
    with pytest.raises(ReasignacionInvalida):
        reasignar([caso.id], agente_id, agencia.supervisor)


def test_repartir_por_cantidad_deja_conteos_parejos(agencia, crear_caso):
    casos = [crear_caso(agencia.acme, agencia.ana) for _ in range(10)]
    resultado = repartir([c.id for c in casos], [agencia.ana.id, agencia.beto.id,
                                                 agencia.carla.id], "cantidad", agencia.supervisor)
    db.session.commit()
    assert sorted(resultado.values()) == [3, 3, 4]
    conteos = {}
    for dueno in _duenos(casos).values():
        conteos[dueno] = conteos.get(dueno, 0) + 1
    assert max(conteos.values()) - min(conteos.values()) <= 1
    # Ana keeps her share: only the casos that had to move were moved (and audited).
    assert conteos[agencia.ana.id] >= 3
    assert len(_auditorias()) == 10 - conteos[agencia.ana.id]


def test_repartir_por_saldo_ejemplo_conocido(agencia, crear_caso):
    saldos = ("100", "90", "60", "50", "40", "10")
    casos = [crear_caso(agencia.acme, capitales=(s,)) for s in saldos]
    resultado = repartir([c.id for c in casos], [agencia.ana.id, agencia.beto.id], "saldo",
                         agencia.supervisor)
    db.session.commit()
    # Largest saldo first, each to whoever has the least so far (ties: fewer casos, then the
    # order chosen): 100 Ana, 90 Beto, 60 Beto, 50 Ana, 40 Ana (150 each), 10 Beto.
    a, b = agencia.ana.id, agencia.beto.id
    assert [_duenos([c])[c.id] for c in casos] == [a, b, b, a, a, b]
    total = {a: Decimal(0), b: Decimal(0)}
    for caso in casos:
        db.session.refresh(caso)
        total[caso.agente_id] += caso.saldo
    assert total == {a: Decimal("190"), b: Decimal("160")}
    assert max(total.values()) - min(total.values()) <= Decimal("100")  # ≤ the largest saldo
    assert resultado == {a: 3, b: 3}


def test_repartir_solo_entre_agentes_del_equipo_del_acreedor(agencia, crear_caso):
    casos = [crear_caso(agencia.beta) for _ in range(4)]
    resultado = repartir([c.id for c in casos], [agencia.ana.id, agencia.dani.id, agencia.carla.id],
                         "cantidad", agencia.supervisor)
    assert resultado[agencia.ana.id] == 0
    assert resultado[agencia.dani.id] == resultado[agencia.carla.id] == 2
    with pytest.raises(ReasignacionInvalida) as error:
        repartir([c.id for c in casos], [agencia.ana.id], "cantidad", agencia.supervisor)
    assert "Acreedor BETA" in error.value.mensaje


def test_modo_desconocido(agencia, crear_caso):
    caso = crear_caso(agencia.acme)
    with pytest.raises(ReasignacionInvalida, match="por cantidad o por saldo"):
        repartir([caso.id], [agencia.ana.id], "azar", agencia.supervisor)


def test_agente_ausente_reparte_sus_casos_abiertos(agencia, crear_caso):
    abiertos = [crear_caso(agencia.acme, agencia.ana) for _ in range(5)]
    cerrado = crear_caso(agencia.acme, agencia.ana, etapa="pagado")
    resultado = mover_casos_de(agencia.ana.id, [agencia.ana.id, agencia.beto.id, agencia.carla.id],
                               "cantidad", agencia.supervisor)
    db.session.commit()
    assert sorted(resultado.values()) == [2, 3]
    assert agencia.ana.id not in set(_duenos(abiertos).values())
    assert _duenos([cerrado]) == {cerrado.id: agencia.ana.id}
    assert all(e.despues["motivo"] == "Agente ausente: Ana Agente" for e in _auditorias())
    assert len(_auditorias()) == 5


def test_cifras_de_mi_dia_en_cache_hasta_actualizar_o_reasignar(app, cliente, agencia,
                                                               crear_caso, monkeypatch):
    """With the cache on (as in production), Mi día's casos figure is kept for a minute;
    "Actualizar cifras" recomputes it, and a reassignment updates both agents at once."""
    import re

    from tests.conftest import ingresar

    monkeypatch.setitem(app.config, "CIFRAS_CACHE_S", 60)
    primero = crear_caso(agencia.acme, agencia.ana)
    ingresar(cliente, "ana")

    def casos_en_bandeja(url="/mi-dia"):
        html = cliente.get(url).get_data(as_text=True)
        assert "Casos y saldo calculados el" in html
        return int(re.search(r'class="valor">([\d.]+)</span><span class="rotulo">Casos en la '
                             r"bandeja", html).group(1).replace(".", ""))

    assert casos_en_bandeja() == 1
    crear_caso(agencia.acme, agencia.ana)
    assert casos_en_bandeja() == 1  # kept from the first request
    assert casos_en_bandeja("/mi-dia?actualizar=1") == 2
    reasignar([primero.id], agencia.beto.id, agencia.supervisor)
    db.session.commit()
    assert casos_en_bandeja() == 1
