"""Periodic jobs: the table, the grid, idempotent registration, and a chain run by the
worker's own RQ scheduler."""

import re
from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from rq.registry import ScheduledJobRegistry

from colas import programacion
from colas.conexion import COLAS, conexion
from colas.programacion import (
    PERIODICOS,
    Periodico,
    id_de_ejecucion,
    proxima_ejecucion,
    registrar_periodicos,
)
from colas.worker import ejecutar_worker

PRUEBA = Periodico(
    id="prueba_anotar", funcion="tests.colas.trabajos_prueba.anotar", cada=timedelta(hours=1)
)  # an hour: the test never straddles two slots


def _programados() -> list[str]:
    return ScheduledJobRegistry("default", connection=conexion()).get_job_ids()


def test_la_tabla_es_valida():
    ids = [p.id for p in PERIODICOS]
    assert len(ids) == len(set(ids))
    for periodico in PERIODICOS:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", periodico.id)
        modulo, _, nombre = periodico.funcion.rpartition(".")
        assert callable(getattr(import_module(modulo), nombre))
        assert periodico.cola in COLAS and periodico.cada > timedelta(0)


def test_proxima_ejecucion_en_la_rejilla():
    cada5 = Periodico(id="x", funcion="m.f", cada=timedelta(minutes=5))
    ahora = datetime(2025, 6, 1, 10, 7, 30, tzinfo=UTC)
    assert proxima_ejecucion(cada5, ahora) == datetime(2025, 6, 1, 10, 10, tzinfo=UTC)
    assert proxima_ejecucion(cada5, datetime(2025, 6, 1, 10, 10, tzinfo=UTC)) == datetime(
        2025, 6, 1, 10, 15, tzinfo=UTC
    )
    # Daily at 06:00 in Bogotá (UTC-5) = 11:00 UTC.
    diario = Periodico(id="d", funcion="m.f", cada=timedelta(days=1), desfase=timedelta(hours=11))
    assert proxima_ejecucion(diario, ahora) == datetime(2025, 6, 1, 11, 0, tzinfo=UTC)
    assert (
        id_de_ejecucion(diario, datetime(2025, 6, 1, 11, tzinfo=UTC))
        == "periodico-d-20250601T110000Z"
    )


def test_registrar_es_idempotente_con_ids_estables(monkeypatch):
    monkeypatch.setattr(programacion, "PERIODICOS", (PRUEBA,))
    ahora = datetime.now(UTC)
    primera = registrar_periodicos(conexion(), ahora)
    assert primera == [id_de_ejecucion(PRUEBA, proxima_ejecucion(PRUEBA, ahora))]
    assert registrar_periodicos(conexion(), ahora) == []  # a second worker starting
    assert _programados() == primera


def test_tabla_vacia_no_programa_nada(monkeypatch):
    monkeypatch.setattr(programacion, "PERIODICOS", ())
    assert registrar_periodicos(conexion()) == []
    assert _programados() == []


def test_la_cadena_corre_con_el_programador_del_worker_y_se_renueva(app, monkeypatch):
    monkeypatch.setattr(programacion, "PERIODICOS", (PRUEBA,))
    # A slot already due (as if the worker had been down for two hours).
    registrar_periodicos(conexion(), datetime.now(UTC) - timedelta(hours=2))

    assert ejecutar_worker(app, burst=True, programador=True) is True

    assert int(conexion().get("prueba:anotar")) == 1
    siguiente = id_de_ejecucion(PRUEBA, proxima_ejecucion(PRUEBA))
    assert _programados() == [siguiente]  # one next run, not one per registration


def test_periodico_desconocido():
    with pytest.raises(KeyError):
        programacion.buscar("no_existe")


def test_el_barrido_de_cartas_es_un_periodico(app):
    from colas.trabajos.cartas import reencolar_atascadas

    assert programacion.buscar("cartas_reencolar_atascadas").funcion.endswith("reencolar_atascadas")
    assert reencolar_atascadas() == 0
