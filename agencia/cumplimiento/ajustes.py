"""An acreedor's tightening of a country preset, and the admin's audited exception.

The JSON kept in PoliticaAcreedor.ajustes / .excepcion (every key optional; a missing key keeps
the preset's value; lists and per-day/per-channel entries replace the preset's):

    {"horario": {"0": ["08:00", "18:00"], "6": null}, "max_por_dia": 1,
     "topes": {"llamada": {"max": 1, "dias": 7}}, "tope_total": {"max": 3, "dias": 7},
     "canales_prohibidos": ["visita"], "separacion_dias": {"sms": 3}}

also "requiere_consentimiento", "sin_festivos", "un_canal_por_semana_tras_contacto" (booleans)
and "silencio_tras_conversacion_dias" ({"llamada": 7}). Ajustes may only tighten the preset;
an excepcion only has to be well formed (it exists to loosen, on an admin's audited say-so).
"""

import re
from dataclasses import replace
from datetime import time

from agencia.casos.modelos import CANALES
from agencia.cumplimiento.horario import describir_horario, hhmm
from agencia.cumplimiento.presets import DIAS, NOMBRE_CANAL, Politica, Tope

BOOLEANOS = {
    "requiere_consentimiento": "Consentimiento por canal",
    "sin_festivos": "Sin contacto en festivos",
    "un_canal_por_semana_tras_contacto": "Un solo canal por semana tras contacto directo",
}
POR_CANAL = {"separacion_dias": "Separación", "silencio_tras_conversacion_dias": "Silencio"}
CLAVES = {"horario", "max_por_dia", "topes", "tope_total", "canales_prohibidos",
          *BOOLEANOS, *POR_CANAL}
_HORA = re.compile(r"^\d{1,2}:\d{2}$")


class AjustesInvalidos(ValueError):
    def __init__(self, errores: list[str]):
        super().__init__(" ".join(errores))
        self.errores = errores


def _entero(valor, minimo: int) -> bool:
    return isinstance(valor, int) and not isinstance(valor, bool) and valor >= minimo


def _hora(texto):
    if not isinstance(texto, str) or not _HORA.match(texto.strip()):
        return None
    h, m = (int(p) for p in texto.strip().split(":"))
    return time(h, m) if h < 24 and m < 60 else None


def _canal(canal, donde: str, errores: list[str]) -> bool:
    if canal not in CANALES:
        errores.append(f"{donde}: canal desconocido «{canal}».")
        return False
    return True


def _tope(valor, donde: str, errores: list[str]) -> Tope | None:
    if not isinstance(valor, dict) or set(valor) != {"max", "dias"}:
        errores.append(f"{donde}: use {{\"max\": N, \"dias\": D}}.")
    elif not _entero(valor["max"], 1):
        errores.append(f"{donde}: el máximo debe ser un número entero mayor que cero.")
    elif not _entero(valor["dias"], 1):
        errores.append(f"{donde}: el período debe ser de al menos 1 día.")
    else:
        return Tope(valor["max"], valor["dias"])
    return None


