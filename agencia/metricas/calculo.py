"""Computing the daily rollups (agencia.metricas.modelos) from the raw history.

Every figure is one GROUP BY query over the day's rows; Python only merges the grouped rows
(agents × acreedores, never one row per gestion or caso), so a day costs the same with
millions of gestiones. `calcular_dia` deletes the day's rows and inserts them again in the
caller's transaction: running it twice, or again after a crash, leaves the same rows.
Functions flush; the caller (the job) commits.

Rules:
- A day is a local day of the agency (TZ_DEFAULT); timestamp columns are compared with the
  UTC range of that local day, date columns (Pago.fecha, Promesa.fecha, Honorario.fecha)
  with the day itself.
- Recovered (recuperado) is what a payment applied to the debt: monto − credito (the fee
  base, agencia.honorarios). It counts on the payment's date; a reversed payment counts
  negative on the local day it was reversed (as the fee ledger does), so a past day's figure
  does not change when a payment is reversed later and the sum over a period is net.
- An agent's recovered money is the payments on the casos assigned to the agent
  (Caso.agente_id) when the rollup runs.
- Promises belong to the agent who made them (Promesa.creado_por); promesas_cumplidas counts
  those due that day whose verdict is cumplida when the rollup runs (the verdict may come
  after the acreedor's grace days: the nightly job recomputes the last DIAS_REVISION days).
- The days-past-due bucket of a payment is the payment date minus the caso's vencimiento
  (its oldest unpaid due date as it is now; no vencimiento: "0-30").
- MetricaCarteraDia is a snapshot of the portfolio as it is now: it is only written for
  today or yesterday (labelled with that day); older days keep the snapshot they have.
- Placement batches: a payment counts for a lote through its imputaciones on obligaciones
  that lote placed (Obligacion.lote_id); reversed payments do not count. Recovered within
  N days: payments dated up to the lote's local creation date + N days.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
    type_coerce,
)

from agencia.acuerdos.modelos import Acuerdo
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.modelos import CambioEtapa, Caso, Gestion, Obligacion
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario
from agencia.metricas.modelos import (
    DIAS_LIQUIDACION,
    RESULTADOS_TITULAR,
    TRAMOS_MORA,
    MetricaAcreedorDia,
    MetricaAgenteDia,
    MetricaCarteraDia,
    MetricaLote,
)
from agencia.pagos.modelos import ImputacionPago, Pago
from agencia.promesas.modelos import Promesa
from agencia.tipos import ahora

CERO = Decimal("0.00")
CENTAVO = Decimal("0.01")
# The nightly job recomputes this many days up to yesterday: late promise verdicts (grace
# days) and late data land in the rows.
DIAS_REVISION = 7
SIN_ETAPA = "sin_etapa"


# ---- helpers ---------------------------------------------------------------------------------


def zona() -> ZoneInfo:
    return ZoneInfo(current_app.config["TZ_DEFAULT"])


def hoy_local() -> date:
    return ahora().astimezone(zona()).date()


def rango_utc(fecha: date) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local day."""
    inicio = datetime.combine(fecha, time(0), tzinfo=zona())
    fin = datetime.combine(fecha + timedelta(days=1), time(0), tzinfo=zona())
    return inicio.astimezone(UTC), fin.astimezone(UTC)


def fecha_local(momento: datetime) -> date:
    return momento.astimezone(zona()).date()


def _dinero(valor) -> Decimal:
    if valor is None:
        return CERO
    return Decimal(str(valor)).quantize(CENTAVO)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _dias_entre(posterior, anterior):
    """Whole days from `anterior` to `posterior` (date expressions), on both databases."""
    if _postgres():
        return type_coerce(posterior - anterior, Integer)
    return cast(func.julianday(posterior) - func.julianday(anterior), Integer)


def _segundos_entre(fin, inicio):
    if _postgres():
        return func.extract("epoch", fin - inicio)
    return (func.julianday(fin) - func.julianday(inicio)) * 86400


def _tramo(dias, vencimiento):
    """CASE giving the TRAMOS_MORA key for a number of days past due."""
    ramas = [(vencimiento.is_(None), TRAMOS_MORA[0][0])]
    ramas += [(dias <= tope, clave) for clave, tope in TRAMOS_MORA if tope is not None]
    abierto = next(clave for clave, tope in TRAMOS_MORA if tope is None)
    return case(*ramas, else_=abierto)


def _recuperado():
    return func.sum(Pago.monto - Pago.credito)


def _pagos_del_dia(fecha: date):
    return Pago.fecha == fecha


def _reversiones_del_dia(fecha: date):
    inicio, fin = rango_utc(fecha)
    return and_(Pago.estado == "reversado", Pago.reversado_en >= inicio, Pago.reversado_en < fin)


# ---- per agent -------------------------------------------------------------------------------


