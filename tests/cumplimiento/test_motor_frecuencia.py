"""Counting rules: contacts per day, per-channel and total caps over rolling windows,
separation between contacts, one channel per week after direct contact (CO), and silence
after a conversation (US). History is built as gestiones with explicit times.

Weeks of March 2026: Monday 9, Saturday 14, Sunday 15, Monday 16.
"""

import pytest

from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.motor import evaluar
from agencia.extensiones import db
from tests.cumplimiento.conftest import local


def motivos(decision) -> str:
    return " | ".join(decision.motivos)


# ---------------------------------------------------------------- Colombia


def test_co_maximo_un_contacto_al_dia_sumando_canales(caso_en, gestion):
    caso = caso_en("CO")
    gestion(caso, local("2026-03-09 08:00"), "llamada", resultado="no_contesta")
    decision = evaluar(caso, "email", local("2026-03-09 10:00"))
    assert decision.motivos == ("ya se contactó hoy (máximo 1 contacto al día)",)
    assert decision.proximo_permitido == local("2026-03-10 07:00")
    assert evaluar(caso, "email", local("2026-03-10 07:00")).permitido


def test_co_el_dia_es_el_local_del_deudor(caso_en, gestion):
    caso = caso_en("CO")
    # 18:30 in Bogotá is 23:30 UTC; 07:30 the next day in Bogotá is another local day.
    gestion(caso, local("2026-03-09 18:30"), "llamada")
    assert evaluar(caso, "llamada", local("2026-03-10 07:30")).permitido


def test_co_un_canal_por_semana_tras_contacto_directo(caso_en, gestion):
    caso = caso_en("CO")
    gestion(caso, local("2026-03-13 10:00"), "llamada", resultado="titular_contactado")
    sms = evaluar(caso, "sms", local("2026-03-14 10:00"))
    assert sms.motivos == ("ya hubo contacto directo esta semana por llamada: no se usa otro "
                           "canal hasta el lunes",)
    # Sunday is closed anyway; the ISO week starts again on Monday.
    assert sms.proximo_permitido == local("2026-03-16 07:00")
    assert evaluar(caso, "llamada", local("2026-03-14 10:00")).permitido
    assert evaluar(caso, "sms", local("2026-03-16 07:00")).permitido


def test_co_contacto_entrante_tambien_es_directo(caso_en, gestion):
    caso = caso_en("CO")
    gestion(caso, local("2026-03-10 09:00"), "whatsapp", direccion="entrante",
            resultado="mensaje_dejado")
    assert not evaluar(caso, "llamada", local("2026-03-11 10:00")).permitido
    assert evaluar(caso, "whatsapp", local("2026-03-11 10:00")).permitido
    # Inbound contacts do not count against the daily maximum.
    assert evaluar(caso, "whatsapp", local("2026-03-10 11:00")).permitido


def test_co_intentos_sin_contacto_directo_no_cierran_canales(caso_en, gestion):
    caso = caso_en("CO")
    gestion(caso, local("2026-03-09 10:00"), "llamada", resultado="no_contesta")
    assert evaluar(caso, "sms", local("2026-03-10 10:00")).permitido


def test_co_historial_de_otro_caso_del_mismo_deudor(caso_en, crear_acreedor, gestion):
    from agencia.casos.modelos import Caso

    caso = caso_en("CO")
    otro_acreedor = crear_acreedor("OTRO")
    otro = Caso(acreedor_id=otro_acreedor.id, deudor_id=caso.deudor_id)
    db.session.add(otro)
    db.session.commit()
    gestion(otro, local("2026-03-09 08:00"), "llamada")
    assert "ya se contactó hoy" in motivos(evaluar(caso, "llamada", local("2026-03-09 10:00")))


# ---------------------------------------------------------------- Chile


def test_cl_llamadas_una_por_semana_movil_cruzando_el_domingo(caso_en, gestion):
    caso = caso_en("CL")
    gestion(caso, local("2026-03-14 10:00", "CL"), "llamada")  # Saturday
    lunes = evaluar(caso, "llamada", local("2026-03-16 10:00", "CL"))
    assert lunes.motivos == ("tope semanal de llamadas alcanzado (1 en 7 días)",)
    assert lunes.proximo_permitido == local("2026-03-21 10:00", "CL")
    assert not evaluar(caso, "llamada", local("2026-03-21 09:59", "CL")).permitido
    assert evaluar(caso, "llamada", local("2026-03-21 10:00", "CL")).permitido
    assert evaluar(caso, "sms", local("2026-03-16 10:00", "CL")).permitido


