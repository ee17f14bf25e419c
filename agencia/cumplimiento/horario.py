"""Local time for the contact policy: time zones, holidays, and the allowed windows of a day.

Everything here reasons in the deudor's local time and hands back aware datetimes; the engine
converts to UTC at its edges. A window is [start, end): the end hour itself is not allowed.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from agencia.cumplimiento.presets import DIAS

NOMBRES_PAIS = {
    "CO": "Colombia", "CL": "Chile", "PE": "Perú", "MX": "México", "US": "Estados Unidos",
}
CIUDADES = {
    "America/Bogota": "Bogotá",
    "America/Mexico_City": "Ciudad de México",
    "America/New_York": "Nueva York",
    "America/Los_Angeles": "Los Ángeles",
    "America/Punta_Arenas": "Punta Arenas",
    "Pacific/Easter": "Isla de Pascua",
    "America/Cancun": "Cancún",
    "America/Mazatlan": "Mazatlán",
}
PLURAL_DIAS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos"]


def nombre_pais(pais: str) -> str:
    return NOMBRES_PAIS.get(pais, pais)


@lru_cache(maxsize=256)
def zona(nombre: str | None) -> ZoneInfo | None:
    """The ZoneInfo for an IANA name, or None when the name is empty or unknown."""
    if not nombre:
        return None
    try:
        return ZoneInfo(nombre)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def ciudad(nombre_zona: str) -> str:
    """'America/Bogota' → 'Bogotá', for messages such as "hora de Bogotá"."""
    return CIUDADES.get(nombre_zona, nombre_zona.rsplit("/", 1)[-1].replace("_", " "))


@lru_cache(maxsize=128)
def festivos(pais: str, anio: int) -> dict[date, str]:
    """Public holidays of a country in a year, named in Spanish where the package can.

    Colombia's holidays moved to Monday (Ley Emiliani) come from the package as well."""
    try:
        base = holidays.country_holidays(pais, years=anio)
    except NotImplementedError:
        return {}
    if "es" in (base.supported_languages or ()):
        base = holidays.country_holidays(pais, years=anio, language="es")
    return {
        dia: nombre.replace(" (observado)", ", trasladado") for dia, nombre in base.items()
    }


def festivo(pais: str, dia: date) -> str | None:
    return festivos(pais, dia.year).get(dia)


def hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def describir_dias(horario: dict, dias: list[int]) -> str:
    """'lunes a viernes' for consecutive days, 'lunes, miércoles' otherwise."""
    if len(dias) == 7:
        return "todos los días"
    if len(dias) > 2 and dias == list(range(dias[0], dias[-1] + 1)):
        return f"{DIAS[dias[0]]} a {DIAS[dias[-1]]}"
    return ", ".join(DIAS[d] for d in dias)


def grupos_horario(horario: dict) -> list[tuple[list[int], tuple[time, time] | None]]:
    """Days grouped by identical window, in weekday order (consecutive runs)."""
    grupos: list[tuple[list[int], tuple[time, time] | None]] = []
    for dia in range(7):
        ventana = horario.get(dia)
        if grupos and grupos[-1][1] == ventana and grupos[-1][0][-1] == dia - 1:
            grupos[-1][0].append(dia)
        else:
            grupos.append(([dia], ventana))
    return grupos


def describir_ventana(dias: list[int], ventana, horario: dict) -> str:
    texto = describir_dias(horario, dias)
    if ventana is None:
        return f"{texto}: sin contacto"
    return f"{texto} {hhmm(ventana[0])}–{hhmm(ventana[1])}"


def describir_horario(horario: dict) -> str:
    """The whole week: 'lunes a viernes 07:00–19:00; sábado 08:00–15:00; domingo: sin contacto'."""
    return "; ".join(describir_ventana(d, v, horario) for d, v in grupos_horario(horario))


def describir_dia(horario: dict, dia: int) -> str:
    """The group of days a weekday belongs to, e.g. 'lunes a viernes 07:00–19:00'."""
    for dias, ventana in grupos_horario(horario):
        if dia in dias:
            return describir_ventana(dias, ventana, horario)
    return ""


def ventana_efectiva(horario: dict, dia: int, preferida) -> tuple[time, time] | None:
    """The legal window of a weekday narrowed by the deudor's preferred hours (if any);
    None when the day allows no contact or the narrowed window is empty."""
    ventana = horario.get(dia)
    if ventana is None:
        return None
    if preferida is None:
        return ventana
    desde, hasta = max(ventana[0], preferida[0]), min(ventana[1], preferida[1])
    return (desde, hasta) if desde < hasta else None


def inicio_siguiente_ventana(local: datetime, horario: dict, preferida) -> datetime | None:
    """The first moment ≥ `local` inside a window (holidays aside), as an aware local time."""
    tz = local.tzinfo
    for salto in range(8):
        dia = local.date() + timedelta(days=salto)
        ventana = ventana_efectiva(horario, dia.weekday(), preferida)
        if ventana is None:
            continue
        inicio = datetime.combine(dia, ventana[0], tzinfo=tz)
        fin = datetime.combine(dia, ventana[1], tzinfo=tz)
        if salto == 0 and local >= fin:
            continue
        return max(inicio, local)
    return None


@lru_cache(maxsize=4096)
def inicio_dia_utc(dia: date, tz) -> datetime:
    """The UTC moment a local day starts (cached: a bandeja page asks for the same few)."""
    return datetime.combine(dia, time(0), tzinfo=tz).astimezone(UTC)
