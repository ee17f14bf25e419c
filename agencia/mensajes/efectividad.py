"""Effectiveness of outbound messages and letters, per (canal, plantilla).

For every contact sent in a period — a Mensaje "enviado" (by `enviado_en`) or a Carta "lista"
(by `terminado_en`) — we ask whether, within `dias` days after the send, the caso got an inbound
gestion (answered), a new Promesa (promised) or an applied Pago (paid, by its `fecha`, from the
send's UTC date on). Counts are per send: a caso contacted twice by the same template counts
twice; the amount paid counts each pago once per group.

One set-based query per figure (EXISTS subqueries over a UNION of the sends). The window end
(`enviado_en + dias`) is the one database-specific piece: `_mas_dias` compiles it for
PostgreSQL (interval arithmetic) and SQLite (strftime modifiers, keeping the stored
microseconds so the comparison stays exact on SQLAlchemy's text format).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import DateTime, Integer, and_, case, exists, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from agencia.acreedores.modelos import Acreedor
from agencia.cartas.modelos import PLANTILLAS_CARTA, Carta
from agencia.casos.modelos import Gestion
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.mensajes.modelos import CANALES_MENSAJE, Mensaje
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa

DIAS_MIN, DIAS_MAX = 1, 60
RANGO_MAX_DIAS = 366
NOMBRES_CANAL = {**CANALES_MENSAJE, "carta": "Carta"}


class EfectividadInvalida(EntradaInvalida):
    """A period, window or acreedor the report cannot use."""


# --- Portable date arithmetic ------------------------------------------------------------

class _mas_dias(FunctionElement):
    """`timestamp + n days` as a timestamp comparable with FechaHoraUTC columns."""

    type = DateTime()
    inherit_cache = True


@compiles(_mas_dias)
def _mas_dias_pg(elemento, compilador, **kw):
    columna, dias = list(elemento.clauses)
    return (f"({compilador.process(columna, **kw)} + "
            f"{compilador.process(dias, **kw)} * INTERVAL '1 day')")


@compiles(_mas_dias, "sqlite")
def _mas_dias_sqlite(elemento, compilador, **kw):
    columna, dias = list(elemento.clauses)
    col = compilador.process(columna, **kw)
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': shift the seconds part, keep the fraction.
    return (f"(strftime('%Y-%m-%d %H:%M:%S', {col}, '+' || {compilador.process(dias, **kw)}"
            f" || ' days') || substr({col}, 20))")


class _fecha_mas_dias(FunctionElement):
    """`date(timestamp + n days)`, comparable with Date columns (n may be 0)."""

    inherit_cache = True


@compiles(_fecha_mas_dias)
def _fecha_mas_dias_pg(elemento, compilador, **kw):
    columna, dias = list(elemento.clauses)
    return (f"CAST({compilador.process(columna, **kw)} + "
            f"{compilador.process(dias, **kw)} * INTERVAL '1 day' AS DATE)")


@compiles(_fecha_mas_dias, "sqlite")
def _fecha_mas_dias_sqlite(elemento, compilador, **kw):
    columna, dias = list(elemento.clauses)
    return (f"date({compilador.process(columna, **kw)}, '+' || "
            f"{compilador.process(dias, **kw)} || ' days')")


# --- Result ------------------------------------------------------------------------------

def _pct(parte: int, total: int) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (Decimal(parte) * 100 / Decimal(total)).quantize(Decimal("0.1"))


@dataclass
class FilaEfectividad:
    canal: str
    plantilla: str
    enviados: int
    casos: int
    respondidos: int
    prometidos: int
    pagados: int
    montos: dict[str, Decimal] = field(default_factory=dict)  # moneda → amount paid

    @property
    def nombre_canal(self) -> str:
        return NOMBRES_CANAL.get(self.canal, self.canal)

    @property
    def nombre_plantilla(self) -> str:
        return PLANTILLAS_CARTA.get(self.plantilla, self.plantilla)

    @property
    def tasa_respuesta(self) -> Decimal:
        return _pct(self.respondidos, self.enviados)

    @property
    def tasa_promesa(self) -> Decimal:
        return _pct(self.prometidos, self.enviados)

    @property
    def tasa_pago(self) -> Decimal:
        return _pct(self.pagados, self.enviados)


# --- Query ---------------------------------------------------------------------------------

def validar_periodo(desde: date, hasta: date, dias: int) -> None:
    if hasta < desde:
        raise EfectividadInvalida("hasta", "La fecha final es anterior a la inicial.")
    if (hasta - desde).days >= RANGO_MAX_DIAS:
        raise EfectividadInvalida("hasta", f"El periodo no puede pasar de {RANGO_MAX_DIAS} días.")
    if not isinstance(dias, int) or not DIAS_MIN <= dias <= DIAS_MAX:
        raise EfectividadInvalida("dias", f"Los días deben ir de {DIAS_MIN} a {DIAS_MAX}.")


def _envios(inicio: datetime, fin: datetime, acreedor_id: int | None):
    mensajes = select(
        Mensaje.canal.label("canal"), Mensaje.plantilla.label("plantilla"),
        Mensaje.caso_id.label("caso_id"), Mensaje.enviado_en.label("enviado_en"),
    ).where(Mensaje.estado == "enviado", Mensaje.enviado_en >= inicio, Mensaje.enviado_en < fin)
    cartas = select(
        literal("carta").label("canal"), Carta.plantilla.label("plantilla"),
        Carta.caso_id.label("caso_id"), Carta.terminado_en.label("enviado_en"),
    ).where(Carta.estado == "lista", Carta.terminado_en >= inicio, Carta.terminado_en < fin)
    if acreedor_id is not None:
        mensajes = mensajes.where(Mensaje.acreedor_id == acreedor_id)
        cartas = cartas.where(Carta.acreedor_id == acreedor_id)
    return union_all(mensajes, cartas).subquery("envio")


def efectividad(desde: date, hasta: date, dias: int = 7,
                acreedor_id: int | None = None) -> list[FilaEfectividad]:
    """One row per (canal, plantilla) with the sends between `desde` and `hasta` (UTC dates,
    both included) and how many were followed, within `dias` days, by an answer, a promise or
    a payment. Sorted by canal, then plantilla."""
    validar_periodo(desde, hasta, dias)
    inicio = datetime.combine(desde, time.min, tzinfo=UTC)
    fin = datetime.combine(hasta + timedelta(days=1), time.min, tzinfo=UTC)
    e = _envios(inicio, fin, acreedor_id)
    n = literal(dias, Integer)
    hasta_envio = _mas_dias(e.c.enviado_en, n)

    respondio = exists().where(
        Gestion.caso_id == e.c.caso_id, Gestion.direccion == "entrante",
        Gestion.creado_en > e.c.enviado_en, Gestion.creado_en <= hasta_envio)
    prometio = exists().where(
        Promesa.caso_id == e.c.caso_id,
        Promesa.creado_en > e.c.enviado_en, Promesa.creado_en <= hasta_envio)
    pago_en_ventana = and_(
        Pago.caso_id == e.c.caso_id, Pago.estado == "aplicado",
        Pago.fecha >= _fecha_mas_dias(e.c.enviado_en, literal(0, Integer)),
        Pago.fecha <= _fecha_mas_dias(e.c.enviado_en, n))

    def contar(condicion):
        return func.coalesce(func.sum(case((condicion, 1), else_=0)), 0)

    filas = db.session.execute(
        select(e.c.canal, e.c.plantilla, func.count(), func.count(e.c.caso_id.distinct()),
               contar(respondio), contar(prometio), contar(exists().where(pago_en_ventana)))
        .group_by(e.c.canal, e.c.plantilla)
        .order_by(e.c.canal, e.c.plantilla)
    ).all()
    resultado = {
        (canal, plantilla): FilaEfectividad(canal, plantilla, int(env), int(casos), int(r),
                                            int(p), int(pg))
        for canal, plantilla, env, casos, r, p, pg in filas
    }

    # Amount paid: each pago once per group, even when several sends of it precede it.
    moneda = func.coalesce(func.nullif(Pago.moneda, ""), Acreedor.moneda)
    pagos = (
        select(e.c.canal, e.c.plantilla, Pago.id, Pago.monto, moneda.label("moneda"))
        .join(Pago, pago_en_ventana)
        .join(Acreedor, Acreedor.id == Pago.acreedor_id)
        .distinct()
        .subquery("pagos")
    )
    for canal, plantilla, mon, total in db.session.execute(
        select(pagos.c.canal, pagos.c.plantilla, pagos.c.moneda, func.sum(pagos.c.monto))
        .group_by(pagos.c.canal, pagos.c.plantilla, pagos.c.moneda)
    ):
        fila = resultado.get((canal, plantilla))
        if fila is not None:
            fila.montos[mon] = Decimal(total)
    return list(resultado.values())
