"""What the creditor sees on its portal: its portfolio by etapa, its casos, a caso's history.

Every function takes `acreedor_id` explicitly and refuses to run without it: the portal
never shows more than one acreedor. Queries are scoped through `agencia.tenencia.restringir`.
Gestiones reach the portal as (date, channel, outcome) only: agents' notes stay internal.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from agencia.acuerdos.modelos import Acuerdo
from agencia.asignaciones.lectura import leer_monto
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.casos.modelos import CANALES, ETAPAS, RESULTADOS, Caso, Gestion, Obligacion
from agencia.casos.servicios import condicion_texto, texto_buscable
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.metricas.modelos import (
    DIAS_LIQUIDACION,
    TRAMOS_MORA,
    MetricaAcreedorDia,
    MetricaCarteraDia,
    MetricaLote,
)
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa
from agencia.tenencia import restringir

CERO = Decimal("0")
TRAMOS = {clave: f"{clave} días" for clave, _ in TRAMOS_MORA}
SALDO_MAXIMO_FILTRO = Decimal("1000000000000000")
LOTES_EN_GRAFICO = 6  # one colour each (serie-0 … serie-5)


def _exigir(acreedor_id: int | None) -> int:
    if acreedor_id is None:
        raise ValueError("El portal siempre consulta un acreedor concreto")
    return acreedor_id


@dataclass
class FilaEtapa:
    etapa: str
    nombre: str
    casos: int
    saldo: Decimal
    pct_casos: int = 0
    pct_saldo: int = 0


@dataclass
class Resumen:
    casos: int
    saldo: Decimal
    etapas: list[FilaEtapa]


def _porcentaje(parte, total) -> int:
    """Whole percent for the bar width; anything above zero gets at least 1 so it shows."""
    if not total or not parte:
        return 0
    return max(1, round(100 * parte / total))


def resumen_por_etapa(acreedor_id: int) -> Resumen:
    """Casos and saldo per etapa: every etapa listed, in workflow order, zeros included.
    Percentages are of the total, for the bar chart."""
    stmt = select(Caso.etapa, func.count(Caso.id), func.sum(Caso.saldo)).group_by(Caso.etapa)
    filas = db.session.execute(restringir(stmt, Caso, _exigir(acreedor_id))).all()
    por_etapa = {etapa: (cantidad, total or Decimal("0")) for etapa, cantidad, total in filas}
    etapas = [
        FilaEtapa(clave, nombre, *por_etapa.get(clave, (0, Decimal("0"))))
        for clave, nombre in ETAPAS.items()
    ]
    total_casos = sum(fila.casos for fila in etapas)
    total_saldo = sum((fila.saldo for fila in etapas), Decimal("0"))
    for fila in etapas:
        fila.pct_casos = _porcentaje(fila.casos, total_casos)
        fila.pct_saldo = _porcentaje(fila.saldo, total_saldo)
    return Resumen(casos=total_casos, saldo=total_saldo, etapas=etapas)


def _tramo_condicion(tramo: str, hoy: date):
    """The condition on Caso.vencimiento for a days-past-due bucket (as Caso.dias_mora counts:
    no due date, or one in the future, is 0 days)."""
    desde = 0
    for clave, hasta in TRAMOS_MORA:
        if clave == tramo:
            condiciones = []
            if hasta is not None:
                condiciones.append(Caso.vencimiento >= hoy - timedelta(days=hasta))
            if desde > 0:
                condiciones.append(Caso.vencimiento <= hoy - timedelta(days=desde))
                return condiciones
            return [or_(Caso.vencimiento.is_(None), *condiciones)]
        desde = hasta + 1
    raise KeyError(tramo)


def consulta_casos(acreedor_id: int, etapa: str | None = None, texto: str | None = None,
                   lote_id: int | None = None, tramo: str | None = None,
                   saldo_minimo: Decimal | None = None, hoy: date | None = None) -> Select:
    """The acreedor's casos, largest saldo first, filtered by etapa, by deudor name, document
    or referencia, by placement lote, by days-past-due bucket and by a minimum saldo (a select
    ready to paginate)."""
    stmt = (
        select(Caso)
        .join(Caso.deudor)
        .options(contains_eager(Caso.deudor))
        .order_by(Caso.saldo.desc(), Caso.id)
    )
    if etapa in ETAPAS:
        stmt = stmt.where(Caso.etapa == etapa)
    if texto:
        stmt = stmt.where(condicion_texto(texto, contactos=False))
    if lote_id is not None:
        stmt = stmt.where(Caso.lote_id == lote_id)
    if tramo is not None:
        stmt = stmt.where(*_tramo_condicion(tramo, hoy or date.today()))
    if saldo_minimo is not None:
        stmt = stmt.where(Caso.saldo >= saldo_minimo)
    return restringir(stmt, Caso, _exigir(acreedor_id))


class FiltroInvalido(EntradaInvalida):
    """A filter of the caso list that cannot be applied."""


@dataclass
class FiltrosCasos:
    etapa: str | None = None
    q: str = ""
    lote_id: int | None = None
    tramo: str | None = None
    saldo_minimo: Decimal | None = None
    texto_minimo: str = ""  # the saldo as typed, to show it back

    @property
    def texto(self) -> str | None:
        return texto_buscable(self.q)

    @property
    def activos(self) -> bool:
        return bool(self.etapa or self.q or self.lote_id or self.tramo
                    or self.saldo_minimo is not None)

    def parametros(self) -> dict:
        """The query string that keeps these filters (for the pagination links)."""
        valores = {"etapa": self.etapa, "q": self.q, "lote": self.lote_id,
                   "tramo": self.tramo, "saldo_minimo": self.texto_minimo}
        return {clave: valor for clave, valor in valores.items() if valor}


def lotes(acreedor_id: int) -> list[LoteAsignacion]:
    """The acreedor's placement lotes, newest first (for the filter)."""
    stmt = select(LoteAsignacion).order_by(LoteAsignacion.creado_en.desc(), LoteAsignacion.id.desc())
    return list(db.session.scalars(restringir(stmt, LoteAsignacion, _exigir(acreedor_id))))


