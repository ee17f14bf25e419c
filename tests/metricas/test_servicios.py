"""Asking for a rollup run: period validation, the queued job, its progress and errors."""

from datetime import timedelta

import pytest
from rq.job import Job
from sqlalchemy import select, text

from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db
from agencia.metricas import calculo as motor
from agencia.metricas import servicios
from agencia.metricas.modelos import CalculoMetricas, MetricaAgenteDia
from agencia.metricas.servicios import (
    CalculoSinCola,
    PeriodoInvalido,
    progreso,
    solicitar_calculo,
    ultimo_calculo,
    validar_periodo,
)
from colas.conexion import conexion
from colas.trabajos.metricas import (
    FalloCalculo,
    calcular_ayer_job,
    calcular_metricas_job,
    reencolar_calculos_pendientes,
)
from tests.servidores import puerto_libre


@pytest.fixture
def hoy():
    return motor.hoy_local()


@pytest.fixture
def admin(crear_usuario):
    return crear_usuario("admin1", rol="admin")


@pytest.mark.parametrize("dias_desde, dias_hasta, campo, mensaje", [
    (None, 0, "desde", "fecha inicial"),
    (0, None, "hasta", "fecha final"),
    (0, 3, "desde", "no puede ser posterior a la final"),
    (0, -1, "hasta", "posterior a hoy"),
    (366, 0, "desde", "máximo 366 días"),
])
def test_periodos_invalidos(hoy, dias_desde, dias_hasta, campo, mensaje):
    def fecha(dias):
        return None if dias is None else hoy - timedelta(days=dias)

    with pytest.raises(PeriodoInvalido, match=mensaje) as error:
        validar_periodo(fecha(dias_desde), fecha(dias_hasta))
    assert error.value.campo == campo


def test_periodos_validos(hoy):
    validar_periodo(hoy, hoy)
    validar_periodo(hoy - timedelta(days=365), hoy)


def test_periodo_invalido_no_guarda_nada(hoy, admin):
    with pytest.raises(PeriodoInvalido):
        solicitar_calculo(hoy, hoy + timedelta(days=1), admin.id)
    assert db.session.query(CalculoMetricas).count() == 0
    assert ultimo_calculo() is None


def test_solicitar_y_ejecutar_el_calculo(hoy, admin, crear_acreedor, crear_usuario,
                                         crear_caso, monkeypatch):
    acreedor = crear_acreedor()
    agente = crear_usuario("agente1")
    caso = crear_caso(acreedor, agente)
    from agencia.casos.modelos import Gestion

    db.session.add(Gestion(caso_id=caso.id, usuario_id=agente.id, canal="llamada",
                           resultado="titular_contactado",
                           creado_en=motor.rango_utc(hoy - timedelta(days=1))[0]))
    db.session.commit()

    calculo = solicitar_calculo(hoy - timedelta(days=2), hoy, admin.id)
    assert (calculo.estado, calculo.dias_hechos, progreso(calculo)) == ("pendiente", 0, 0)
    assert Job.fetch(calculo.job_id, connection=conexion()).get_status() == "queued"
    assert ultimo_calculo().id == calculo.id
    entrada = db.session.scalar(select(Auditoria).where(Auditoria.accion == "metricas.calcular"))
    assert entrada.entidad_id == calculo.id and entrada.usuario_id == admin.id

    # Each day's progress is committed: another connection sees it while the job runs.
    vistos = []
    original = motor.calcular_dia

    def espiar(fecha):
        with db.engine.connect() as otra:
            vistos.append(otra.execute(
                text("SELECT estado, dias_hechos FROM calculo_metricas WHERE id = :i"),
                {"i": calculo.id}).one())
        return original(fecha)

    monkeypatch.setattr(motor, "calcular_dia", espiar)
    assert calcular_metricas_job(calculo.id) == "listo"
    assert [tuple(v) for v in vistos] == [("calculando", 0), ("calculando", 1),
                                          ("calculando", 2)]

    db.session.expire_all()
    calculo = db.session.get(CalculoMetricas, calculo.id)
    assert (calculo.estado, calculo.dias_hechos, progreso(calculo)) == ("listo", 3, 100)
    assert calculo.terminado_en is not None
    fila = db.session.scalar(select(MetricaAgenteDia))
    assert (fila.fecha, fila.usuario_id, fila.gestiones) == (hoy - timedelta(days=1),
                                                             agente.id, 1)
    # A run already listo is not computed again if its job is delivered twice.
    assert calcular_metricas_job(calculo.id) is None


def test_progreso_a_medio_camino(hoy):
    calculo = CalculoMetricas(desde=hoy - timedelta(days=9), hasta=hoy, estado="calculando",
                              dias_hechos=4)
    assert progreso(calculo) == 40
    calculo.dias_hechos = 10
    assert progreso(calculo) == 99  # the lotes are still to come
    calculo.estado = "listo"
    assert progreso(calculo) == 100


def test_redis_caido_deja_el_calculo_pendiente_y_se_reencola(app, hoy, admin):
    url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{puerto_libre()}/0"
    try:
        with pytest.raises(CalculoSinCola, match="servicio de tareas no responde"):
            solicitar_calculo(hoy - timedelta(days=1), hoy, admin.id)
    finally:
        app.config["REDIS_URL"] = url
    db.session.rollback()
    calculo = ultimo_calculo()
    assert (calculo.estado, calculo.job_id) == ("pendiente", None)

    assert reencolar_calculos_pendientes() == 1
    db.session.expire_all()
    calculo = db.session.get(CalculoMetricas, calculo.id)
    assert Job.fetch(calculo.job_id, connection=conexion()).get_status() == "queued"
    assert reencolar_calculos_pendientes() == 0  # its job is alive now


def test_un_error_deja_el_calculo_en_error(hoy, admin, monkeypatch):
    calculo = solicitar_calculo(hoy, hoy, admin.id)

    def fallar():
        raise RuntimeError("sin disco")

    monkeypatch.setattr(motor, "calcular_lotes", fallar)
    with pytest.raises(FalloCalculo):
        calcular_metricas_job(calculo.id)
    db.session.expire_all()
    calculo = db.session.get(CalculoMetricas, calculo.id)
    assert calculo.estado == "error"
    assert "Error inesperado al calcular las métricas" in calculo.error
    assert progreso(calculo) < 100
    assert reencolar_calculos_pendientes() == 0  # errors are not retried by themselves


def test_calculo_nocturno(hoy):
    assert calcular_ayer_job() == "listo"
    calculo = ultimo_calculo()
    ayer = hoy - timedelta(days=1)
    assert (calculo.desde, calculo.hasta) == (ayer - timedelta(days=motor.DIAS_REVISION - 1),
                                              ayer)
    assert calculo.estado == "listo" and calculo.solicitado_por is None
    assert servicios.periodo_nocturno() == (calculo.desde, calculo.hasta)
