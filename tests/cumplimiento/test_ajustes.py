"""An acreedor tightens a preset (never loosens it); an admin's excepcion may loosen it.
Validation answers in Spanish, naming the field and the legal value."""

from datetime import time

import pytest

from agencia.cumplimiento.ajustes import (
    AjustesInvalidos,
    aplicar,
    describir,
    validar_ajustes,
    validar_excepcion,
)
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.motor import evaluar, politica_para
from agencia.cumplimiento.presets import PRESETS, Tope
from agencia.extensiones import db
from tests.cumplimiento.conftest import local

CO, CL, US = PRESETS["CO"], PRESETS["CL"], PRESETS["US"]

RECHAZADOS = {
    "hora antes del horario legal": (
        CO, {"horario": {"0": ["06:00", "19:00"]}},
        "Horario del lunes: 06:00–19:00 sale del horario legal, 07:00–19:00 "
        "(Colombia — Ley 2300 de 2023, art. 3)."),
    "hora después del horario legal": (
        CO, {"horario": {"5": ["08:00", "16:00"]}}, "Horario del sábado: 08:00–16:00 sale"),
    "habilitar el domingo": (
        CO, {"horario": {"6": ["09:00", "12:00"]}},
        "Horario del domingo: la ley no permite contactar ese día"),
    "inicio después del fin": (
        CL, {"horario": {"2": ["18:00", "09:00"]}},
        "Horario del miércoles: la hora de inicio (18:00) debe ser anterior a la de fin (09:00)."),
    "hora mal escrita": (CL, {"horario": {"1": ["8am", "18:00"]}}, "use [\"HH:MM\", \"HH:MM\"]"),
    "día inexistente": (CL, {"horario": {"7": None}}, "día «7» no válido"),
    "tope negativo": (
        CL, {"topes": {"llamada": {"max": -1, "dias": 7}}},
        "Tope de llamada: el máximo debe ser un número entero mayor que cero."),
    "tope de cero días": (
        CL, {"topes": {"sms": {"max": 1, "dias": 0}}}, "el período debe ser de al menos 1 día"),
    "tope más laxo (máximo)": (
        US, {"topes": {"llamada": {"max": 8, "dias": 7}}},
        "Tope de llamada: 8 en 7 días es menos estricto que el legal, 7 en 7 días "
        "(Estados Unidos — Regulation F (12 CFR 1006)). El máximo no puede subir ni el "
        "período acortarse."),
    "tope más laxo (período)": (
        CL, {"topes": {"llamada": {"max": 1, "dias": 5}}}, "es menos estricto que el legal"),
    "quitar un tope legal": (CL, {"topes": {"llamada": None}}, "sin tope es menos estricto"),
    "máximo diario mayor": (CO, {"max_por_dia": 2}, "Máximo de contactos por día: 2 supera"),
    "máximo diario negativo": (CO, {"max_por_dia": -3}, "debe ser un número entero mayor que"),
    "habilitar visita en Colombia": (
        CO, {"canales_prohibidos": []},
        "Canales prohibidos: la ley prohíbe el canal visita (Colombia — Ley 2300 de 2023, "
        "art. 3); no se puede habilitar."),
    "canal desconocido": (CO, {"canales_prohibidos": ["visita", "fax"]}, "canal desconocido «fax»"),
    "separación menor": (
        CL, {"separacion_dias": {"sms": 1}},
        "Separación de SMS: 1 día es menos que el mínimo legal, 2 días (Chile — Ley 21.320)."),
    "separación negativa": (CL, {"separacion_dias": {"sms": -2}}, "no negativo"),
    "quitar el consentimiento": (
        CO, {"requiere_consentimiento": False}, "Consentimiento por canal: la ley lo exige"),
    "clave desconocida": (CO, {"horas": {}}, "Clave desconocida en la política: «horas»."),
    "no es un objeto": (CO, ["horario"], "La política debe ser un objeto JSON."),
}


@pytest.mark.parametrize(("preset", "ajustes", "mensaje"), list(RECHAZADOS.values()),
                         ids=list(RECHAZADOS))
def test_ajustes_rechazados(preset, ajustes, mensaje):
    errores = validar_ajustes(preset, ajustes)
    assert any(mensaje in e for e in errores), errores
    with pytest.raises(AjustesInvalidos):
        aplicar(preset, ajustes)


def test_todos_los_errores_a_la_vez():
    errores = validar_ajustes(CO, {"horario": {"0": ["06:00", "19:00"], "6": ["08:00", "10:00"]},
                                   "max_por_dia": 2, "canales_prohibidos": []})
    assert len(errores) == 4