class LoteAjeno(LookupError):
    """A lote that is not one of the cliente's acreedor (the page answers 404)."""


def leer_filtros(acreedor_id: int, args) -> FiltrosCasos:
    """The caso list's filters from the query string; FiltroInvalido for a value that is not
    one of the acreedor's (an unknown etapa or tramo, another acreedor's lote, a bad amount)."""
    filtros = FiltrosCasos(q=(args.get("q") or "").strip())
    etapa = (args.get("etapa") or "").strip()
    if etapa:
        if etapa not in ETAPAS:
            raise FiltroInvalido("etapa", "Esa etapa no existe: elija una de la lista.")
        filtros.etapa = etapa
    tramo = (args.get("tramo") or "").strip()
    if tramo:
        if tramo not in TRAMOS:
            raise FiltroInvalido("tramo", "Ese tramo de mora no existe: elija uno de la lista.")
        filtros.tramo = tramo
    lote = (args.get("lote") or "").strip()
    if lote:
        if not (lote.isascii() and lote.isdigit()) or len(lote) > 18:  # int() must read it
            raise FiltroInvalido("lote", "El lote debe ser uno de la lista.")
        if int(lote) not in {fila.id for fila in lotes(acreedor_id)}:
            raise LoteAjeno(int(lote))  # another acreedor's, or none: not found (404)
        filtros.lote_id = int(lote)
    minimo = (args.get("saldo_minimo") or "").strip()
    if minimo:
        try:
            valor = leer_monto(minimo)
        except ValueError:
            valor = None
        if valor is None or valor >= SALDO_MAXIMO_FILTRO:
            raise FiltroInvalido("saldo_minimo",
                                 "El saldo mínimo debe ser un monto positivo, por ejemplo 500000.")
        filtros.saldo_minimo, filtros.texto_minimo = valor, minimo
    return filtros


def referencias(acreedor_id: int, caso_ids: list[int]) -> dict[int, list[str]]:
    """The obligacion referencias of some casos, in one query."""
    if not caso_ids:
        return {}
    stmt = (
        select(Obligacion.caso_id, Obligacion.referencia)
        .where(Obligacion.caso_id.in_(caso_ids))
        .order_by(Obligacion.caso_id, Obligacion.referencia)
    )
    resultado = defaultdict(list)
    for caso_id, referencia in db.session.execute(restringir(stmt, Obligacion, _exigir(acreedor_id))):
        resultado[caso_id].append(referencia)
    return dict(resultado)


def obligaciones(acreedor_id: int, caso_id: int) -> list[Obligacion]:
    stmt = (
        select(Obligacion)
        .where(Obligacion.caso_id == caso_id)
        .order_by(Obligacion.fecha_vencimiento, Obligacion.id)
    )
    return list(db.session.scalars(restringir(stmt, Obligacion, _exigir(acreedor_id))))


@dataclass(frozen=True)
class GestionResumida:
    """A gestion as the creditor sees it: no note, no agent."""

    creado_en: datetime
    canal: str
    resultado: str