def _filas_agentes(fecha: date) -> list[dict]:
    inicio, fin = rango_utc(fecha)
    filas: dict[tuple[int, int], dict] = defaultdict(lambda: {
        "gestiones": 0, "contactos_titular": 0, "casos_trabajados": 0, "promesas": 0,
        "monto_prometido": CERO, "promesas_vencidas": 0, "promesas_cumplidas": 0,
        "recuperado": CERO, "segundos_trabajados": 0})

    for usuario_id, acreedor_id, gestiones, contactos, casos in db.session.execute(
        select(Gestion.usuario_id, Caso.acreedor_id, func.count(Gestion.id),
               func.sum(case((Gestion.resultado.in_(RESULTADOS_TITULAR), 1), else_=0)),
               func.count(distinct(Gestion.caso_id)))
        .join(Caso, Caso.id == Gestion.caso_id)
        .where(Gestion.creado_en >= inicio, Gestion.creado_en < fin,
               Gestion.usuario_id.is_not(None))
        .group_by(Gestion.usuario_id, Caso.acreedor_id)
    ):
        filas[usuario_id, acreedor_id].update(
            gestiones=gestiones, contactos_titular=int(contactos or 0), casos_trabajados=casos)

    for usuario_id, acreedor_id, promesas, monto in db.session.execute(
        select(Promesa.creado_por, Promesa.acreedor_id, func.count(Promesa.id),
               func.sum(Promesa.monto))
        .where(Promesa.creado_en >= inicio, Promesa.creado_en < fin,
               Promesa.creado_por.is_not(None))
        .group_by(Promesa.creado_por, Promesa.acreedor_id)
    ):
        filas[usuario_id, acreedor_id].update(promesas=promesas, monto_prometido=_dinero(monto))

    for usuario_id, acreedor_id, vencidas, cumplidas in db.session.execute(
        select(Promesa.creado_por, Promesa.acreedor_id, func.count(Promesa.id),
               func.sum(case((Promesa.estado == "cumplida", 1), else_=0)))
        .where(Promesa.fecha == fecha, Promesa.creado_por.is_not(None))
        .group_by(Promesa.creado_por, Promesa.acreedor_id)
    ):
        filas[usuario_id, acreedor_id].update(promesas_vencidas=vencidas,
                                              promesas_cumplidas=int(cumplidas or 0))

    for condicion, signo in ((_pagos_del_dia(fecha), 1), (_reversiones_del_dia(fecha), -1)):
        for usuario_id, acreedor_id, monto in db.session.execute(
            select(Caso.agente_id, Pago.acreedor_id, _recuperado())
            .join(Caso, Caso.id == Pago.caso_id)
            .where(condicion, Caso.agente_id.is_not(None))
            .group_by(Caso.agente_id, Pago.acreedor_id)
        ):
            fila = filas[usuario_id, acreedor_id]
            fila["recuperado"] += signo * _dinero(monto)

    for usuario_id, acreedor_id, segundos in db.session.execute(
        select(SesionTrabajo.agente_id, Caso.acreedor_id,
               func.sum(_segundos_entre(SesionTrabajo.fin, SesionTrabajo.inicio)))
        .join(Caso, Caso.id == SesionTrabajo.caso_id)
        .where(SesionTrabajo.inicio >= inicio, SesionTrabajo.inicio < fin,
               SesionTrabajo.fin.is_not(None))
        .group_by(SesionTrabajo.agente_id, Caso.acreedor_id)
    ):
        filas[usuario_id, acreedor_id]["segundos_trabajados"] = int(round(float(segundos or 0)))

    return [{"fecha": fecha, "usuario_id": u, "acreedor_id": a, **valores}
            for (u, a), valores in sorted(filas.items())]


# ---- per acreedor ----------------------------------------------------------------------------


def _sumar_json(destino: dict, clave: str, monto: Decimal) -> None:
    destino[clave] = destino.get(clave, CERO) + monto


def _como_texto(montos: dict) -> dict:
    return {clave: str(monto) for clave, monto in sorted(montos.items()) if monto != CERO}


