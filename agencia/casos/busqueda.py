"""Instant search of casos for staff: by document, phone, email, obligacion referencia or name.

What the text looks like decides where to look (one indexed lookup each, never a scan):

- digits (with spaces, dots, dashes, "+" or parentheses) and at least 5 of them: the deudor's
  document (exact or prefix) and, from 7 digits, phones ending in the same last 7–10 digits
  ("+57 300 123 4567" and "3001234567" find the same phone);
- with "@": emails starting with the text, case-insensitive;
- anything: an obligacion referencia equal to the text, case-insensitive (listed first);
- otherwise names: every word must appear in the deudor's name, ignoring case and accents;
  on PostgreSQL with pg_trgm also approximately (word similarity), best match first, so
  "gomes rojas maria" finds "María Fernanda Gómez Rojas".

The keys searched are generated columns (Deudor.nombre_busqueda, Contacto.busqueda,
Contacto.sufijo_telefono) and indexes added by migration 0006. Results are confined with
agencia.tenencia (an agent sees their casos and their teams' acreedores) and limited.
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import exists, func, literal, or_, select, text
from sqlalchemy.orm import joinedload

from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import PLIEGUES, Contacto, Deudor
from agencia.extensiones import db
from agencia.tenencia import restringir

MINIMO_BUSQUEDA = 3
MINIMO_DOCUMENTO = 5
MINIMO_TELEFONO = 7
MAXIMO_SUFIJO = 10
MINIMO_PALABRA = 3
LIMITE = 50
# Word similarity (pg_trgm) from which a name word counts as a match for a typed word.
UMBRAL_PALABRA = 0.4

_PLIEGUE = str.maketrans({letra: base for base, letras in PLIEGUES.items() for letra in letras})
_NUMERICO = re.compile(r"[\d\s.\-+()/]+")
_ESCAPE = "\\"


def normalizar(texto: str) -> str:
    """The text folded as Deudor.nombre_busqueda is: lower case, without accents."""
    return texto.translate(_PLIEGUE).lower()


def _escapar_like(texto: str) -> str:
    return (texto.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%")
            .replace("_", _ESCAPE + "_"))


@dataclass
class Resultado:
    """What a search found: casos best first, with deudor, acreedor and agente loaded."""

    casos: list = field(default_factory=list)
    # documento, email or nombre: where the text was looked for (besides referencias).
    tipo: str | None = None
    # A Spanish message when the text cannot be searched as typed (too short...).
    aviso: str | None = None
    # More casos matched than `casos` holds.
    hay_mas: bool = False
    # Names were matched approximately (pg_trgm).
    aproximada: bool = False


_TRIGRAMAS: dict[str, bool] = {}


def trigramas_disponibles() -> bool:
    """Whether the database has pg_trgm (checked once per process and database)."""
    motor = db.engine
    if motor.dialect.name != "postgresql":
        return False
    clave = str(motor.url)
    if clave not in _TRIGRAMAS:
        _TRIGRAMAS[clave] = bool(db.session.scalar(text(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")))
    return _TRIGRAMAS[clave]


def texto_buscable(texto: str | None) -> str | None:
    """The search text, or None when it is too short to search for."""
    texto = (texto or "").strip()
    return texto if len(texto) >= MINIMO_BUSQUEDA else None


def buscar(texto: str | None, acreedor_id: int | None = None, agente_id: int | None = None,
           limite: int = LIMITE) -> Resultado:
    """Casos matching `texto`, at most `limite`, confined to the acreedor (None: all) and,
    for an agent (`agente_id`, by default the agent of the current request), to their casos."""
    texto = " ".join((texto or "").split())
    if not texto:
        return Resultado(aviso="Escriba un dato del deudor o de la obligación para buscar.")
    if len(texto) < MINIMO_BUSQUEDA:
        return Resultado(aviso=f"Escriba al menos {MINIMO_BUSQUEDA} caracteres para buscar.")

    por_referencia = _ids(_por_referencia(texto), acreedor_id, agente_id, limite + 1)
    resultado = _buscar_por_tipo(texto, acreedor_id, agente_id, limite + 1)
    ids = list(dict.fromkeys(por_referencia + resultado.casos))
    if por_referencia and resultado.aviso:
        resultado.aviso = None
    resultado.hay_mas = len(ids) > limite
    resultado.casos = _cargar(ids[:limite])
    return resultado


def _buscar_por_tipo(texto: str, acreedor_id, agente_id, limite: int) -> Resultado:
    digitos = re.sub(r"\D", "", texto)
    if _NUMERICO.fullmatch(texto):
        if len(digitos) < MINIMO_DOCUMENTO:
            return Resultado(tipo="documento", aviso=(
                f"Para buscar por documento o teléfono escriba al menos {MINIMO_DOCUMENTO} "
                "dígitos."))
        stmt = _por_documento_o_telefono(digitos)
        return Resultado(tipo="documento", casos=_ids(stmt, acreedor_id, agente_id, limite))
    if "@" in texto:
        stmt = _por_email(texto)
        return Resultado(tipo="email", casos=_ids(stmt, acreedor_id, agente_id, limite))

    palabras = normalizar(texto).split()
    if not any(len(re.sub(r"\W", "", p)) >= MINIMO_PALABRA for p in palabras):
        return Resultado(tipo="nombre", aviso=(
            f"Para buscar por nombre escriba al menos una palabra de {MINIMO_PALABRA} letras."))
    trigramas = trigramas_disponibles()
    # Every word contained first (fast, the common case); only when nothing is, similar words.
    casos = _ids(_por_nombre(palabras, trigramas, aproximada=False), acreedor_id, agente_id,
                 limite)
    if casos or not trigramas:
        return Resultado(tipo="nombre", casos=casos)
    # pg_trgm's default 0.6 misses one-letter slips in short words ("ribera" ~ "rivera": 0.43).
    db.session.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', "
                            ":umbral, true)"), {"umbral": str(UMBRAL_PALABRA)})
    stmt = _por_nombre(palabras, trigramas, aproximada=True)
    return Resultado(tipo="nombre", aproximada=True,
                     casos=_ids(stmt, acreedor_id, agente_id, limite))


def _ids(stmt, acreedor_id, agente_id, limite: int) -> list[int]:
    stmt = restringir(stmt, Caso, acreedor_id, agente_id).limit(limite)
    return list(db.session.scalars(stmt))


def _cargar(ids: list[int]) -> list[Caso]:
    if not ids:
        return []
    stmt = (select(Caso).where(Caso.id.in_(ids))
            .options(joinedload(Caso.deudor), joinedload(Caso.acreedor),
                     joinedload(Caso.agente)))
    casos = {caso.id: caso for caso in db.session.scalars(stmt).unique()}
    return [casos[i] for i in ids if i in casos]


def _por_referencia(texto: str):
    return (select(Caso.id).join(Obligacion, Obligacion.caso_id == Caso.id)
            .where(func.lower(Obligacion.referencia) == texto.lower())
            .distinct().order_by(Caso.id))


def _por_documento_o_telefono(digitos: str):
    deudores = select(Deudor.id).where(
        Deudor.numero_documento.like(_escapar_like(digitos) + "%", escape=_ESCAPE))
    if len(digitos) >= MINIMO_TELEFONO:
        # Equal last 7 digits (indexed), then the last 7–10 digits typed.
        sufijo = digitos[-MAXIMO_SUFIJO:]
        telefonos = select(Contacto.deudor_id).where(
            Contacto.sufijo_telefono == digitos[-MINIMO_TELEFONO:],
            Contacto.tipo == "telefono",
            Contacto.busqueda.like("%" + _escapar_like(sufijo), escape=_ESCAPE))
        deudores = deudores.union(telefonos)
    exacto = exists().where(Deudor.id == Caso.deudor_id, Deudor.numero_documento == digitos)
    return (select(Caso.id).where(Caso.deudor_id.in_(deudores))
            .order_by(exacto.desc(), Caso.id))


def _por_email(texto: str):
    deudores = select(Contacto.deudor_id).where(
        Contacto.tipo == "email",
        Contacto.busqueda.like(_escapar_like(texto.lower()) + "%", escape=_ESCAPE))
    return select(Caso.id).where(Caso.deudor_id.in_(deudores)).order_by(Caso.id)


def _por_nombre(palabras: list[str], trigramas: bool, aproximada: bool):
    """Casos whose deudor's name contains every word (or, `aproximada`, a similar word),
    most similar first when pg_trgm is there (`trigramas`), else by name."""
    nombre = Deudor.nombre_busqueda
    condiciones, puntajes = [], []
    for palabra in palabras:
        contiene = nombre.like(f"%{_escapar_like(palabra)}%", escape=_ESCAPE)
        if aproximada and len(re.sub(r"\W", "", palabra)) >= MINIMO_PALABRA:
            # word <% name: the word is similar to some part of the name (pg_trgm, indexed).
            condiciones.append(or_(contiene, literal(palabra).op("<%")(nombre)))
            puntajes.append(func.word_similarity(palabra, nombre))
        else:
            condiciones.append(contiene)
    stmt = select(Caso.id).join(Deudor, Deudor.id == Caso.deudor_id).where(*condiciones)
    if not trigramas:
        return stmt.order_by(Deudor.nombre, Caso.id)
    puntaje = func.similarity(" ".join(palabras), nombre)
    for termino in puntajes:
        puntaje = puntaje + termino
    return stmt.order_by(puntaje.desc(), Deudor.nombre, Caso.id)


def condicion_texto(texto: str, *, contactos: bool = True):
    """Where-clause matching casos by document number, deudor name, obligacion referencia and
    (with `contactos`) the deudor's phones and emails. Expects a select already joined to
    Deudor. Used by the portal's filtered list; staff search uses `buscar`."""
    digitos = re.sub(r"\D", "", texto)
    opciones = [
        Deudor.numero_documento == texto,
        Deudor.nombre_busqueda.contains(normalizar(texto), autoescape=True),
        exists().where(
            Obligacion.caso_id == Caso.id,
            Obligacion.referencia.icontains(texto, autoescape=True),
        ),
    ]
    if digitos and digitos != texto:
        # "1.020.304.050" or "300 123 4567" as typed by a person.
        opciones.append(Deudor.numero_documento == digitos)
    if contactos:
        valores = [Contacto.valor.icontains(texto, autoescape=True)]
        if len(digitos) >= 7:
            valores.append(Contacto.valor.contains(digitos, autoescape=True))
        opciones.append(exists().where(Contacto.deudor_id == Caso.deudor_id, or_(*valores)))
    return or_(*opciones)