def gestiones_resumidas(acreedor_id: int, caso_id: int, limite: int = 50) -> list[GestionResumida]:
    """The caso's gestiones, newest first. Only these three columns are read, so internal
    notes never leave the database for the portal."""
    stmt = (
        select(Gestion.creado_en, Gestion.canal, Gestion.resultado)
        .where(Gestion.caso_id == caso_id)
        .order_by(Gestion.creado_en.desc(), Gestion.id.desc())
        .limit(limite)
    )
    filas = db.session.execute(restringir(stmt, Gestion, _exigir(acreedor_id)))
    return [
        GestionResumida(creado, CANALES.get(canal, canal), RESULTADOS.get(resultado, resultado))
        for creado, canal, resultado in filas
    ]


def resumen_gestiones(acreedor_id: int, caso_id: int) -> list[tuple[str, int]]:
    """How many gestiones of each outcome the caso has (all time), most frequent first."""
    stmt = (select(Gestion.resultado, func.count(Gestion.id))
            .where(Gestion.caso_id == caso_id).group_by(Gestion.resultado))
    filas = db.session.execute(restringir(stmt, Gestion, _exigir(acreedor_id))).all()
    return sorted(((RESULTADOS.get(r, r), n) for r, n in filas), key=lambda f: (-f[1], f[0]))


def promesas(acreedor_id: int, caso_id: int, limite: int = 50) -> list[Promesa]:
    """The caso's promises to pay, newest date first."""
    return list(db.session.scalars(
        select(Promesa)
        .where(Promesa.acreedor_id == _exigir(acreedor_id), Promesa.caso_id == caso_id)
        .order_by(Promesa.fecha.desc(), Promesa.id.desc()).limit(limite)))


def acuerdos_del_caso(acreedor_id: int, caso_id: int) -> tuple[Acuerdo | None, Acuerdo | None]:
    """(the vigente plan with its cuotas, an acuerdo waiting for the acreedor) of a caso."""
    filas = db.session.scalars(
        select(Acuerdo)
        .where(Acuerdo.acreedor_id == _exigir(acreedor_id), Acuerdo.caso_id == caso_id,
               Acuerdo.estado.in_(("vigente", "pendiente_acreedor")))
        .order_by(Acuerdo.id.desc())).all()
    vigente = next((a for a in filas if a.estado == "vigente"), None)
    pendiente = next((a for a in filas if a.estado == "pendiente_acreedor"), None)
    return vigente, pendiente


def pagos(acreedor_id: int, caso_id: int, limite: int = 100) -> list[Pago]:
    """The caso's payments, newest first."""
    return list(db.session.scalars(
        select(Pago)
        .where(Pago.acreedor_id == _exigir(acreedor_id), Pago.caso_id == caso_id)
        .order_by(Pago.fecha.desc(), Pago.id.desc()).limit(limite)))


# ---- the portfolio from the nightly rollups ---------------------------------------------------

@dataclass
class Cartera:
    """The portfolio by etapa and by days-past-due bucket. `fecha` is the snapshot's day;
    None when there is no snapshot yet (etapas read live, no buckets)."""

    fecha: date | None
    resumen: Resumen
    tramos: list[FilaEtapa] = field(default_factory=list)


def _con_porcentajes(filas: list[FilaEtapa]) -> list[FilaEtapa]:
    total_casos = sum(fila.casos for fila in filas)
    total_saldo = sum((fila.saldo for fila in filas), CERO)
    for fila in filas:
        fila.pct_casos = _porcentaje(fila.casos, total_casos)
        fila.pct_saldo = _porcentaje(fila.saldo, total_saldo)
    return filas


def cartera(acreedor_id: int) -> Cartera:
    """The latest snapshot (MetricaCarteraDia) of the acreedor, or the live etapas."""
    acreedor_id = _exigir(acreedor_id)
    fecha = db.session.scalar(restringir(select(func.max(MetricaCarteraDia.fecha)),
                                         MetricaCarteraDia, acreedor_id))
    if fecha is None:
        return Cartera(None, resumen_por_etapa(acreedor_id))
    stmt = (select(MetricaCarteraDia.etapa, MetricaCarteraDia.tramo,
                   func.sum(MetricaCarteraDia.casos), func.sum(MetricaCarteraDia.saldo))
            .where(MetricaCarteraDia.fecha == fecha)
            .group_by(MetricaCarteraDia.etapa, MetricaCarteraDia.tramo))
    por_etapa: dict[str, list] = defaultdict(lambda: [0, CERO])
    por_tramo: dict[str, list] = defaultdict(lambda: [0, CERO])
    for etapa, tramo, casos, saldo in db.session.execute(
            restringir(stmt, MetricaCarteraDia, acreedor_id)):
        for acumulado, clave in ((por_etapa, etapa), (por_tramo, tramo)):
            acumulado[clave][0] += int(casos or 0)
            acumulado[clave][1] += Decimal(saldo or 0)
    etapas = _con_porcentajes([FilaEtapa(clave, nombre, *por_etapa.get(clave, (0, CERO)))
                               for clave, nombre in ETAPAS.items()])
    tramos = _con_porcentajes([FilaEtapa(clave, nombre, *por_tramo.get(clave, (0, CERO)))
                               for clave, nombre in TRAMOS.items()])
    resumen = Resumen(casos=sum(f.casos for f in etapas),
                      saldo=sum((f.saldo for f in etapas), CERO), etapas=etapas)
    return Cartera(fecha, resumen, tramos)