def test_cl_sms_dos_por_semana_con_dos_dias_de_separacion(caso_en, gestion):
    caso = caso_en("CL")
    gestion(caso, local("2026-03-09 10:00", "CL"), "sms")
    martes = evaluar(caso, "sms", local("2026-03-10 10:00", "CL"))
    assert martes.motivos == ("deben pasar 2 días entre SMS (el último: 09/03/2026 10:00)",)
    assert martes.proximo_permitido == local("2026-03-11 08:00", "CL")
    assert evaluar(caso, "sms", local("2026-03-11 08:00", "CL")).permitido
    gestion(caso, local("2026-03-11 08:00", "CL"), "sms")
    viernes = evaluar(caso, "sms", local("2026-03-13 10:00", "CL"))
    assert viernes.motivos == ("tope semanal de SMS alcanzado (2 en 7 días)",)
    assert viernes.proximo_permitido == local("2026-03-16 10:00", "CL")


def test_cl_visita_una_por_semana(caso_en, gestion):
    caso = caso_en("CL")
    gestion(caso, local("2026-03-09 11:00", "CL"), "visita")
    assert "tope semanal de visitas" in motivos(evaluar(caso, "visita",
                                                         local("2026-03-12 11:00", "CL")))


# ---------------------------------------------------------------- Estados Unidos


def test_us_siete_intentos_en_siete_dias(caso_en, gestion):
    caso = caso_en("US")
    for dia in range(10, 17):  # Tuesday 10 … Monday 16 March, one attempt a day
        gestion(caso, local(f"2026-03-{dia} 09:00", "US"), "llamada", resultado="no_contesta")
    octava = evaluar(caso, "llamada", local("2026-03-16 12:00", "US"))
    assert octava.motivos == ("tope semanal de llamadas alcanzado (7 en 7 días)",)
    assert octava.proximo_permitido == local("2026-03-17 09:00", "US")
    assert evaluar(caso, "sms", local("2026-03-16 12:00", "US")).permitido


def test_us_silencio_de_siete_dias_tras_una_conversacion(caso_en, gestion):
    caso = caso_en("US")
    gestion(caso, local("2026-03-10 15:00", "US"), "llamada", resultado="promesa_pago")
    decision = evaluar(caso, "llamada", local("2026-03-13 10:00", "US"))
    assert decision.motivos == ("hubo una conversación por llamada el 10/03/2026 15:00: no se "
                                "repite ese canal durante 7 días",)
    assert decision.proximo_permitido == local("2026-03-17 15:00", "US")
    assert evaluar(caso, "email", local("2026-03-13 10:00", "US")).permitido


def test_us_conversacion_entrante_tambien_silencia(caso_en, gestion):
    caso = caso_en("US")
    gestion(caso, local("2026-03-10 15:00", "US"), "llamada", direccion="entrante",
            resultado="volver_llamar")
    assert not evaluar(caso, "llamada", local("2026-03-11 10:00", "US")).permitido


def test_us_proximo_combina_silencio_y_horario(caso_en, gestion):
    caso = caso_en("US")
    gestion(caso, local("2026-03-10 20:30", "US"), "llamada", resultado="titular_contactado")
    decision = evaluar(caso, "llamada", local("2026-03-12 10:00", "US"))
    # 17 March 20:30 is inside 08:00–21:00.
    assert decision.proximo_permitido == local("2026-03-17 20:30", "US")


# ---------------------------------------------------------------- acreedor's tope total


@pytest.mark.parametrize(("contactos", "permitido"), [(2, True), (3, False)])
def test_tope_total_del_acreedor(caso_en, gestion, contactos, permitido):
    caso = caso_en("MX")
    db.session.add(PoliticaAcreedor(acreedor_id=caso.acreedor_id, pais="MX",
                                    ajustes={"tope_total": {"max": 3, "dias": 7}}))
    db.session.commit()
    for n, canal in zip(range(contactos), ("llamada", "sms", "email"), strict=False):
        gestion(caso, local(f"2026-03-{9 + n:02d} 10:00", "MX"), canal)
    decision = evaluar(caso, "whatsapp", local("2026-03-12 10:00", "MX"))
    assert decision.permitido is permitido
    if not permitido:
        assert decision.motivos == ("tope semanal de contactos alcanzado (3 en 7 días, sumando todos los "
                                    "canales)",)
        assert decision.proximo_permitido == local("2026-03-16 10:00", "MX")


def test_varios_motivos_temporales_y_el_proximo_los_cumple_todos(caso_en, gestion):
    caso = caso_en("CL")
    gestion(caso, local("2026-09-17 10:00", "CL"), "llamada")  # Thursday
    decision = evaluar(caso, "llamada", local("2026-09-18 21:00", "CL"))  # holiday, at night
    assert decision.motivos == (
        "es festivo en Chile (Día de la Independencia)",
        "fuera del horario permitido (lunes a sábado 08:00–20:00, hora de Santiago)",
        "tope semanal de llamadas alcanzado (1 en 7 días)")
    # 19 Sept is a holiday, 20 a Sunday, and the weekly cap holds until the 24th at 10:00.
    assert decision.proximo_permitido == local("2026-09-24 10:00", "CL")
