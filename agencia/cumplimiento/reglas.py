"""The rules of the contact policy, for one deudor and one channel at a given moment.

Fixed rules (forbidden channel, no-contactar, disputa, consent) give a reason only; no date can
free them. Time rules give a reason and the UTC moment they stop blocking, which the engine
uses to find the next legal slot. Counting rules count OUTBOUND attempts, answered or not: the
seeds ask not to harass with excessive messages ("no acosar a los clientes con mensajes
excesivos"), and an unanswered call rings all the same. Inbound contacts never count against a
cap; they (and outcomes in CONTACTO_DIRECTO) are direct contacts for the after-contact rules.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from agencia.cumplimiento import horario as h
from agencia.cumplimiento.presets import NOMBRE_CANAL, Politica

UN_DIA = timedelta(days=1)
TIPO_DE_CANAL = {"llamada": "telefono", "sms": "telefono", "whatsapp": "telefono",
                 "email": "email", "carta": "direccion", "visita": "direccion"}
SIN_CONTACTO = {"telefono": "no hay un teléfono válido",
                "email": "no hay un correo electrónico válido",
                "direccion": "no hay una dirección válida"}
PLURAL = {"llamada": "llamadas", "sms": "SMS", "whatsapp": "mensajes de WhatsApp",
          "email": "correos", "carta": "cartas", "visita": "visitas"}


@dataclass
class Sujeto:
    """What the rules need about one deudor, prepared once per caso."""

    politica: Politica
    tz: object  # ZoneInfo
    zona_nombre: str
    preferida: tuple[time, time] | None
    salientes: list  # [(momento UTC, canal)], oldest first
    directos: list  # [(momento UTC, canal)], oldest first
    textos: dict  # reason texts already written, shared across a lote


def _nombre(canal: str) -> str:
    return NOMBRE_CANAL.get(canal, canal)


def _dentro(ventana, hora: time) -> bool:
    return ventana is not None and ventana[0] <= hora < ventana[1]


def _fecha_hora(momento: datetime, tz) -> str:
    return momento.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def fijas(politica: Politica, caso, canal: str) -> list[str]:
    """Reasons no date can lift: the channel, the person, the caso, the consent."""
    motivos = []
    deudor = caso.deudor
    if canal in politica.canales_prohibidos:
        motivos.append(f"el canal {_nombre(canal)} no está permitido ({politica.nombre})")
    if deudor.no_contactar:
        motivos.append("el deudor está marcado «no contactar»")
    if caso.en_disputa:
        desde = f" desde el {caso.disputa_desde:%d/%m/%Y}" if caso.disputa_desde else ""
        motivos.append(f"el caso está en disputa{desde}: no se contacta hasta resolverla")
    tipo = TIPO_DE_CANAL[canal]
    validos = [c for c in deudor.contactos if c.tipo == tipo and c.valido]
    if not validos:
        motivos.append(SIN_CONTACTO[tipo])
    elif politica.requiere_consentimiento and not any(
            canal in (c.consentimientos or ()) for c in validos):
        motivos.append(f"el deudor no autorizó el canal {_nombre(canal)} "
                       f"({politica.nombre} exige su consentimiento)")
    return motivos


def _dias(n: int) -> str:
    return "1 día" if n == 1 else f"{n} días"


def _periodo(dias: int) -> str:
    return {1: "diario", 7: "semanal"}.get(dias, f"de {dias} días")


def _fuera_de_horario(s: Sujeto, dia: int) -> str:
    clave = (id(s.politica.horario), dia, s.zona_nombre)
    texto = s.textos.get(clave)
    if texto is None:
        texto = s.textos[clave] = (
            f"fuera del horario permitido ({h.describir_dia(s.politica.horario, dia)}, "
            f"hora de {h.ciudad(s.zona_nombre)})")
    return texto


def temporales(s: Sujeto, canal: str, t: datetime, textos: bool = True
               ) -> list[tuple[str | None, datetime | None]]:
    """(reason, UTC moment it stops blocking) for every time rule that blocks at `t`;
    the moment is None when no window is ever open (the engine then gives no date).
    With textos=False the reasons are left out (None): the search for the next legal moment
    only needs the moments, and this runs for every caso of a bandeja page."""
    p, tz = s.politica, s.tz
    local = t.astimezone(tz)
    hoy = local.date()
    dia = hoy.weekday()
    bloqueos: list[tuple[str | None, datetime | None]] = []
    manana = h.inicio_dia_utc(hoy + UN_DIA, tz)

    nombre_festivo = h.festivo(p.pais, hoy) if p.sin_festivos else None
    if nombre_festivo:
        bloqueos.append((textos and f"es festivo en {h.nombre_pais(p.pais)} ({nombre_festivo})",
                         manana))

    legal = p.horario.get(dia)
    motivo = None
    if legal is None:
        motivo = f"los {h.PLURAL_DIAS[dia]} no se permite contactar ({p.nombre})"
    elif not legal[0] <= local.time() < legal[1]:
        motivo = textos and _fuera_de_horario(s, dia)
    elif s.preferida and not _dentro(h.ventana_efectiva(p.horario, dia, s.preferida),
                                     local.time()):
        motivo = textos and (f"fuera del horario preferido por el deudor ("
                             f"{h.hhmm(s.preferida[0])}–{h.hhmm(s.preferida[1])}, "
                             f"hora de {h.ciudad(s.zona_nombre)})")
    if motivo is not None:
        siguiente = h.inicio_siguiente_ventana(local, p.horario, s.preferida)
        bloqueos.append((motivo or None, siguiente and siguiente.astimezone(UTC)))

    if p.max_por_dia is not None and s.salientes:
        inicio_dia = h.inicio_dia_utc(hoy, tz)
        n = sum(1 for m, _ in s.salientes if inicio_dia <= m <= t)
        if n >= p.max_por_dia:
            bloqueos.append((textos and (
                f"{'ya se contactó hoy' if n == 1 else f'ya hubo {n} contactos hoy'} (máximo "
                f"{p.max_por_dia} contacto{'s' if p.max_por_dia > 1 else ''} al día)"), manana))

    for tope, filtro in ((p.topes.get(canal), canal), (p.tope_total, None)):
        if tope is None or len(s.salientes) < tope.max:
            continue
        desde = t - timedelta(days=tope.dias)
        dentro = [m for m, c in s.salientes if desde < m <= t and filtro in (None, c)]
        if len(dentro) >= tope.max:
            que = f"de {PLURAL[canal]}" if filtro else "de contactos"
            nota = "" if filtro else ", sumando todos los canales"
            bloqueos.append((textos and (f"tope {_periodo(tope.dias)} {que} alcanzado "
                                         f"({tope.max} en {_dias(tope.dias)}{nota})"),
                             dentro[len(dentro) - tope.max] + timedelta(days=tope.dias)))

    separacion = p.separacion_dias.get(canal)
    if separacion:
        previos = [m for m, c in s.salientes if c == canal and m <= t]
        if previos:
            libre = previos[-1].astimezone(tz).date() + timedelta(days=separacion)
            if hoy < libre:
                bloqueos.append((textos and (
                    f"deben pasar {_dias(separacion)} entre {PLURAL[canal]} "
                    f"(el último: {_fecha_hora(previos[-1], tz)})"), h.inicio_dia_utc(libre, tz)))

    if p.un_canal_por_semana_tras_contacto and s.directos:
        lunes = hoy - timedelta(days=dia)
        inicio_semana = h.inicio_dia_utc(lunes, tz)
        canales = {c for m, c in s.directos if inicio_semana <= m <= t}
        if canales and canal not in canales:
            usados = ", ".join(_nombre(c) for c in sorted(canales))
            bloqueos.append((textos and (f"ya hubo contacto directo esta semana por {usados}: "
                                         "no se usa otro canal hasta el lunes"),
                             h.inicio_dia_utc(lunes + timedelta(days=7), tz)))

    silencio = p.silencio_tras_conversacion_dias.get(canal)
    if silencio and s.directos:
        conversaciones = [m for m, c in s.directos if c == canal and m <= t]
        if conversaciones and t < conversaciones[-1] + timedelta(days=silencio):
            bloqueos.append((textos and (
                f"hubo una conversación por {_nombre(canal)} el "
                f"{_fecha_hora(conversaciones[-1], tz)}: no se repite ese canal durante "
                f"{_dias(silencio)}"), conversaciones[-1] + timedelta(days=silencio)))
    return bloqueos