def test_endurecer_es_valido_y_se_aplica():
    ajustes = {"horario": {"0": ["08:00", "18:00"], "5": None}, "max_por_dia": 1,
               "topes": {"llamada": {"max": 1, "dias": 10}, "sms": {"max": 3, "dias": 7}},
               "tope_total": {"max": 3, "dias": 7}, "canales_prohibidos": ["visita", "whatsapp"],
               "separacion_dias": {"sms": 3}}
    assert validar_ajustes(CO, ajustes) == []
    politica = aplicar(CO, ajustes)
    assert politica.horario[0] == (time(8), time(18))
    assert politica.horario[1] == CO.horario[1]
    assert politica.horario[5] is None
    assert politica.topes == {"llamada": Tope(1, 10), "sms": Tope(3, 7)}
    assert politica.tope_total == Tope(3, 7)
    assert politica.canales_prohibidos == {"visita", "whatsapp"}
    assert politica.separacion_dias == {"sms": 3}
    assert politica.nombre == "Colombia — Ley 2300 de 2023, art. 3, con ajustes del acreedor"
    assert CO.horario[0] == (time(7), time(19))  # the preset itself is untouched


def test_sin_ajustes_es_el_preset():
    assert aplicar(CL, {}) == CL
    assert aplicar(CL, None) == CL


def test_excepcion_puede_aflojar():
    excepcion = {"horario": {"6": ["10:00", "12:00"]}, "max_por_dia": None,
                 "canales_prohibidos": [], "topes": {"llamada": {"max": 2, "dias": 7}}}
    assert validar_excepcion(CO, excepcion) == []
    politica = aplicar(CO, {"max_por_dia": 1}, excepcion)
    assert politica.horario[6] == (time(10), time(12))
    assert politica.max_por_dia is None and politica.canales_prohibidos == frozenset()
    assert politica.nombre.endswith("con excepción")


def test_excepcion_tambien_debe_estar_bien_formada():
    assert validar_excepcion(CO, {"horario": {"6": ["12:00", "10:00"]}})
    assert validar_excepcion(CO, {"topes": {"llamada": {"max": -1, "dias": 7}}})
    with pytest.raises(AjustesInvalidos, match="Excepción"):
        aplicar(CO, {}, {"max_por_dia": "dos"})


def test_describir():
    filas = dict(describir(CO))
    assert filas["Horario (hora local del deudor)"] == (
        "lunes a viernes 07:00–19:00; sábado 08:00–15:00; domingo: sin contacto")
    assert filas["Canales prohibidos"] == "Visita"
    assert dict(describir(CL))["Topes por canal"].startswith("Llamada: máximo 1 en 7 días")
    assert [e for e, _ in describir(CO)] == [e for e, _ in describir(US)]


# ---------------------------------------------------------------- through the engine


def _fila(caso, pais, **campos):
    db.session.add(PoliticaAcreedor(acreedor_id=caso.acreedor_id, pais=pais, **campos))
    db.session.commit()


def test_el_motor_aplica_el_endurecimiento_del_acreedor(caso_en):
    caso = caso_en("CO")
    _fila(caso, "CO", ajustes={"horario": {"0": ["09:00", "17:00"]}})
    decision = evaluar(caso, "llamada", local("2026-03-09 08:00"))
    assert decision.motivos == ("fuera del horario permitido (lunes 09:00–17:00, hora de Bogotá)",)
    assert decision.proximo_permitido == local("2026-03-09 09:00")
    assert "con ajustes del acreedor" in decision.politica_nombre
    assert evaluar(caso, "llamada", local("2026-03-10 08:00")).permitido  # Tuesday unchanged


def test_la_fila_de_otro_pais_no_aplica(caso_en):
    caso = caso_en("CO")
    _fila(caso, "CL", ajustes={"horario": {"0": None}})
    assert evaluar(caso, "llamada", local("2026-03-09 08:00")).permitido


def test_excepcion_de_la_administracion_con_aviso(caso_en):
    caso = caso_en("CO")
    _fila(caso, "CO", ajustes={}, excepcion={"horario": {"6": ["10:00", "12:00"]}},
          excepcion_motivo="El deudor pidió que lo llamen el domingo")
    decision = evaluar(caso, "llamada", local("2026-03-15 11:00"))
    assert decision.permitido
    assert decision.avisos == ("Rige una excepción autorizada por la administración: El deudor "
                               "pidió que lo llamen el domingo.",)


def test_una_fila_invalida_no_afloja_nada(caso_en):
    caso = caso_en("CO")
    _fila(caso, "CO", ajustes={"horario": {"6": ["00:00", "23:00"]}})
    politica, avisos = politica_para(caso)
    assert politica == CO
    assert avisos[0].startswith("Los ajustes del acreedor no son válidos y no se aplicaron")
    assert not evaluar(caso, "llamada", local("2026-03-15 11:00")).permitido
