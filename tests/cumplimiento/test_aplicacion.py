"""Enforcement: registrar_gestion asks the contact policy before writing an outbound gestion.

Every test gives an explicit moment (registrar_gestion's `momento`), written as Bogotá wall
time, so nothing depends on when the suite runs. The caso's deudor lives in Colombia
(Ley 2300: Mon–Fri 07:00–19:00, Sat 08:00–15:00, never Sundays; only authorised channels;
one contact a day; after a direct contact no other channel that week).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Gestion
from agencia.casos.servicios import ContactoBloqueado, GestionInvalida, registrar_gestion
from agencia.cumplimiento.motor import evaluar
from agencia.extensiones import db

BOGOTA = ZoneInfo("America/Bogota")


def bogota(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=BOGOTA)


MARTES = bogota("2026-03-10 10:00")
DOMINGO = bogota("2026-03-08 10:00")
MOTIVO = "El deudor pidió que lo llamaran hoy domingo para pagar."


@pytest.fixture
def personas(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana", rol="agente")
    sara = crear_usuario("sara", rol="supervisor")
    caso = crear_caso(acme, ana)  # phone: llamada, sms; email: email
    caso.deudor.pais, caso.deudor.zona_horaria = "CO", "America/Bogota"
    db.session.commit()
    return caso, ana, sara


def _cuenta(modelo, *condiciones) -> int:
    return db.session.scalar(select(func.count(modelo.id)).where(*condiciones))


def _nada_escrito() -> None:
    db.session.rollback()
    assert _cuenta(Gestion) == 0
    assert _cuenta(Auditoria) == 0


def test_saliente_permitida_se_guarda_sin_excepcion(personas):
    caso, ana, _ = personas
    gestion = registrar_gestion(caso, ana.id, "llamada", "saliente", "no_contesta", momento=MARTES)
    db.session.commit()
    assert gestion.creado_en == MARTES
    assert gestion.excepcion_autorizada_por is None and gestion.excepcion_motivo is None
    assert _cuenta(Auditoria, Auditoria.accion == "contacto.excepcion") == 0


def test_saliente_un_domingo_es_rechazada_con_motivo_y_proximo_momento(personas):
    caso, ana, _ = personas
    with pytest.raises(ContactoBloqueado) as error:
        registrar_gestion(caso, ana.id, "llamada", "saliente", "no_contesta", momento=DOMINGO)
    assert isinstance(error.value, GestionInvalida) and error.value.campo == "canal"
    mensaje = error.value.mensaje
    assert "no permite un contacto saliente por Llamada" in mensaje
    assert "los domingos no se permite contactar" in mensaje
    assert "Próximo momento permitido: 09/03/2026 07:00 (hora local)." in mensaje
    assert "supervisor" in mensaje
    assert error.value.decision.proximo_permitido == bogota("2026-03-09 07:00")
    _nada_escrito()


def test_todos_los_motivos_y_sin_fecha_cuando_falta_el_consentimiento(personas):
    caso, ana, _ = personas
    with pytest.raises(ContactoBloqueado) as error:
        registrar_gestion(caso, ana.id, "whatsapp", "saliente", "mensaje_dejado",
                          momento=DOMINGO)
    mensaje = error.value.mensaje
    assert "no autorizó el canal WhatsApp" in mensaje
    assert "los domingos no se permite contactar" in mensaje
    assert "Próximo momento permitido" not in mensaje  # consent is not a matter of waiting
    _nada_escrito()


def test_excepcion_de_supervisor_guarda_y_audita_lo_que_se_paso_por_alto(personas):
    caso, ana, sara = personas
    gestion = registrar_gestion(
        caso, ana.id, "llamada", "saliente", "titular_contactado", "Pagará el lunes.",
        momento=DOMINGO, excepcion_motivo=MOTIVO, autorizado_por=sara)
    db.session.commit()
    assert gestion.excepcion_autorizada_por == sara.id
    assert gestion.excepcion_motivo == MOTIVO
    entrada = db.session.scalars(
        select(Auditoria).where(Auditoria.accion == "contacto.excepcion")).one()
    assert entrada.usuario_id == sara.id
    assert (entrada.entidad, entrada.entidad_id, entrada.acreedor_id) == (
        "caso", caso.id, caso.acreedor_id)
    assert any("domingos" in motivo for motivo in entrada.antes["motivos"])
    assert entrada.despues["canal"] == "llamada" and entrada.despues["caso_id"] == caso.id
    assert entrada.despues["autorizado_por"] == sara.id
    assert entrada.despues["gestion_id"] == gestion.id and entrada.despues["motivo"] == MOTIVO


def test_excepcion_innecesaria_no_se_registra(personas):
    caso, ana, sara = personas
    gestion = registrar_gestion(caso, ana.id, "llamada", "saliente", "no_contesta",
                                momento=MARTES, excepcion_motivo=MOTIVO, autorizado_por=sara)
    assert gestion.excepcion_autorizada_por is None
    assert _cuenta(Auditoria, Auditoria.accion == "contacto.excepcion") == 0


@pytest.mark.parametrize(("quien", "motivo", "campo", "texto"), [
    ("ana", MOTIVO, "excepcion", "Solo un supervisor o un administrador"),
    (None, MOTIVO, "excepcion", "Solo un supervisor o un administrador"),
    ("sara", "porque sí", "excepcion_motivo", "al menos 10 caracteres"),
    ("sara", "", "excepcion_motivo", "al menos 10 caracteres"),
], ids=["agente", "sin autorizador", "motivo corto", "sin motivo"])
def test_excepcion_mal_pedida_es_rechazada(personas, quien, motivo, campo, texto):
    caso, ana, sara = personas
    autoriza = {"ana": ana, "sara": sara, None: None}[quien]
    with pytest.raises(GestionInvalida) as error:
        registrar_gestion(caso, ana.id, "llamada", "saliente", "no_contesta", momento=DOMINGO,
                          excepcion_motivo=motivo, autorizado_por=autoriza)
    assert error.value.campo == campo and texto in error.value.mensaje
    _nada_escrito()


@pytest.mark.parametrize("preparar", ["domingo", "sin consentimiento", "disputa",
                                      "no contactar"])
def test_entrante_siempre_se_registra(personas, preparar):
    caso, ana, _ = personas
    canal, momento = "llamada", MARTES
    if preparar == "domingo":
        momento = DOMINGO
    elif preparar == "sin consentimiento":
        canal = "whatsapp"
    elif preparar == "disputa":
        caso.en_disputa = True
    else:
        caso.deudor.no_contactar = True
    db.session.commit()
    assert not evaluar(caso, canal, momento).permitido  # outbound would be refused
    gestion = registrar_gestion(caso, ana.id, canal, "entrante", "titular_contactado",
                                momento=momento)
    db.session.commit()
    assert gestion.id and gestion.excepcion_autorizada_por is None


def test_entrante_cuenta_como_contacto_directo(personas):
    caso, ana, _ = personas
    registrar_gestion(caso, ana.id, "llamada", "entrante", "titular_contactado", momento=MARTES)
    db.session.commit()
    with pytest.raises(ContactoBloqueado) as error:
        registrar_gestion(caso, ana.id, "sms", "saliente", "mensaje_dejado",
                          momento=bogota("2026-03-11 10:00"))
    assert "ya hubo contacto directo esta semana" in error.value.mensaje
    assert "Próximo momento permitido: 16/03/2026 07:00 (hora local)." in error.value.mensaje


def test_verificar_politica_false_no_consulta_el_motor(personas):
    """The automated letter path (issue 7 will route it through the engine)."""
    caso, _, _ = personas
    gestion = registrar_gestion(caso, None, "carta", "saliente", "carta_generada", "Carta",
                                momento=DOMINGO, verificar_politica=False)
    assert gestion.id


def test_resultado_disputa_pone_el_caso_en_disputa_y_bloquea(personas):
    caso, ana, _ = personas
    registrar_gestion(caso, ana.id, "llamada", "saliente", "disputa",
                      "Dice que ya pagó la factura F-1 en enero.", momento=MARTES)
    db.session.commit()
    db.session.refresh(caso)
    assert caso.en_disputa and caso.disputa_desde == MARTES
    assert caso.disputa_motivo == "Dice que ya pagó la factura F-1 en enero."
    entrada = db.session.scalars(
        select(Auditoria).where(Auditoria.accion == "caso.disputa")).one()
    assert entrada.usuario_id == ana.id and entrada.despues["en_disputa"] is True
    with pytest.raises(ContactoBloqueado) as error:
        registrar_gestion(caso, ana.id, "email", "saliente", "mensaje_dejado",
                          momento=bogota("2026-03-17 10:00"))
    assert "en disputa" in error.value.mensaje