def _interpretar(datos, errores: list[str]) -> dict:
    """Well-formedness and internal consistency; returns the values as Politica fields."""
    if datos is None:
        return {}
    if not isinstance(datos, dict):
        errores.append("La política debe ser un objeto JSON.")
        return {}
    cambios: dict = {}
    for clave in datos:
        if clave not in CLAVES:
            errores.append(f"Clave desconocida en la política: «{clave}».")
    if "horario" in datos:
        horario = datos["horario"]
        cambios["horario"] = {}
        if not isinstance(horario, dict):
            errores.append("Horario: debe indicar cada día (0 = lunes … 6 = domingo).")
            horario = {}
        for clave, valor in horario.items():
            if str(clave) not in {str(d) for d in range(7)}:
                errores.append(f"Horario: día «{clave}» no válido (0 = lunes … 6 = domingo).")
                continue
            dia = int(clave)
            if valor is None:
                cambios["horario"][dia] = None
                continue
            horas = [_hora(v) for v in valor] if isinstance(valor, list | tuple) else []
            if len(horas) != 2 or None in horas:
                errores.append(f"Horario del {DIAS[dia]}: use [\"HH:MM\", \"HH:MM\"] o null.")
            elif horas[0] >= horas[1]:
                errores.append(f"Horario del {DIAS[dia]}: la hora de inicio ({hhmm(horas[0])}) "
                               f"debe ser anterior a la de fin ({hhmm(horas[1])}).")
            else:
                cambios["horario"][dia] = (horas[0], horas[1])
    if "max_por_dia" in datos:
        valor = datos["max_por_dia"]
        if valor is not None and not _entero(valor, 1):
            errores.append("Máximo de contactos por día: debe ser un número entero mayor que cero.")
        cambios["max_por_dia"] = valor
    if "topes" in datos:
        cambios["topes"] = {}
        if not isinstance(datos["topes"], dict):
            errores.append("Topes por canal: debe indicar un tope por canal.")
        else:
            for canal, valor in datos["topes"].items():
                if _canal(canal, "Topes por canal", errores):
                    cambios["topes"][canal] = (
                        None if valor is None else _tope(valor, f"Tope de {NOMBRE_CANAL[canal]}", errores))
    if "tope_total" in datos:
        valor = datos["tope_total"]
        cambios["tope_total"] = None if valor is None else _tope(valor, "Tope total", errores)
    if "canales_prohibidos" in datos:
        valor = datos["canales_prohibidos"]
        if not isinstance(valor, list):
            errores.append("Canales prohibidos: debe ser una lista de canales.")
            valor = []
        cambios["canales_prohibidos"] = frozenset(
            c for c in valor if _canal(c, "Canales prohibidos", errores))
    for clave, etiqueta in BOOLEANOS.items():
        if clave in datos:
            if not isinstance(datos[clave], bool):
                errores.append(f"{etiqueta}: debe ser verdadero o falso.")
            cambios[clave] = bool(datos[clave])
    for clave, etiqueta in POR_CANAL.items():
        if clave in datos:
            cambios[clave] = {}
            valores = datos[clave] if isinstance(datos[clave], dict) else {}
            if not isinstance(datos[clave], dict):
                errores.append(f"{etiqueta}: debe indicar días por canal.")
            for canal, dias in valores.items():
                if not _canal(canal, etiqueta, errores):
                    continue
                if not _entero(dias, 0):
                    errores.append(f"{etiqueta} de {NOMBRE_CANAL[canal]}: debe ser un número de días "
                                   "entero y no negativo.")
                else:
                    cambios[clave][canal] = dias
    return cambios


def _mas_laxo(tope: Tope | None, legal: Tope | None) -> bool:
    """True when `tope` allows something `legal` forbids (a sufficient, simple test)."""
    if legal is None:
        return False
    return tope is None or tope.max > legal.max or tope.dias < legal.dias


def _dias(n: int) -> str:
    return f"{n} día" if n == 1 else f"{n} días"


def _txt(tope: Tope | None) -> str:
    return "sin tope" if tope is None else f"{tope.max} en {_dias(tope.dias)}"


def _contra_preset(preset: Politica, c: dict) -> list[str]:
    """Every way the (well-formed) changes `c` loosen the preset."""
    errores, ley = [], f"({preset.nombre})"
    for dia, ventana in c.get("horario", {}).items():
        legal = preset.horario.get(dia)
        if ventana is None:
            continue
        if legal is None:
            errores.append(f"Horario del {DIAS[dia]}: la ley no permite contactar ese día {ley}.")
        elif ventana[0] < legal[0] or ventana[1] > legal[1]:
            errores.append(
                f"Horario del {DIAS[dia]}: {hhmm(ventana[0])}–{hhmm(ventana[1])} sale del "
                f"horario legal, {hhmm(legal[0])}–{hhmm(legal[1])} {ley}.")
    if "max_por_dia" in c and preset.max_por_dia is not None and (
            c["max_por_dia"] is None or c["max_por_dia"] > preset.max_por_dia):
        errores.append(f"Máximo de contactos por día: {c['max_por_dia'] or 'sin límite'} supera "
                       f"el máximo legal, {preset.max_por_dia} {ley}.")
    for canal, tope in c.get("topes", {}).items():
        if _mas_laxo(tope, preset.topes.get(canal)):
            errores.append(f"Tope de {NOMBRE_CANAL[canal]}: {_txt(tope)} es menos estricto que "
                           f"el legal, {_txt(preset.topes[canal])} {ley}. El máximo no puede "
                           "subir ni el período acortarse.")
    if "tope_total" in c and _mas_laxo(c["tope_total"], preset.tope_total):
        errores.append(f"Tope total: {_txt(c['tope_total'])} es menos estricto que el legal, "
                       f"{_txt(preset.tope_total)} {ley}.")
    for canal in sorted(preset.canales_prohibidos - c.get("canales_prohibidos",
                                                          preset.canales_prohibidos)):
        errores.append(f"Canales prohibidos: la ley prohíbe el canal {NOMBRE_CANAL[canal]} "
                       f"{ley}; no se puede habilitar.")
    for clave, etiqueta in BOOLEANOS.items():
        if c.get(clave) is False and getattr(preset, clave):
            errores.append(f"{etiqueta}: la ley lo exige {ley}; no se puede quitar.")
    for clave, etiqueta in POR_CANAL.items():
        for canal, dias in c.get(clave, {}).items():
            legal = getattr(preset, clave).get(canal, 0)
            if dias < legal:
                errores.append(f"{etiqueta} de {NOMBRE_CANAL[canal]}: {_dias(dias)} es menos "
                               f"que el mínimo legal, {_dias(legal)} {ley}.")
    return errores


