"""Rules of the caso: finding casos, logging gestiones, adding up obligaciones.

Functions take `acreedor_id` (None for agency staff, who see every acreedor) and scope their
queries through `agencia.tenencia.restringir`. They flush; the request or job commits.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from agencia.auditoria.servicios import registrar
from agencia.casos.modelos import CANALES, DIRECCIONES, RESULTADOS, Caso, Gestion, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db
from agencia.tenencia import restringir
from agencia.tipos import ahora

MINIMO_BUSQUEDA = 3
MAXIMO_NOTA = 2000


class GestionInvalida(ValueError):
    """A gestion that cannot be recorded; `campo` names the offending input."""

    def __init__(self, campo: str, mensaje: str):
        super().__init__(mensaje)
        self.campo = campo
        self.mensaje = mensaje


def texto_buscable(texto: str | None) -> str | None:
    """The search text, or None when it is too short to search for."""
    texto = (texto or "").strip()
    return texto if len(texto) >= MINIMO_BUSQUEDA else None


def condicion_texto(texto: str, *, contactos: bool = True):
    """Where-clause matching casos by document number, deudor name, obligacion referencia and
    (for staff) the deudor's phones and emails. Expects a select already joined to Deudor."""
    digitos = re.sub(r"\D", "", texto)
    opciones = [
        Deudor.numero_documento == texto,
        Deudor.nombre.icontains(texto, autoescape=True),
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


def consulta_busqueda(texto: str, acreedor_id: int | None = None) -> Select:
    """Casos matching a search text, by deudor name then id (a select ready to paginate)."""
    stmt = (
        select(Caso)
        .join(Caso.deudor)
        .where(condicion_texto(texto))
        .options(contains_eager(Caso.deudor), joinedload(Caso.acreedor), joinedload(Caso.agente))
        .order_by(Deudor.nombre, Caso.id)
    )
    return restringir(stmt, Caso, acreedor_id)


def gestiones_recientes(caso_id: int, acreedor_id: int | None = None, limite: int = 20):
    """The latest gestiones of a caso, newest first, with who logged them."""
    stmt = (
        select(Gestion)
        .where(Gestion.caso_id == caso_id)
        .options(joinedload(Gestion.usuario))
        .order_by(Gestion.creado_en.desc(), Gestion.id.desc())
        .limit(limite)
    )
    return list(db.session.scalars(restringir(stmt, Gestion, acreedor_id)))


@dataclass
class Totales:
    capital: Decimal
    intereses: Decimal
    gastos: Decimal
    saldo: Decimal


def totales(obligaciones) -> Totales:
    """The total row of an obligaciones table (Decimal throughout)."""
    suma = {campo: Decimal("0") for campo in ("capital", "intereses", "gastos", "saldo")}
    for obligacion in obligaciones:
        for campo in suma:
            suma[campo] += getattr(obligacion, campo) or Decimal("0")
    return Totales(**suma)


def registrar_gestion(
    caso: Caso,
    usuario_id: int | None,
    canal: str,
    direccion: str,
    resultado: str,
    nota: str | None = "",
    proxima_accion: date | None = None,
) -> Gestion:
    """Appends a gestion to the caso, moves its last-gestion time and (when given) its next
    action date, and audits the change. Raises GestionInvalida before touching anything."""
    nota = (nota or "").strip()
    for campo, valor, validos in (
        ("canal", canal, CANALES),
        ("direccion", direccion, DIRECCIONES),
        ("resultado", resultado, RESULTADOS),
    ):
        if valor not in validos:
            raise GestionInvalida(campo, f"Valor no válido para {campo}: {valor!r}.")
    if len(nota) > MAXIMO_NOTA:
        raise GestionInvalida("nota", f"La nota admite hasta {MAXIMO_NOTA} caracteres.")

    antes = {"ultima_gestion_en": caso.ultima_gestion_en}
    despues = {}
    momento = ahora()
    gestion = Gestion(
        caso_id=caso.id, usuario_id=usuario_id, canal=canal, direccion=direccion,
        resultado=resultado, nota=nota, creado_en=momento,
    )
    db.session.add(gestion)
    caso.ultima_gestion_en = momento
    despues["ultima_gestion_en"] = momento
    if proxima_accion is not None and proxima_accion != caso.proxima_accion:
        antes["proxima_accion"] = caso.proxima_accion
        caso.proxima_accion = proxima_accion
        despues["proxima_accion"] = proxima_accion
    db.session.flush()
    despues["gestion"] = {
        "id": gestion.id, "canal": canal, "direccion": direccion, "resultado": resultado,
    }
    registrar(
        "gestion.registrada", "caso", caso.id, acreedor_id=caso.acreedor_id,
        antes=antes, despues=despues, usuario_id=usuario_id,
    )
    db.session.flush()
    return gestion
