"""evaluar_lote: the same answers as evaluar, for a bandeja page, in a constant number of
queries whatever the number of casos."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload

from agencia.casos.modelos import Caso
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.motor import (
    evaluar,
    evaluar_canales,
    evaluar_lote,
    evaluar_lote_canales,
)
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from tests.cumplimiento.conftest import local


@contextmanager
def contar_consultas():
    consultas = []

    def anotar(conn, cursor, sql, *args):
        consultas.append(sql)

    event.listen(db.engine, "before_cursor_execute", anotar)
    try:
        yield consultas
    finally:
        event.remove(db.engine, "before_cursor_execute", anotar)


def _casos(caso_en, gestion, n):
    casos = []
    for i in range(n):
        pais = ("CO", "CL", "US")[i % 3]
        caso = caso_en(pais)
        if i % 2:
            gestion(caso, local("2026-03-09 08:00", pais), "llamada",
                    resultado="titular_contactado")
        casos.append(caso)
    db.session.add(PoliticaAcreedor(acreedor_id=casos[0].acreedor_id, pais="CO",
                                    ajustes={"horario": {"0": ["09:00", "17:00"]}}))
    db.session.commit()
    return casos


@pytest.mark.parametrize("canal", ["llamada", "sms", "visita"])
def test_lote_coincide_con_evaluar(caso_en, gestion, canal):
    casos = _casos(caso_en, gestion, 6)
    momento = local("2026-03-09 10:00")
    lote = evaluar_lote(casos, canal, momento)
    assert set(lote) == {c.id for c in casos}
    for caso in casos:
        assert lote[caso.id] == evaluar(caso, canal, momento)
        assert lote[caso.id] == evaluar_canales(caso, momento)[canal]


def _consultas_lote(ids, momento):
    """Queries made by evaluar_lote on casos fresh from a plain select (nothing eager)."""
    db.session.expunge_all()  # the lote must load deudores and contactos itself
    recargados = db.session.scalars(select(Caso).where(Caso.id.in_(ids))).all()
    with contar_consultas() as consultas:
        decisiones = evaluar_lote(recargados, "llamada", momento)
        for caso in recargados:  # nothing left to lazy-load afterwards either
            assert [c.tipo for c in caso.deudor.contactos] and caso.acreedor.pais
    return len(consultas), decisiones


def test_lote_hace_un_numero_constante_de_consultas(caso_en, gestion):
    ids = [c.id for c in _casos(caso_en, gestion, 12)]
    momento = local("2026-03-10 10:00")
    pocas, _ = _consultas_lote(ids[:3], momento)
    muchas, decisiones = _consultas_lote(ids, momento)
    assert pocas == muchas == 5  # deudores, contactos, acreedores, policy rows, history
    # Called on Monday: the CL casos (1 call a week) and the US ones (silence) are blocked.
    assert sum(not d.permitido for d in decisiones.values()) == 4


def test_lote_con_objetos_vencidos_tras_commit(caso_en, gestion):
    casos = _casos(caso_en, gestion, 9)  # the commit expired every object
    with contar_consultas() as pocas:
        evaluar_lote(casos[:2], "llamada", local("2026-03-10 10:00"))
    db.session.expire_all()
    with contar_consultas() as muchas:
        evaluar_lote(casos, "llamada", local("2026-03-10 10:00"))
        assert all(c.tipo for caso in casos for c in caso.deudor.contactos)
    assert len(pocas) == len(muchas) == 6


def test_lote_con_objetos_ya_cargados_solo_consulta_politica_e_historial(caso_en, gestion):
    casos = _casos(caso_en, gestion, 6)
    cargados = db.session.scalars(
        select(Caso).where(Caso.id.in_([c.id for c in casos]))
        .options(joinedload(Caso.deudor).selectinload(Deudor.contactos),
                 joinedload(Caso.acreedor))).unique().all()
    with contar_consultas() as consultas:
        evaluar_lote(cargados, "llamada", local("2026-03-10 10:00"))
    assert len(consultas) == 2


def test_lote_vacio(app):
    assert evaluar_lote([], "llamada") == {}
    assert evaluar_lote_canales([]) == {}


def test_lote_de_todos_los_canales_coincide_con_evaluar_canales(caso_en, gestion):
    casos = _casos(caso_en, gestion, 6)
    momento = local("2026-03-10 10:00")
    with contar_consultas() as consultas:
        lote = evaluar_lote_canales(casos, momento)
    assert len(consultas) == 6  # the commit expired the casos: reloaded in bulk first
    for caso in casos:
        assert lote[caso.id] == evaluar_canales(caso, momento)
