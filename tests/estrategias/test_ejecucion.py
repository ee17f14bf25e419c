"""Running the plans: the due step of each caso, no bursts, no doubles, the contact policy."""

from datetime import timedelta

from sqlalchemy import func, select

from agencia.cartas.modelos import Carta
from agencia.estrategias.ejecucion import ejecutar_estrategias
from agencia.estrategias.modelos import EjecucionPaso
from agencia.extensiones import db
from agencia.mensajes import envio
from agencia.mensajes.modelos import Mensaje
from tests.estrategias.conftest import local

LUNES = local("2026-03-09 10:00")


def ejecuciones(caso) -> dict:
    """{(dia, canal): ejecucion} of the caso."""
    filas = db.session.scalars(select(EjecucionPaso).where(EjecucionPaso.caso_id == caso.id))
    return {(e.dia, e.canal): e for e in filas}


def mensajes(caso) -> list[Mensaje]:
    return list(db.session.scalars(
        select(Mensaje).where(Mensaje.caso_id == caso.id).order_by(Mensaje.id)))


def test_dia_cero_encola_el_correo_en_la_bandeja_de_salida(caso_co, plan):
    caso, estrategia = caso_co(), plan()
    cuenta = ejecutar_estrategias(LUNES)
    db.session.commit()
    assert cuenta["encolado"] == 1 and cuenta["casos"] == 1
    (mensaje,) = mensajes(caso)
    assert (mensaje.canal, mensaje.plantilla, mensaje.origen, mensaje.estado) == (
        "email", "email_recordatorio", "estrategia", "pendiente")
    assert mensaje.destino == "maria@example.com" and mensaje.asunto
    assert caso.deudor.nombre in mensaje.cuerpo
    (ejecucion,) = ejecuciones(caso).values()
    assert ejecucion.estado == "encolado" and ejecucion.mensaje_id == mensaje.id
    assert ejecucion.estrategia_id == estrategia.id and ejecucion.dia == 0
    # Later the same week nothing new is due.
    assert ejecutar_estrategias(LUNES + timedelta(days=3))["encolado"] == 0
    assert len(mensajes(caso)) == 1


def test_dia_siete_el_sms(caso_co, plan):
    caso = caso_co()
    plan()
    ejecutar_estrategias(LUNES)
    ejecutar_estrategias(local("2026-03-16 09:00"))
    db.session.commit()
    assert [(m.canal, m.plantilla) for m in mensajes(caso)] == [
        ("email", "email_recordatorio"), ("sms", "sms_recordatorio")]
    assert mensajes(caso)[1].destino == "+573001234567"
    assert {k: e.estado for k, e in ejecuciones(caso).items()} == {
        (0, "email"): "encolado", (7, "sms"): "encolado"}


def test_caso_visto_el_dia_veinte_recibe_solo_la_carta(caso_co, plan):
    caso = caso_co()
    plan()
    cuenta = ejecutar_estrategias(local("2026-03-29 10:00"))
    db.session.commit()
    assert cuenta == {"casos": 1, "encolado": 1, "omitido": 0, "reemplazado": 2}
    assert mensajes(caso) == []  # no burst of old messages
    registro = ejecuciones(caso)
    assert registro[(15, "carta")].estado == "encolado"
    carta = db.session.get(Carta, registro[(15, "carta")].carta_id)
    assert (carta.plantilla, carta.caso_id, carta.estado) == ("carta_prejuridica", caso.id,
                                                              "pendiente")
    assert carta.job_id  # queued for generation after the batch
    for paso in ((0, "email"), (7, "sms")):
        assert registro[paso].estado == "omitido"
        assert registro[paso].motivo == "reemplazado por el paso del día 15"


def test_dos_ejecuciones_en_el_mismo_momento_no_agregan_nada(caso_co, plan):
    casos = [caso_co(desde=d) for d in ("2026-03-09 08:00", "2026-03-01 08:00",
                                         "2026-02-01 08:00")]
    plan()
    primera = ejecutar_estrategias(LUNES, lote=2)
    db.session.commit()
    assert primera["casos"] == 3
    antes = (db.session.scalar(select(func.count(EjecucionPaso.id))),
             db.session.scalar(select(func.count(Mensaje.id))),
             db.session.scalar(select(func.count(Carta.id))))
    segunda = ejecutar_estrategias(LUNES, lote=2)
    db.session.commit()
    assert segunda == {"casos": 0, "encolado": 0, "omitido": 0, "reemplazado": 0}
    assert (db.session.scalar(select(func.count(EjecucionPaso.id))),
            db.session.scalar(select(func.count(Mensaje.id))),
            db.session.scalar(select(func.count(Carta.id)))) == antes
    assert antes == (1 + 2 + 3, 2, 1)
    assert len(casos) == 3


