"""The engine: time zones, every reason at once, fixed blocks, preferred hours, fallbacks and
the next legal moment (proximo_permitido, always aware UTC)."""

import time as reloj
from datetime import UTC, time

import pytest

from agencia.casos.modelos import CANALES
from agencia.cumplimiento.motor import evaluar, evaluar_canales, politica_para
from agencia.cumplimiento.presets import PRESETS
from agencia.extensiones import db
from tests.cumplimiento.conftest import local, utc

# ---------------------------------------------------------------- the deudor's time zone


@pytest.mark.parametrize(("momento_utc", "permitido"), [
    ("2026-03-09 10:59", False),  # 07:59 in Santiago (summer time, UTC-3)
    ("2026-03-09 11:00", True),   # 08:00
    ("2026-07-06 11:30", False),  # 07:30 in Santiago (winter time, UTC-4)
    ("2026-07-06 12:00", True),   # 08:00
], ids=["verano 07:59", "verano 08:00", "invierno 07:30", "invierno 08:00"])
def test_chile_evaluado_con_momento_utc(caso_en, momento_utc, permitido):
    decision = evaluar(caso_en("CL"), "llamada", utc(momento_utc))
    assert decision.permitido is permitido
    assert decision.zona_horaria == "America/Santiago"


def test_deudor_en_los_angeles_con_acreedor_en_nueva_york(caso_en):
    caso = caso_en("US", zona="America/Los_Angeles")
    momento = local("2026-03-10 10:00", "America/New_York")  # 07:00 in Los Angeles
    decision = evaluar(caso, "llamada", momento)
    assert not decision.permitido
    assert decision.motivos == (
        "fuera del horario permitido (todos los días 08:00–21:00, hora de Los Ángeles)",)
    assert decision.proximo_permitido == local("2026-03-10 08:00", "America/Los_Angeles")
    assert decision.proximo_permitido.tzinfo == UTC
    assert decision.zona_horaria == "America/Los_Angeles"
    assert evaluar(caso, "llamada", local("2026-03-10 11:00", "America/New_York")).permitido


def test_cambio_de_hora_en_estados_unidos(caso_en):
    """8 March 2026: New York moves from UTC-5 to UTC-4 at 02:00."""
    caso = caso_en("US")
    sabado = evaluar(caso, "llamada", utc("2026-03-08 02:30"))  # 21:30 on Saturday (EST)
    assert sabado.proximo_permitido == utc("2026-03-08 12:00")  # 08:00 on Sunday (EDT)
    assert not evaluar(caso, "llamada", utc("2026-03-08 11:59")).permitido
    assert evaluar(caso, "llamada", utc("2026-03-08 12:00")).permitido


def test_la_zona_del_servidor_no_cuenta(caso_en, monkeypatch):
    caso = caso_en("CO")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    reloj.tzset()
    try:
        assert evaluar(caso, "llamada", utc("2026-03-09 12:00")).permitido  # 07:00 Bogotá
        assert not evaluar(caso, "llamada", utc("2026-03-09 11:59")).permitido
    finally:
        monkeypatch.undo()
        reloj.tzset()


def test_momento_sin_zona_es_rechazado(caso_en):
    from datetime import datetime

    with pytest.raises(ValueError):
        evaluar(caso_en("CO"), "llamada", datetime(2026, 3, 9, 10))


# ---------------------------------------------------------------- fixed blocks, every reason


def test_disputa_y_domingo_dan_todos_los_motivos_sin_fecha(caso_en):
    caso = caso_en("CO")
    caso.en_disputa = True
    db.session.commit()
    decision = evaluar(caso, "llamada", local("2026-03-15 10:00"))
    assert not decision.permitido
    assert any("en disputa" in m for m in decision.motivos)
    assert any("domingos" in m for m in decision.motivos)
    assert decision.proximo_permitido is None


def test_no_contactar_bloquea_todos_los_canales(caso_en):
    caso = caso_en("MX", no_contactar=True)
    decisiones = evaluar_canales(caso, local("2026-03-09 10:00", "MX"))
    assert set(decisiones) == set(CANALES)
    for decision in decisiones.values():
        assert not decision.permitido and decision.proximo_permitido is None
        assert "el deudor está marcado «no contactar»" in decision.motivos