def _filas_acreedores(fecha: date) -> list[dict]:
    inicio, fin = rango_utc(fecha)
    filas: dict[int, dict] = defaultdict(lambda: {
        "recuperado": CERO, "honorarios": CERO, "por_etapa": {}, "por_tramo": {},
        "transiciones": {}, "acuerdos": 0, "quita_total": CERO, "deuda_acordada": CERO,
        "gestiones": 0})

    for condicion, signo in ((_pagos_del_dia(fecha), 1), (_reversiones_del_dia(fecha), -1)):
        for acreedor_id, etapa, monto in db.session.execute(
            select(Pago.acreedor_id, Pago.etapa, _recuperado())
            .where(condicion).group_by(Pago.acreedor_id, Pago.etapa)
        ):
            monto = signo * _dinero(monto)
            filas[acreedor_id]["recuperado"] += monto
            _sumar_json(filas[acreedor_id]["por_etapa"], etapa or SIN_ETAPA, monto)
        # The bucket is computed in a subquery: grouping by a CASE with bound parameters
        # would repeat them, which PostgreSQL does not recognise as the same expression.
        por_pago = (
            select(Pago.acreedor_id.label("acreedor_id"),
                   _tramo(_dias_entre(Pago.fecha, Caso.vencimiento), Caso.vencimiento)
                   .label("tramo"),
                   (Pago.monto - Pago.credito).label("monto"))
            .join(Caso, Caso.id == Pago.caso_id).where(condicion).subquery()
        )
        for acreedor_id, tramo, monto in db.session.execute(
            select(por_pago.c.acreedor_id, por_pago.c.tramo, func.sum(por_pago.c.monto))
            .group_by(por_pago.c.acreedor_id, por_pago.c.tramo)
        ):
            _sumar_json(filas[acreedor_id]["por_tramo"], tramo, signo * _dinero(monto))

    for acreedor_id, monto in db.session.execute(
        select(Honorario.acreedor_id, func.sum(Honorario.monto))
        .where(Honorario.fecha == fecha).group_by(Honorario.acreedor_id)
    ):
        filas[acreedor_id]["honorarios"] = _dinero(monto)

    for acreedor_id, desde, hacia, cantidad in db.session.execute(
        select(CambioEtapa.acreedor_id, CambioEtapa.desde, CambioEtapa.hacia,
               func.count(CambioEtapa.id))
        .where(CambioEtapa.creado_en >= inicio, CambioEtapa.creado_en < fin)
        .group_by(CambioEtapa.acreedor_id, CambioEtapa.desde, CambioEtapa.hacia)
    ):
        filas[acreedor_id]["transiciones"][f"{desde}>{hacia}"] = cantidad

    for acreedor_id, cantidad, quita, deuda in db.session.execute(
        select(Acuerdo.acreedor_id, func.count(Acuerdo.id),
               func.sum(Acuerdo.quita_capital + Acuerdo.quita_intereses + Acuerdo.quita_gastos),
               func.sum(Acuerdo.deuda_capital + Acuerdo.deuda_intereses + Acuerdo.deuda_gastos))
        .where(Acuerdo.vigente_desde >= inicio, Acuerdo.vigente_desde < fin)
        .group_by(Acuerdo.acreedor_id)
    ):
        filas[acreedor_id].update(acuerdos=cantidad, quita_total=_dinero(quita),
                                  deuda_acordada=_dinero(deuda))

    for acreedor_id, cantidad in db.session.execute(
        select(Caso.acreedor_id, func.count(Gestion.id))
        .join(Caso, Caso.id == Gestion.caso_id)
        .where(Gestion.creado_en >= inicio, Gestion.creado_en < fin)
        .group_by(Caso.acreedor_id)
    ):
        filas[acreedor_id]["gestiones"] = cantidad

    resultado = []
    for acreedor_id, valores in sorted(filas.items()):
        por_etapa, por_tramo = valores.pop("por_etapa"), valores.pop("por_tramo")
        resultado.append({"fecha": fecha, "acreedor_id": acreedor_id, **valores,
                          "recuperado_por_etapa": _como_texto(por_etapa),
                          "recuperado_por_tramo": _como_texto(por_tramo)})
    return resultado


# ---- portfolio snapshot ----------------------------------------------------------------------


def _filas_cartera(fecha: date) -> list[dict]:
    dia = literal(fecha, Date)
    por_caso = (
        select(Caso.acreedor_id.label("acreedor_id"), Caso.lote_id.label("lote_id"),
               Caso.etapa.label("etapa"),
               _tramo(_dias_entre(dia, Caso.vencimiento), Caso.vencimiento).label("tramo"),
               Caso.saldo.label("saldo"))
        .subquery()
    )
    consulta = (
        select(por_caso.c.acreedor_id, por_caso.c.lote_id, por_caso.c.etapa, por_caso.c.tramo,
               func.count(), func.sum(por_caso.c.saldo))
        .group_by(por_caso.c.acreedor_id, por_caso.c.lote_id, por_caso.c.etapa,
                  por_caso.c.tramo)
    )
    return [{"fecha": fecha, "acreedor_id": a, "lote_id": lote, "etapa": etapa, "tramo": tramo,
             "casos": casos, "saldo": _dinero(saldo)}
            for a, lote, etapa, tramo, casos, saldo in db.session.execute(consulta)]


# ---- the day -------------------------------------------------------------------------------