def validar_ajustes(preset: Politica, ajustes) -> list[str]:
    """Spanish messages for everything malformed, contradictory or looser than the preset."""
    errores: list[str] = []
    cambios = _interpretar(ajustes, errores)
    return errores or _contra_preset(preset, cambios)


def validar_excepcion(preset: Politica, excepcion) -> list[str]:
    """Only internal consistency: an excepcion exists to loosen the preset."""
    errores: list[str] = []
    _interpretar(excepcion, errores)
    return errores


def _sobre(politica: Politica, cambios: dict) -> Politica:
    campos = {}
    for clave, valor in cambios.items():
        if clave in ("horario", "topes", *POR_CANAL):
            fusion = {**getattr(politica, clave), **valor}
            valor = {k: v for k, v in fusion.items() if v is not None or clave == "horario"}
        campos[clave] = valor
    return replace(politica, **campos)


def aplicar(preset: Politica, ajustes, excepcion=None) -> Politica:
    """The preset tightened by `ajustes`, then the `excepcion` on top. Raises AjustesInvalidos
    when either is not valid (so a bad row can never silently loosen the law)."""
    errores = validar_ajustes(preset, ajustes) + [
        f"Excepción: {e}" for e in validar_excepcion(preset, excepcion)]
    if errores:
        raise AjustesInvalidos(errores)
    politica = preset
    for datos, nota in ((ajustes, "con ajustes del acreedor"), (excepcion, "con excepción")):
        cambios = _interpretar(datos, [])
        if cambios:
            politica = _sobre(politica, cambios | {"nombre": f"{politica.nombre}, {nota}"})
    return politica


def describir(politica: Politica) -> list[tuple[str, str]]:
    """The policy as (label, value) rows in Spanish, for the caso and admin pages."""
    def por_canal(d: dict, fmt) -> str:
        return "; ".join(f"{CANALES[c]}: {fmt(v)}" for c, v in d.items() if c in CANALES) or "—"

    tope_txt = lambda t: f"máximo {t.max} en {_dias(t.dias)}"  # noqa: E731
    return [
        ("Política", politica.nombre),
        ("Horario (hora local del deudor)", describir_horario(politica.horario)),
        ("Festivos", "sin contacto" if politica.sin_festivos else "se permite contactar"),
        ("Canales prohibidos",
         ", ".join(CANALES[c] for c in sorted(politica.canales_prohibidos)) or "ninguno"),
        ("Consentimiento", "solo canales autorizados por el deudor"
         if politica.requiere_consentimiento else "no se exige autorización por canal"),
        ("Máximo por día", f"{politica.max_por_dia} al día, sumando todos los canales"
         if politica.max_por_dia else "sin límite diario"),
        ("Topes por canal", por_canal(politica.topes, tope_txt)),
        ("Tope total", tope_txt(politica.tope_total) if politica.tope_total else "—"),
        ("Separación mínima", por_canal(politica.separacion_dias, _dias)),
        ("Tras contacto directo", "ningún otro canal en la misma semana"
         if politica.un_canal_por_semana_tras_contacto else "—"),
        ("Silencio tras conversación",
         por_canal(politica.silencio_tras_conversacion_dias, _dias)),
    ]
