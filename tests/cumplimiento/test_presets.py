"""The table of the law: for each country preset, hour boundaries, Saturdays, Sundays and
holidays, in the deudor's local time. Windows are [start, end): 18:59 is inside 07:00–19:00
and 19:00 is not (the law says "between 7 and 19"; a call cannot start at the closing hour).

2026-03-09 is a Monday; 2026-03-14 a Saturday; 2026-03-15 a Sunday.
"""

from datetime import date

import pytest

from agencia.cumplimiento.horario import festivo, festivos
from agencia.cumplimiento.motor import evaluar
from agencia.cumplimiento.presets import PRESETS
from tests.cumplimiento.conftest import local

FUERA_CO = "fuera del horario permitido (lunes a viernes 07:00–19:00, hora de Bogotá)"

# (pais, local moment, canal, permitido, expected reason or None)
TABLA = {
    # Colombia — Ley 2300 de 2023
    "CO lunes 06:59": ("CO", "2026-03-09 06:59", "llamada", False, FUERA_CO),
    "CO lunes 07:00": ("CO", "2026-03-09 07:00", "llamada", True, None),
    "CO lunes 18:59": ("CO", "2026-03-09 18:59", "llamada", True, None),
    "CO lunes 19:00": ("CO", "2026-03-09 19:00", "llamada", False, FUERA_CO),
    "CO sábado 07:59": ("CO", "2026-03-14 07:59", "llamada", False,
                        "fuera del horario permitido (sábado 08:00–15:00, hora de Bogotá)"),
    "CO sábado 08:00": ("CO", "2026-03-14 08:00", "sms", True, None),
    "CO sábado 14:59": ("CO", "2026-03-14 14:59", "email", True, None),
    "CO sábado 15:00": ("CO", "2026-03-14 15:00", "llamada", False, "sábado 08:00–15:00"),
    "CO domingo": ("CO", "2026-03-15 10:00", "llamada", False,
                   "los domingos no se permite contactar"),
    "CO festivo trasladado (Reyes, lunes 12/01)": (
        "CO", "2026-01-12 10:00", "llamada", False,
        "es festivo en Colombia (Día de los Reyes Magos, trasladado)"),
    "CO 06/01 no es festivo (se trasladó)": ("CO", "2026-01-06 10:00", "llamada", True, None),
    "CO Jueves Santo": ("CO", "2026-04-02 10:00", "email", False, "es festivo en Colombia"),
    "CO visita prohibida": ("CO", "2026-03-09 10:00", "visita", False,
                            "el canal visita no está permitido (Colombia — Ley 2300"),
    "CO carta en horario": ("CO", "2026-03-09 10:00", "carta", True, None),
    # Chile — Ley 21.320
    "CL lunes 07:59": ("CL", "2026-03-09 07:59", "llamada", False,
                       "fuera del horario permitido (lunes a sábado 08:00–20:00, hora de Santiago)"),
    "CL lunes 08:00": ("CL", "2026-03-09 08:00", "llamada", True, None),
    "CL lunes 19:59": ("CL", "2026-03-09 19:59", "llamada", True, None),
    "CL lunes 20:00": ("CL", "2026-03-09 20:00", "llamada", False, "fuera del horario"),
    "CL sábado permitido": ("CL", "2026-03-14 19:00", "llamada", True, None),
    "CL domingo": ("CL", "2026-03-15 10:00", "sms", False, "los domingos no se permite"),
    "CL festivo (Independencia)": ("CL", "2026-09-18 10:00", "llamada", False,
                                   "es festivo en Chile (Día de la Independencia)"),
    "CL visita permitida": ("CL", "2026-03-09 10:00", "visita", True, None),
    # Perú — Ley 29571 art. 62
    "PE lunes 06:59": ("PE", "2026-03-09 06:59", "llamada", False,
                       "fuera del horario permitido (lunes a viernes 07:00–20:00, hora de Lima)"),
    "PE lunes 07:00": ("PE", "2026-03-09 07:00", "llamada", True, None),
    "PE viernes 19:59": ("PE", "2026-03-13 19:59", "llamada", True, None),
    "PE viernes 20:00": ("PE", "2026-03-13 20:00", "llamada", False, "fuera del horario"),
    "PE sábado": ("PE", "2026-03-14 10:00", "llamada", False, "los sábados no se permite"),
    "PE domingo": ("PE", "2026-03-15 10:00", "email", False, "los domingos no se permite"),
    "PE festivo (Independencia)": ("PE", "2026-07-28 10:00", "llamada", False,
                                   "es festivo en Perú (Día de la Independencia)"),
    # México — CONDUSEF: every day, holidays included
    "MX domingo 06:59": ("MX", "2026-03-15 06:59", "llamada", False,
                         "fuera del horario permitido (todos los días 07:00–22:00, "
                         "hora de Ciudad de México)"),
    "MX domingo 07:00": ("MX", "2026-03-15 07:00", "llamada", True, None),
    "MX 21:59": ("MX", "2026-03-09 21:59", "llamada", True, None),
    "MX 22:00": ("MX", "2026-03-09 22:00", "llamada", False, "fuera del horario"),
    "MX festivo no bloquea": ("MX", "2026-09-16 10:00", "llamada", True, None),
    # Estados Unidos — Regulation F: 8 a.m. to 9 p.m. at the consumer's location
    "US 07:59": ("US", "2026-03-09 07:59", "llamada", False,
                 "fuera del horario permitido (todos los días 08:00–21:00, hora de Nueva York)"),
    "US 08:00": ("US", "2026-03-09 08:00", "llamada", True, None),
    "US 20:59": ("US", "2026-03-09 20:59", "llamada", True, None),
    "US 21:00": ("US", "2026-03-09 21:00", "llamada", False, "fuera del horario"),
    "US domingo": ("US", "2026-03-15 10:00", "llamada", True, None),
    "US 4 de julio no bloquea": ("US", "2026-07-04 10:00", "llamada", True, None),
}


