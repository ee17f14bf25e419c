"""Country contact-policy presets (DISENO §4): the law of each market as data.

A `Politica` is immutable; an acreedor's tightening (cumplimiento.ajustes) produces a new one.
Hours are in the deudor's local time; the end of each window is exclusive (07:00–19:00 allows
18:59 and refuses 19:00).
"""

from dataclasses import dataclass, field
from datetime import time

DIAS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
# Channel names inside a Spanish sentence ("el canal visita", "tope de SMS").
NOMBRE_CANAL = {"llamada": "llamada", "sms": "SMS", "whatsapp": "WhatsApp",
                "email": "correo electrónico", "carta": "carta", "visita": "visita"}


@dataclass(frozen=True)
class Tope:
    """At most `max` outbound contacts in any rolling window of `dias` days."""

    max: int
    dias: int


@dataclass(frozen=True)
class Politica:
    pais: str
    nombre: str
    zona_horaria_defecto: str
    # weekday (0 = Monday … 6 = Sunday) → (start, end) local time, end exclusive; None = no contact.
    horario: dict[int, tuple[time, time] | None]
    sin_festivos: bool = False
    canales_prohibidos: frozenset[str] = frozenset()
    requiere_consentimiento: bool = False
    max_por_dia: int | None = None
    topes: dict[str, Tope] = field(default_factory=dict)
    tope_total: Tope | None = None
    separacion_dias: dict[str, int] = field(default_factory=dict)
    un_canal_por_semana_tras_contacto: bool = False
    silencio_tras_conversacion_dias: dict[str, int] = field(default_factory=dict)


def _h(desde: int, hasta: int) -> tuple[time, time]:
    return time(desde), time(hasta)


PRESETS: dict[str, Politica] = {
    "CO": Politica(
        pais="CO",
        nombre="Colombia — Ley 2300 de 2023, art. 3",
        zona_horaria_defecto="America/Bogota",
        horario={0: _h(7, 19), 1: _h(7, 19), 2: _h(7, 19), 3: _h(7, 19), 4: _h(7, 19),
                 5: _h(8, 15), 6: None},
        sin_festivos=True,
        canales_prohibidos=frozenset({"visita"}),
        requiere_consentimiento=True,
        max_por_dia=1,
        un_canal_por_semana_tras_contacto=True,
    ),
    "CL": Politica(
        pais="CL",
        nombre="Chile — Ley 21.320",
        zona_horaria_defecto="America/Santiago",
        horario={d: _h(8, 20) for d in range(6)} | {6: None},
        sin_festivos=True,
        topes={"llamada": Tope(1, 7), "visita": Tope(1, 7), "sms": Tope(2, 7),
               "whatsapp": Tope(2, 7), "email": Tope(2, 7), "carta": Tope(2, 7)},
        separacion_dias={"sms": 2, "whatsapp": 2, "email": 2, "carta": 2},
    ),
    "PE": Politica(
        pais="PE",
        nombre="Perú — Ley 29571, art. 62",
        zona_horaria_defecto="America/Lima",
        horario={d: _h(7, 20) for d in range(5)} | {5: None, 6: None},
        sin_festivos=True,
    ),
    "MX": Politica(
        pais="MX",
        nombre="México — CONDUSEF",
        zona_horaria_defecto="America/Mexico_City",
        horario={d: _h(7, 22) for d in range(7)},
    ),
    "US": Politica(
        pais="US",
        nombre="Estados Unidos — Regulation F (12 CFR 1006)",
        zona_horaria_defecto="America/New_York",
        horario={d: _h(8, 21) for d in range(7)},
        topes={"llamada": Tope(7, 7)},
        silencio_tras_conversacion_dias={"llamada": 7},
    ),
}
