"""A single collection letter goes through the contact policy when it is generated: blocked
with a next allowed moment it waits (and is queued again then, never before); blocked for good
it ends in error with the reason. Documents the deudor is owed never wait.

Moments are Bogotá wall times in March 2026: Tuesday 10, Sunday 15, Monday 23 (San José,
a Colombian holiday moved to Monday)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.cartas import servicios
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from tests.cartas.test_documentos import _acuerdo, _con_componentes, _pagado
from tests.conftest import ingresar

BOGOTA = ZoneInfo("America/Bogota")


def local(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=BOGOTA)


def _gestiones(caso_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Gestion).where(
        Gestion.caso_id == caso_id, Gestion.canal == "carta"))


def _solicitar(escenario, plantilla="recordatorio_amistoso", parametros=None) -> Carta:
    acreedor, agente, caso = escenario
    carta = servicios.solicitar_carta(caso.id, plantilla, agente.id, parametros)
    db.session.commit()
    return carta


def _generar(carta: Carta, momento: datetime) -> Carta:
    servicios.generar_carta(carta.id, momento=momento)
    db.session.commit()
    return carta


@pytest.mark.parametrize(("momento", "proximo", "motivo"), [
    ("2026-03-15 10:00", "2026-03-16 07:00", "los domingos no se permite contactar"),
    ("2026-03-23 10:00", "2026-03-24 07:00", "festivo"),  # San José, moved to Monday
    ("2026-03-10 20:00", "2026-03-11 07:00", "fuera del horario permitido"),  # after hours
])
def test_fuera_de_horario_la_carta_espera_con_motivo_y_proximo_momento(
        escenario, almacen, momento, proximo, motivo):
    carta = _generar(_solicitar(escenario), local(momento))
    assert carta.estado == "esperando"
    assert carta.programado_para == local(proximo)
    assert motivo in carta.motivo
    assert carta.archivo is None and carta.error is None
    assert not servicios.ruta_archivo(carta).exists()
    assert _gestiones(carta.caso_id) == 0
    entrada = db.session.scalar(select(Auditoria).where(Auditoria.accion == "carta.esperando"))
    assert entrada.entidad_id == carta.id and entrada.despues["motivo"] == carta.motivo


def test_la_espera_nunca_se_adelanta_y_se_reencola_al_llegar_el_momento(escenario, almacen):
    from rq import Queue

    from colas.conexion import conexion

    carta = _generar(_solicitar(escenario), local("2026-03-15 10:00"))
    llega = local("2026-03-16 07:00")
    antes = llega - timedelta(minutes=1)

    assert servicios.reencolar_atascadas(momento=antes) == 0
    assert carta.job_id is None
    assert _generar(carta, antes).estado == "esperando"  # a stray job does not run it early
    assert _gestiones(carta.caso_id) == 0

    assert servicios.reencolar_atascadas(momento=llega) == 1
    db.session.commit()
    assert carta.job_id is not None
    assert Queue("cartas", connection=conexion()).count == 1
    assert servicios.reencolar_atascadas(momento=llega) == 0  # its job is queued already

    assert _generar(carta, llega).estado == "lista"
    assert carta.motivo is None and servicios.ruta_archivo(carta).exists()
    assert _gestiones(carta.caso_id) == 1


def test_una_segunda_carta_dentro_del_limite_de_la_politica_espera(escenario, almacen):
    primera = _generar(_solicitar(escenario), local("2026-03-10 10:00"))
    assert primera.estado == "lista"
    segunda = _generar(_solicitar(escenario), local("2026-03-10 11:00"))
    assert segunda.estado == "esperando" and segunda.motivo
    assert segunda.programado_para > local("2026-03-10 11:00")
    assert _gestiones(primera.caso_id) == 1
    # Generating the first again (a rerun) is not a new contact: it is not held back.
    servicios.ruta_archivo(primera).unlink()
    primera.estado = "generando"
    db.session.commit()
    assert _generar(primera, local("2026-03-10 11:30")).estado == "lista"


@pytest.mark.parametrize("plantilla", ["acuerdo_pago", "paz_y_salvo"])
def test_los_documentos_del_deudor_nunca_esperan(escenario, almacen, plantilla):
    caso = escenario[2]
    _con_componentes(caso)
    if plantilla == "acuerdo_pago":
        parametros = {"acuerdo_id": _acuerdo(caso).id}
    else:
        parametros = None
        _acuerdo(caso, estado="cumplido")
        _pagado(caso)
    carta = _generar(_solicitar(escenario, plantilla, parametros), local("2026-03-15 22:00"))
    assert carta.estado == "lista", carta.error
    assert carta.programado_para is None and carta.motivo is None


@pytest.mark.parametrize(("preparar", "texto"), [
    (lambda caso: setattr(caso, "etapa", "pagado"), "El caso está cerrado (Pagado)"),
    (lambda caso: setattr(caso, "en_disputa", True), "El caso está en disputa"),
    (lambda caso: setattr(caso.deudor, "no_contactar", True), "no contactar"),
    (lambda caso: [setattr(c, "valido", False) for c in caso.deudor.contactos
                   if c.tipo == "direccion"], "no hay una dirección válida"),
])
def test_si_algo_cambio_desde_la_solicitud_la_carta_queda_en_error(
        escenario, almacen, preparar, texto):
    carta = _solicitar(escenario)
    preparar(escenario[2])
    db.session.commit()
    carta = _generar(carta, local("2026-03-10 10:00"))
    assert carta.estado == "error" and texto in carta.error
    assert carta.programado_para is None
    assert not servicios.ruta_archivo(carta).exists() and _gestiones(carta.caso_id) == 0
    # Nothing picks it up again.
    assert servicios.reencolar_atascadas(momento=local("2026-04-10 10:00")) == 0


def test_una_carta_en_espera_que_llega_con_el_caso_cerrado_no_se_genera(escenario, almacen):
    carta = _generar(_solicitar(escenario), local("2026-03-15 10:00"))
    escenario[2].etapa = "pagado"
    db.session.commit()
    carta = _generar(carta, local("2026-03-16 07:00"))
    assert carta.estado == "error" and "cerrado" in carta.error


def test_el_panel_muestra_por_que_espera_y_desde_cuando(cliente, escenario, almacen):
    acreedor, agente, caso = escenario
    _generar(_solicitar(escenario), local("2026-03-15 10:00"))
    ingresar(cliente, agente.usuario)
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    aviso = html.split('class="suave carta-esperando">')[1].split("</p>")[0]
    assert aviso.startswith("Esperando horario permitido: los domingos no se permite contactar")
    assert aviso.endswith("Se generará desde 16/03/2026 07:00.")


def test_el_estado_consultado_por_la_pagina_dice_que_espera(cliente, escenario, almacen):
    acreedor, agente, caso = escenario
    carta = _generar(_solicitar(escenario), local("2026-03-15 10:00"))
    ingresar(cliente, agente.usuario)
    datos = cliente.get(f"/cartas/{carta.id}/estado").get_json()
    assert datos["estado"] == "esperando"
    assert datos["mensaje"].startswith("Esperando horario permitido: los domingos")