def calcular_dia(fecha: date) -> dict:
    """Replaces the rows of one local day (flushes; the caller commits). Returns the counts of
    rows written: {"agentes", "acreedores", "cartera"} (cartera None: snapshot not touched)."""
    agentes = _filas_agentes(fecha)
    acreedores = _filas_acreedores(fecha)
    db.session.execute(delete(MetricaAgenteDia).where(MetricaAgenteDia.fecha == fecha))
    db.session.execute(delete(MetricaAcreedorDia).where(MetricaAcreedorDia.fecha == fecha))
    if agentes:
        db.session.execute(insert(MetricaAgenteDia), agentes)
    if acreedores:
        db.session.execute(insert(MetricaAcreedorDia), acreedores)
    cartera = None
    if fecha >= hoy_local() - timedelta(days=1):
        filas = _filas_cartera(fecha)
        db.session.execute(delete(MetricaCarteraDia).where(MetricaCarteraDia.fecha == fecha))
        if filas:
            db.session.execute(insert(MetricaCarteraDia), filas)
        cartera = len(filas)
    db.session.flush()
    return {"agentes": len(agentes), "acreedores": len(acreedores), "cartera": cartera}


# ---- placement batches -----------------------------------------------------------------------


def _curva(por_fecha: dict[date, Decimal], colocado_en: date, hasta: date) -> list[list]:
    """Cumulative recovered by week since placement, from week 0 to `hasta`'s week (or the
    last payment's, if later)."""
    por_semana: dict[int, Decimal] = defaultdict(lambda: CERO)
    for fecha, monto in por_fecha.items():
        por_semana[max(0, (fecha - colocado_en).days // 7)] += monto
    ultima = max([max(0, (hasta - colocado_en).days // 7), *por_semana])
    acumulado, curva = CERO, []
    for semana in range(ultima + 1):
        acumulado += por_semana.get(semana, CERO)
        curva.append([semana, str(acumulado)])
    return curva


def calcular_lotes() -> int:
    """Recomputes MetricaLote for every placement batch (upsert by lote_id; flushes).
    Returns how many lotes were computed."""
    lotes = db.session.execute(
        select(LoteAsignacion.id, LoteAsignacion.acreedor_id, LoteAsignacion.creado_en)
        .order_by(LoteAsignacion.id)
    ).all()
    colocados = {lote_id: (casos, _dinero(monto)) for lote_id, casos, monto in db.session.execute(
        select(Obligacion.lote_id, func.count(distinct(Obligacion.caso_id)),
               func.sum(Obligacion.capital + Obligacion.intereses + Obligacion.gastos))
        .where(Obligacion.lote_id.is_not(None)).group_by(Obligacion.lote_id)
    )}
    recuperado: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for lote_id, fecha, monto in db.session.execute(
        select(Obligacion.lote_id, Pago.fecha, func.sum(ImputacionPago.monto))
        .select_from(ImputacionPago)
        .join(Pago, Pago.id == ImputacionPago.pago_id)
        .join(Obligacion, Obligacion.id == ImputacionPago.obligacion_id)
        .where(Pago.estado == "aplicado", Obligacion.lote_id.is_not(None))
        .group_by(Obligacion.lote_id, Pago.fecha)
    ):
        recuperado[lote_id][fecha] = _dinero(monto)

    existentes = {m.lote_id: m for m in db.session.scalars(select(MetricaLote))}
    hoy, momento = hoy_local(), ahora()
    for lote_id, acreedor_id, creado_en in lotes:
        colocado_en = fecha_local(creado_en)
        casos, colocado = colocados.get(lote_id, (0, CERO))
        por_fecha = recuperado.get(lote_id, {})
        valores = {
            "acreedor_id": acreedor_id, "colocado_en": colocado_en, "casos": casos,
            "colocado": colocado, "recuperado": sum(por_fecha.values(), CERO),
            "curva": _curva(por_fecha, colocado_en, hoy), "calculado_en": momento,
        }
        for dias in DIAS_LIQUIDACION:
            limite = colocado_en + timedelta(days=dias)
            valores[f"recuperado_{dias}"] = sum(
                (monto for fecha, monto in por_fecha.items() if fecha <= limite), CERO)
        metrica = existentes.get(lote_id)
        if metrica is None:
            db.session.add(MetricaLote(lote_id=lote_id, **valores))
        else:
            for campo, valor in valores.items():
                setattr(metrica, campo, valor)
    db.session.flush()
    return len(lotes)


def calcular(desde: date, hasta: date,
             al_avanzar: Callable[[int], None] | None = None) -> int:
    """Every day from `desde` to `hasta` (inclusive), then the placement batches.
    `al_avanzar(dias_hechos)` after each day (the job commits there). Returns the days done."""
    hechos = 0
    fecha = desde
    while fecha <= hasta:
        calcular_dia(fecha)
        hechos += 1
        if al_avanzar is not None:
            al_avanzar(hechos)
        fecha += timedelta(days=1)
    calcular_lotes()
    return hechos