@pytest.mark.parametrize(("pais", "momento", "canal", "permitido", "motivo"),
                         list(TABLA.values()), ids=list(TABLA))
def test_tabla_de_la_ley(caso_en, pais, momento, canal, permitido, motivo):
    decision = evaluar(caso_en(pais), canal, local(momento, pais))
    assert decision.permitido is permitido, decision.motivos
    if motivo:
        assert any(motivo in m for m in decision.motivos), decision.motivos
    else:
        assert decision.motivos == ()
        assert decision.proximo_permitido is None
    assert decision.politica_nombre == PRESETS[pais].nombre
    assert decision.avisos == ()


@pytest.mark.parametrize("pais,ley", [
    ("CO", "Ley 2300 de 2023"), ("CL", "Ley 21.320"), ("PE", "Ley 29571"),
    ("MX", "CONDUSEF"), ("US", "Regulation F")])
def test_cada_preset_cita_su_ley(pais, ley):
    assert ley in PRESETS[pais].nombre
    assert PRESETS[pais].pais == pais


def test_preset_colombia():
    co = PRESETS["CO"]
    assert co.requiere_consentimiento and co.un_canal_por_semana_tras_contacto
    assert co.max_por_dia == 1 and co.canales_prohibidos == {"visita"}
    assert co.horario[6] is None and co.sin_festivos


def test_preset_chile_y_estados_unidos():
    cl, us = PRESETS["CL"], PRESETS["US"]
    assert (cl.topes["llamada"].max, cl.topes["llamada"].dias) == (1, 7)
    assert cl.topes["visita"].max == 1 and cl.topes["sms"].max == 2
    assert cl.separacion_dias == {"sms": 2, "whatsapp": 2, "email": 2, "carta": 2}
    assert (us.topes["llamada"].max, us.topes["llamada"].dias) == (7, 7)
    assert us.silencio_tras_conversacion_dias == {"llamada": 7}


def test_festivos_trasladados_de_colombia_vienen_del_paquete():
    assert "Reyes Magos" in festivo("CO", date(2026, 1, 12))
    assert festivo("CO", date(2026, 1, 6)) is None
    assert festivo("CO", date(2026, 3, 23)) is not None  # San José, moved to Monday


def test_festivos_se_calculan_una_vez_por_pais_y_anio():
    festivos.cache_clear()
    festivo("CO", date(2026, 1, 12))
    festivo("CO", date(2026, 5, 1))
    festivo("CO", date(2027, 1, 1))
    assert festivos.cache_info().misses == 2