def test_caso_en_disputa_queda_omitido_con_el_motivo(caso_co, plan):
    caso = caso_co()
    caso.en_disputa = True
    db.session.commit()
    plan()
    assert ejecutar_estrategias(LUNES)["omitido"] == 1
    db.session.commit()
    (ejecucion,) = ejecuciones(caso).values()
    assert ejecucion.estado == "omitido" and "disputa" in ejecucion.motivo
    assert mensajes(caso) == []
    # Already recorded: resolving the dispute later the same day does not fire it.
    caso.en_disputa = False
    db.session.commit()
    assert ejecutar_estrategias(LUNES + timedelta(hours=2))["casos"] == 0


def test_no_contactar_y_sin_contacto_autorizado(caso_co, plan):
    vetado = caso_co()
    vetado.deudor.no_contactar = True
    sin_correo = caso_co()
    for contacto in sin_correo.deudor.contactos:
        if contacto.tipo == "email":
            contacto.valido = False
    db.session.commit()
    plan()
    ejecutar_estrategias(LUNES)
    db.session.commit()
    assert "no contactar" in ejecuciones(vetado)[(0, "email")].motivo
    ejecucion = ejecuciones(sin_correo)[(0, "email")]
    assert ejecucion.estado == "omitido" and "correo electrónico" in ejecucion.motivo
    assert mensajes(sin_correo)[0].estado == "omitido"


def test_domingo_el_mensaje_espera_el_horario_permitido(caso_co, plan):
    """The plan queues; the outbox applies the contact policy (no contact on Sundays in
    Colombia): the message waits for Monday 07:00."""
    caso = caso_co(desde="2026-03-15 08:00")
    plan()
    domingo = local("2026-03-15 10:00")
    ejecutar_estrategias(domingo)
    db.session.commit()
    envio.enviar_pendientes(domingo)
    (mensaje,) = mensajes(caso)
    assert mensaje.estado == "esperando" and "domingo" in mensaje.motivo
    assert mensaje.programado_para == local("2026-03-16 07:00")
    assert mensaje.enviado_en is None


def test_mensaje_en_espera_se_omite_si_el_caso_cambia_de_etapa(caso_co, plan):
    """Waiting over the Sunday, the plan's message is not sent once the caso has moved on."""
    caso = caso_co(desde="2026-03-15 08:00")
    plan()
    domingo = local("2026-03-15 10:00")
    ejecutar_estrategias(domingo)
    db.session.commit()
    envio.enviar_pendientes(domingo)
    caso.etapa, caso.etapa_desde = "negociacion", local("2026-03-15 18:00")
    db.session.commit()
    envio.enviar_pendientes(local("2026-03-16 09:00"))
    (mensaje,) = mensajes(caso)
    assert mensaje.estado == "omitido" and mensaje.enviado_en is None
    assert "ya no está en la etapa" in mensaje.motivo


def test_caso_que_vuelve_a_entrar_en_la_etapa_repite_el_plan(caso_co, plan):
    caso = caso_co()
    plan()
    ejecutar_estrategias(LUNES)
    db.session.commit()
    caso.etapa, caso.etapa_desde = "negociacion", local("2026-03-10 09:00")
    db.session.commit()
    assert ejecutar_estrategias(local("2026-03-11 10:00"))["casos"] == 0  # other etapa
    caso.etapa, caso.etapa_desde = "prejuridico", local("2026-03-20 09:00")
    db.session.commit()
    ejecutar_estrategias(local("2026-03-20 10:00"))
    db.session.commit()
    correos = [m for m in mensajes(caso) if m.canal == "email"]
    assert len(correos) == 2 and correos[0].clave != correos[1].clave
    assert db.session.scalar(select(func.count(EjecucionPaso.id)).where(
        EjecucionPaso.caso_id == caso.id, EjecucionPaso.dia == 0)) == 2


def test_plan_inactivo_u_otra_etapa_no_se_ejecuta(caso_co, plan, acreedor_co, crear_acreedor):
    caso_co(etapa="negociacion")
    plan(activa=False)
    otro = crear_acreedor("OTRO", pais="CO", zona_horaria="America/Bogota")
    plan(acreedor=otro)
    assert ejecutar_estrategias(LUNES)["casos"] == 0
    assert db.session.scalar(select(func.count(Mensaje.id))) == 0


def test_el_trabajo_periodico_confirma_por_lotes(caso_co, plan):
    from colas.programacion import buscar
    from colas.trabajos.estrategias import ejecutar_estrategias_job

    assert buscar("estrategias_ejecutar").cada == timedelta(hours=1)
    caso = caso_co(desde="2026-03-09 08:00")
    caso.etapa_desde = caso.etapa_desde.replace(year=2099)  # enters in the future: nothing
    db.session.commit()
    plan()
    assert ejecutar_estrategias_job()["casos"] == 0
