"""The contact policy engine: the one answer to "may we contact this deudor on this channel
now?" that every outbound contact in the product asks (DISENO §4).

`evaluar` returns a Decision with every reason it is blocked, in Spanish, and the next moment
all the time rules would allow it. Moments are accepted in any time zone and handled in UTC;
rules reason in the deudor's local time. Counting rules count outbound attempts (see
cumplimiento.reglas); the history is the deudor's, across all casos (cumplimiento.historial).
`evaluar_lote` answers for a whole bandeja page in a constant number of queries.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from agencia.casos.modelos import CANALES
from agencia.cumplimiento.contexto import (
    ajustar,
    alcance,
    precargar,
    preferida_de,
    preset_de,
    zona_de,
)
from agencia.cumplimiento.historial import CONTACTO_DIRECTO, contactos_previos
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.presets import PRESETS, Politica
from agencia.cumplimiento.reglas import Sujeto, fijas, temporales
from agencia.extensiones import db
from agencia.tipos import ahora

__all__ = ["CONTACTO_DIRECTO", "Decision", "evaluar", "evaluar_canales", "evaluar_lote",
           "evaluar_lote_canales", "politica_para"]
MAX_ITERACIONES = 60
HORIZONTE = timedelta(days=400)


@dataclass(frozen=True)
class Decision:
    canal: str
    permitido: bool
    motivos: tuple[str, ...] = ()
    proximo_permitido: datetime | None = None  # aware UTC
    avisos: tuple[str, ...] = ()
    zona_horaria: str = ""
    politica_nombre: str = ""


def politica_para(caso) -> tuple[Politica, tuple[str, ...]]:
    """The policy for a caso: the preset of the deudor's country (else the acreedor's, with a
    notice), tightened by the acreedor's PoliticaAcreedor row for that country if any."""
    preset, avisos = preset_de(caso)
    fila = db.session.scalars(select(PoliticaAcreedor).where(
        PoliticaAcreedor.acreedor_id == caso.acreedor_id, PoliticaAcreedor.pais == preset.pais
    )).first()
    return ajustar(preset, fila, avisos), tuple(avisos)


def _sujeto(caso, politica: Politica, avisos: list[str], historial, textos: dict) -> Sujeto:
    nombre, tz, avisos_zona = zona_de(caso, politica)
    avisos.extend(avisos_zona)
    return Sujeto(politica, tz, nombre, preferida_de(caso.deudor, politica, avisos),
                  [(c.momento, c.canal) for c in historial if c.direccion == "saliente"],
                  [(c.momento, c.canal) for c in historial if c.directo], textos)


def _proximo(s: Sujeto, canal: str, momento: datetime, bloqueos) -> datetime | None:
    """The earliest moment ≥ `momento` when no time rule blocks (None if none is found)."""
    t = momento
    for _ in range(MAX_ITERACIONES):
        if not bloqueos:
            return t
        liberaciones = [libre for _, libre in bloqueos]
        if None in liberaciones:
            return None
        t = max(liberaciones)
        if t - momento > HORIZONTE:
            return None
        bloqueos = temporales(s, canal, t, textos=False)
    return None


def _decidir(caso, canal: str, momento: datetime, direccion: str, s: Sujeto,
             avisos: tuple[str, ...]) -> Decision:
    if canal not in CANALES:
        raise ValueError(f"Canal desconocido: {canal!r}")
    base = dict(canal=canal, avisos=avisos, zona_horaria=s.zona_nombre,
                politica_nombre=s.politica.nombre)
    if direccion == "entrante":
        return Decision(permitido=True, **base)
    motivos = fijas(s.politica, caso, canal)
    bloqueos = temporales(s, canal, momento)
    motivos += [motivo for motivo, _ in bloqueos]
    if not motivos:
        return Decision(permitido=True, **base)
    proximo = None if len(motivos) > len(bloqueos) else _proximo(s, canal, momento, bloqueos)
    return Decision(permitido=False, motivos=tuple(motivos), proximo_permitido=proximo, **base)


def _utc(momento: datetime | None) -> datetime:
    if momento is None:
        return ahora()
    if momento.tzinfo is None:
        raise ValueError("El momento a evaluar necesita zona horaria")
    return momento.astimezone(UTC)


def evaluar(caso, canal: str, momento: datetime | None = None, *,
            direccion: str = "saliente") -> Decision:
    """May `caso`'s deudor be contacted on `canal` at `momento` (default now)?
    Inbound contacts (direccion="entrante") are always permitted."""
    return evaluar_canales(caso, momento, direccion=direccion, canales=(canal,))[canal]


def evaluar_canales(caso, momento: datetime | None = None, *, direccion: str = "saliente",
                    canales=tuple(CANALES)) -> dict[str, Decision]:
    """The Decision for every channel of a caso (one policy lookup, one history query)."""
    momento = _utc(momento)
    politica, avisos = politica_para(caso)
    avisos = list(avisos)
    historial = {} if direccion == "entrante" else contactos_previos(
        [caso.deudor_id], momento - alcance(politica), momento)
    s = _sujeto(caso, politica, avisos, historial.get(caso.deudor_id, ()), {})
    return {c: _decidir(caso, c, momento, direccion, s, tuple(avisos)) for c in canales}


def evaluar_lote(casos, canal: str, momento: datetime | None = None) -> dict[int, Decision]:
    """caso.id → Decision for many casos at once (a bandeja page): see evaluar_lote_canales."""
    lote = evaluar_lote_canales(casos, momento, canales=(canal,))
    return {caso_id: por_canal[canal] for caso_id, por_canal in lote.items()}


def evaluar_lote_canales(casos, momento: datetime | None = None, *, canales=tuple(CANALES)
                         ) -> dict[int, dict[str, Decision]]:
    """caso.id → {canal: Decision} for many casos: the policy rows and the history of all the
    casos are loaded in one query each (plus the deudores/acreedores not loaded yet), and the
    per-deudor work is shared by the channels."""
    casos = list(casos)
    momento = _utc(momento)
    if not casos:
        return {}
    cargados = precargar(casos)  # noqa: F841 (kept alive until the decisions are made)
    presets = [preset_de(c) for c in casos]
    claves = {(c.acreedor_id, p.pais) for c, (p, _) in zip(casos, presets, strict=True)}
    filas = {(f.acreedor_id, f.pais): f for f in db.session.scalars(select(PoliticaAcreedor)
             .where(PoliticaAcreedor.acreedor_id.in_({a for a, _ in claves})))}
    politicas: dict = {}
    for clave in claves:
        avisos: list[str] = []
        politicas[clave] = (ajustar(PRESETS[clave[1]], filas.get(clave), avisos), avisos)
    atras = max(alcance(p) for p, _ in politicas.values())
    historial = contactos_previos({c.deudor_id for c in casos}, momento - atras, momento)
    textos: dict = {}  # reason texts shared by the casos of the same policy and zone
    decisiones = {}
    for caso, (preset, avisos) in zip(casos, presets, strict=True):
        politica, avisos_fila = politicas[(caso.acreedor_id, preset.pais)]
        avisos = avisos + avisos_fila
        s = _sujeto(caso, politica, avisos, historial.get(caso.deudor_id, ()), textos)
        avisos = tuple(avisos)
        decisiones[caso.id] = {c: _decidir(caso, c, momento, "saliente", s, avisos)
                               for c in canales}
    return decisiones