def test_entrante_siempre_permitido(caso_en):
    caso = caso_en("CO", no_contactar=True)
    caso.en_disputa = True
    db.session.commit()
    decision = evaluar(caso, "visita", local("2026-03-15 23:00"), direccion="entrante")
    assert decision.permitido and decision.motivos == () and decision.proximo_permitido is None


@pytest.mark.parametrize(("pais", "consentimientos", "canal", "motivo"), [
    ("CO", {"telefono": ["llamada"]}, "sms",
     "el deudor no autorizó el canal SMS (Colombia — Ley 2300 de 2023, art. 3 exige su "
     "consentimiento)"),
    ("CO", {"telefono": ["llamada"]}, "email", "no hay un correo electrónico válido"),
    ("CO", {"email": ["email"]}, "carta", "no hay una dirección válida"),
    ("MX", {"telefono": []}, "sms", None),
    ("MX", {"telefono": []}, "llamada", None),
    ("MX", {"telefono": []}, "email", "no hay un correo electrónico válido"),
], ids=["CO sin consentimiento SMS", "CO sin correo", "CO sin dirección",
        "MX no exige consentimiento (SMS)", "MX no exige consentimiento (llamada)",
        "MX sin correo"])
def test_consentimiento_y_contacto(caso_en, pais, consentimientos, canal, motivo):
    decision = evaluar(caso_en(pais, consentimientos=consentimientos), canal,
                       local("2026-03-09 10:00", pais))
    if motivo is None:
        assert decision.permitido
    else:
        assert decision.motivos == (motivo,)
        assert decision.proximo_permitido is None


def test_telefono_invalido_no_sirve(caso_en):
    caso = caso_en("MX")
    for contacto in caso.deudor.contactos:
        if contacto.tipo == "telefono":
            contacto.valido = False
    db.session.commit()
    decision = evaluar(caso, "whatsapp", local("2026-03-09 10:00", "MX"))
    assert decision.motivos == ("no hay un teléfono válido",)


def test_visita_prohibida_en_colombia_aun_con_consentimiento(caso_en):
    decision = evaluar(caso_en("CO"), "visita", local("2026-03-09 10:00"))
    assert decision.motivos == (
        "el canal visita no está permitido (Colombia — Ley 2300 de 2023, art. 3)",)
    assert decision.proximo_permitido is None


# ---------------------------------------------------------------- next legal moment


@pytest.mark.parametrize(("pais", "momento", "proximo"), [
    ("CO", "2026-03-13 19:30", "2026-03-14 08:00"),  # Friday evening → Saturday 08:00
    ("CO", "2026-03-14 15:30", "2026-03-16 07:00"),  # Saturday afternoon → Monday
    ("CO", "2026-01-10 15:30", "2026-01-13 07:00"),  # before holiday Monday → Tuesday
    ("CO", "2026-01-12 10:00", "2026-01-13 07:00"),  # on the holiday itself
    ("CO", "2026-04-01 19:00", "2026-04-04 08:00"),  # Holy Thursday and Friday
    ("CO", "2026-03-09 05:00", "2026-03-09 07:00"),  # early morning → same day
    ("PE", "2026-03-13 20:00", "2026-03-16 07:00"),  # Friday evening → Monday
    ("PE", "2026-07-27 20:30", "2026-07-30 07:00"),  # 28 and 29 July are holidays
    ("CL", "2026-09-17 20:00", "2026-09-21 08:00"),  # 18, 19 Sept holidays, 20 Sunday
    ("US", "2026-03-09 21:00", "2026-03-10 08:00"),
], ids=["CO viernes 19:30", "CO sábado 15:30", "CO antes de festivo lunes", "CO en festivo",
        "CO Semana Santa", "CO madrugada", "PE viernes", "PE fiestas patrias",
        "CL fiestas patrias", "US noche"])
def test_proximo_permitido(caso_en, pais, momento, proximo):
    decision = evaluar(caso_en(pais), "llamada", local(momento, pais))
    assert not decision.permitido
    assert decision.proximo_permitido == local(proximo, pais)
    assert decision.proximo_permitido.tzinfo == UTC
    assert evaluar(caso_en(pais), "llamada", decision.proximo_permitido).permitido