def recuperado_del_mes(acreedor_id: int, hoy: date) -> Decimal:
    """What was recovered since the 1st: the daily rollups when there are any this month,
    otherwise the applied payments read live."""
    acreedor_id = _exigir(acreedor_id)
    desde = hoy.replace(day=1)
    dias, total = db.session.execute(restringir(
        select(func.count(MetricaAcreedorDia.id), func.sum(MetricaAcreedorDia.recuperado))
        .where(MetricaAcreedorDia.fecha >= desde, MetricaAcreedorDia.fecha <= hoy),
        MetricaAcreedorDia, acreedor_id)).one()
    if not dias:
        total = db.session.scalar(
            select(func.sum(Pago.monto - Pago.credito))
            .where(Pago.acreedor_id == acreedor_id, Pago.estado == "aplicado",
                   Pago.fecha >= desde, Pago.fecha <= hoy))
    return Decimal(total or 0).quantize(Decimal("0.01"))


def _tasa(parte, total) -> Decimal | None:
    if not total:
        return None
    return (Decimal(parte or 0) * 100 / Decimal(total)).quantize(Decimal("0.1"))


@dataclass
class CurvaLote:
    """One placement lote's recovery: liquidation rates at 30/60/90 days and in total (% of
    what was placed) and the cumulative curve by week since placement."""

    lote_id: int
    nombre: str
    colocado_en: date
    casos: int
    colocado: Decimal
    recuperado: Decimal
    tasas: dict[int, Decimal | None]
    tasa_total: Decimal | None
    semanas: dict[int, Decimal]


def curvas(acreedor_id: int, hoy: date | None = None) -> list[CurvaLote]:
    """The acreedor's lotes (MetricaLote), newest placement first. A rate at N days is None
    while the lote is younger than N days."""
    hoy = hoy or date.today()
    stmt = select(MetricaLote).order_by(MetricaLote.colocado_en.desc(), MetricaLote.lote_id.desc())
    resultado = []
    for fila in db.session.scalars(restringir(stmt, MetricaLote, _exigir(acreedor_id))):
        semanas = {}
        for punto in fila.curva or []:
            try:
                semanas[int(punto[0])] = Decimal(str(punto[1]))
            except (ArithmeticError, IndexError, TypeError, ValueError):
                continue  # a malformed point is left out, not a broken page
        resultado.append(CurvaLote(
            lote_id=fila.lote_id, nombre=f"Lote {fila.lote_id} ({fila.colocado_en:%d/%m/%Y})",
            colocado_en=fila.colocado_en, casos=fila.casos, colocado=fila.colocado,
            recuperado=fila.recuperado,
            tasas={dias: _tasa(getattr(fila, f"recuperado_{dias}"), fila.colocado)
                   if (hoy - fila.colocado_en).days >= dias else None
                   for dias in DIAS_LIQUIDACION},
            tasa_total=_tasa(fila.recuperado, fila.colocado), semanas=semanas))
    return resultado


def grafico_curvas(lotes_: list[CurvaLote]) -> tuple[list[str], list[dict]]:
    """(x labels, series) for the line chart: the newest lotes, % of the placed amount
    recovered by each week since placement."""
    elegidos = [lote for lote in lotes_[:LOTES_EN_GRAFICO] if lote.semanas and lote.colocado]
    if not elegidos:
        return [], []
    ultima = max(max(lote.semanas) for lote in elegidos)
    etiquetas = [f"S{semana}" for semana in range(ultima + 1)]
    series = [{"nombre": lote.nombre,
               "valores": [float(_tasa(lote.semanas[s], lote.colocado)) if s in lote.semanas
                           else None for s in range(ultima + 1)]}
              for lote in reversed(elegidos)]
    return etiquetas, series