# ---------------------------------------------------------------- preferred hours


def test_horario_preferido_estrecha_la_ventana(caso_en):
    caso = caso_en("CO", hora_preferida_desde=time(12), hora_preferida_hasta=time(14))
    antes = evaluar(caso, "llamada", local("2026-03-09 10:00"))
    assert antes.motivos == (
        "fuera del horario preferido por el deudor (12:00–14:00, hora de Bogotá)",)
    assert antes.proximo_permitido == local("2026-03-09 12:00")
    assert evaluar(caso, "llamada", local("2026-03-09 13:59")).permitido
    assert not evaluar(caso, "llamada", local("2026-03-09 14:00")).permitido
    # Saturday ends at 15:00: only 12:00–14:00 is both legal and preferred.
    assert evaluar(caso, "llamada", local("2026-03-14 12:30")).permitido


def test_horario_preferido_no_amplia_el_legal(caso_en):
    caso = caso_en("CO", hora_preferida_desde=time(5), hora_preferida_hasta=time(22))
    decision = evaluar(caso, "llamada", local("2026-03-09 06:30"))
    assert any("fuera del horario permitido" in m for m in decision.motivos)
    assert decision.proximo_permitido == local("2026-03-09 07:00")
    assert not evaluar(caso, "llamada", local("2026-03-09 20:00")).permitido


def test_horario_preferido_fuera_del_sabado_salta_al_lunes(caso_en):
    caso = caso_en("CO", hora_preferida_desde=time(16), hora_preferida_hasta=time(18))
    decision = evaluar(caso, "llamada", local("2026-03-14 10:00"))
    assert decision.motivos == (
        "fuera del horario preferido por el deudor (16:00–18:00, hora de Bogotá)",)
    assert decision.proximo_permitido == local("2026-03-16 16:00")


def test_horario_preferido_imposible_se_ignora_con_aviso(caso_en):
    caso = caso_en("CO", hora_preferida_desde=time(21), hora_preferida_hasta=time(23))
    decision = evaluar(caso, "llamada", local("2026-03-09 10:00"))
    assert decision.permitido
    assert any("horario preferido" in a for a in decision.avisos)


# ---------------------------------------------------------------- country / zone fallback


def test_deudor_sin_pais_usa_la_politica_del_acreedor_y_lo_dice(caso_en):
    caso = caso_en(None, zona=None, acreedor_pais="CL")
    politica, avisos = politica_para(caso)
    assert politica is PRESETS["CL"]
    assert avisos == ("El deudor no tiene país registrado: se aplica la política de Chile.",)
    decision = evaluar(caso, "llamada", local("2026-03-14 19:00", "CL"))  # Saturday: CL allows
    assert decision.permitido
    assert decision.zona_horaria == "America/Santiago"
    assert decision.avisos[0] == avisos[0]
    assert "se usa la del acreedor (hora de Santiago)" in decision.avisos[1]


def test_deudor_con_pais_sin_zona_en_pais_de_varias_zonas(caso_en):
    decision = evaluar(caso_en("US", zona=None), "llamada", local("2026-03-09 10:00", "US"))
    assert decision.permitido and decision.zona_horaria == "America/New_York"
    assert decision.avisos == ("El deudor no tiene zona horaria registrada: se usa la hora de "
                               "Nueva York (America/New_York).",)


def test_deudor_colombiano_sin_zona_no_necesita_aviso(caso_en):
    decision = evaluar(caso_en("CO", zona=None), "llamada", local("2026-03-09 10:00"))
    assert decision.permitido and decision.avisos == ()
    assert decision.zona_horaria == "America/Bogota"


def test_pais_sin_preset_cae_al_del_acreedor(caso_en):
    caso = caso_en("AR", zona="America/Argentina/Buenos_Aires", acreedor_pais="CO")
    politica, avisos = politica_para(caso)
    assert politica is PRESETS["CO"]
    assert avisos == ("No hay política para el país del deudor (AR): se aplica la política de "
                      "Colombia.",)
    # 06:30 in Bogotá is 08:30 in Buenos Aires: the deudor's own clock is what matters.
    assert evaluar(caso, "llamada", local("2026-03-09 06:30", "America/Bogota")).permitido
