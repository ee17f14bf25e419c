"""Read-only endpoints of API v1 (registered on the "api" blueprint when rutas.py imports this
module): the acreedor's payments, its monthly statement and its portfolio summary.

Everything is read for the token's acreedor only; amounts are Decimal written as text, in the
acreedor's currency. Query parameters are checked strictly: an unknown, repeated or malformed
parameter is a 400 naming it (detalles: campo, motivo), never a silently ignored filter.
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from agencia.api.errores import ErrorApi
from agencia.api.openapi import POR_PAGINA  # default and maximum page size (API_POR_PAGINA)
from agencia.api.rutas import alcance, bp
from agencia.casos.modelos import Caso
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.honorarios import liquidacion as liquidaciones
from agencia.metricas.modelos import TRAMOS_MORA, MetricaCarteraDia
from agencia.pagos.modelos import Pago
from agencia.portal import servicios as portal
from agencia.promesas.servicios import hoy_local

CERO = Decimal("0")
CENTAVO = Decimal("0.01")
_FECHA = re.compile(r"\d{4}-\d{2}-\d{2}")
_ENTERO = re.compile(r"[1-9]\d{0,5}")


def parametro_invalido(campo: str, motivo: str) -> ErrorApi:
    return ErrorApi(400, "parametro_invalido", f"Parámetro «{campo}»: {motivo}.",
                    [{"campo": campo, "motivo": motivo}])


def _parametros(permitidos: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, each at most once and all of them known."""
    for nombre in request.args:
        if nombre not in permitidos:
            raise parametro_invalido(nombre[:40], "parámetro desconocido; se admiten "
                                                  + ", ".join(permitidos))
        if len(request.args.getlist(nombre)) > 1:
            raise parametro_invalido(nombre, "aparece más de una vez")
    return {nombre: request.args[nombre].strip() for nombre in request.args}


def _fecha(parametros: dict, campo: str) -> date | None:
    texto = parametros.get(campo)
    if texto is None or texto == "":
        return None
    try:
        if not _FECHA.fullmatch(texto):
            raise ValueError
        return date.fromisoformat(texto)
    except ValueError:
        raise parametro_invalido(campo, "debe ser una fecha AAAA-MM-DD válida") from None


def _entero(parametros: dict, campo: str, defecto: int, maximo: int) -> int:
    texto = parametros.get(campo)
    if texto is None or texto == "":
        return defecto
    if not _ENTERO.fullmatch(texto) or int(texto) > maximo:
        raise parametro_invalido(campo, f"debe ser un número entero entre 1 y {maximo}")
    return int(texto)


def _texto(valor) -> str:
    """Money as text with two decimals ("1020.50"), as everywhere in the API."""
    return str(Decimal(valor if valor is not None else CERO).quantize(CENTAVO))


def _moneda(moneda: str | None) -> str:
    return moneda or g.token_api.acreedor.moneda


# ---------------------------------------------------------------- pagos


def _pago(pago: Pago, referencias: dict[int, list[str]]) -> dict:
    deudor = pago.caso.deudor
    return {
        "id": pago.id,
        "fecha": pago.fecha.isoformat(),
        "monto": _texto(pago.monto),
        "aplicado": _texto(pago.monto - pago.credito),
        "credito": _texto(pago.credito),
        "moneda": _moneda(pago.moneda),
        "estado": pago.estado,
        "metodo": pago.metodo,
        "referencia_bancaria": pago.referencia_bancaria,
        "etapa": pago.etapa,
        "reversado_en": pago.reversado_en.isoformat() if pago.reversado_en else None,
        "caso": {
            "id": pago.caso_id,
            "referencias": referencias.get(pago.caso_id, []),
            "deudor": {"tipo_documento": deudor.tipo_documento,
                       "numero_documento": deudor.numero_documento},
        },
    }


@bp.get("/pagos")
@alcance("pagos")
def pagos():
    parametros = _parametros(("desde", "hasta", "pagina", "por_pagina"))
    desde, hasta = _fecha(parametros, "desde"), _fecha(parametros, "hasta")
    if desde and hasta and desde > hasta:
        raise parametro_invalido("desde", "no puede ser posterior a «hasta»")
    maximo = current_app.config.get("API_POR_PAGINA", POR_PAGINA)
    pagina = _entero(parametros, "pagina", 1, 100_000)
    por_pagina = _entero(parametros, "por_pagina", maximo, maximo)

    acreedor_id = g.token_api.acreedor_id
    filtro = [Pago.acreedor_id == acreedor_id]
    if desde:
        filtro.append(Pago.fecha >= desde)
    if hasta:
        filtro.append(Pago.fecha <= hasta)
    total = db.session.scalar(select(func.count(Pago.id)).where(*filtro))
    filas = list(db.session.scalars(
        select(Pago).join(Caso, Caso.id == Pago.caso_id)
        .where(*filtro, Caso.acreedor_id == acreedor_id)
        .options(joinedload(Pago.caso).joinedload(Caso.deudor))
        .order_by(Pago.fecha.desc(), Pago.id.desc())
        .offset((pagina - 1) * por_pagina).limit(por_pagina)))
    referencias = portal.referencias(acreedor_id, sorted({p.caso_id for p in filas}))
    siguiente = None
    if pagina * por_pagina < total:
        siguiente = url_for("api.pagos", **{**parametros, "pagina": pagina + 1})
    return jsonify({
        "pagos": [_pago(p, referencias) for p in filas],
        "pagina": pagina,
        "por_pagina": por_pagina,
        "total": total,
        "siguiente": siguiente,
    })


# ---------------------------------------------------------------- liquidaciones


def _lista(valor) -> list[str]:
    if valor is None:
        return []
    if isinstance(valor, str):  # the statement joins them with ", "
        return [r for r in valor.split(", ") if r]
    return [str(r) for r in valor]


@bp.get("/liquidaciones/<mes>")
@alcance("liquidaciones")
def liquidacion(mes: str):
    try:
        anio, numero = liquidaciones.leer_mes(mes)
        datos = liquidaciones.liquidacion(g.token_api.acreedor_id, anio, numero)
    except EntradaInvalida as error:
        campo = "mes" if error.campo in (None, "", "mes") else error.campo
        raise ErrorApi(400, "parametro_invalido", error.mensaje,
                       [{"campo": campo, "motivo": error.mensaje}]) from error
    return jsonify({
        "acreedor": {"id": datos.acreedor_id, "nombre": datos.acreedor_nombre},
        "mes": f"{datos.anio:04d}-{datos.mes:02d}",
        "desde": datos.desde.isoformat(),
        "hasta": datos.hasta.isoformat(),
        "moneda": _moneda(datos.moneda),
        "recuperado": _texto(datos.recuperado),
        "honorarios": _texto(datos.honorarios),
        "neto": _texto(datos.neto),
        "lineas": [{
            "fecha": linea.fecha.isoformat(),
            "caso_id": linea.caso_id,
            "deudor": linea.deudor,
            "documento": linea.documento,
            "referencias": _lista(linea.referencias),
            "tipo": linea.tipo,
            "etapa": linea.etapa,
            "monto": _texto(linea.monto),
            "porcentaje": str(linea.porcentaje),
            "honorario": _texto(linea.honorario),
        } for linea in datos.lineas],
    })


# ---------------------------------------------------------------- cartera


def _mora(acreedor_id: int) -> dict | None:
    """The latest daily snapshot by days-past-due bucket (every bucket, zeros included)."""
    fecha = db.session.scalar(select(func.max(MetricaCarteraDia.fecha))
                              .where(MetricaCarteraDia.acreedor_id == acreedor_id))
    if fecha is None:
        return None
    filas = db.session.execute(
        select(MetricaCarteraDia.tramo, func.sum(MetricaCarteraDia.casos),
               func.sum(MetricaCarteraDia.saldo))
        .where(MetricaCarteraDia.acreedor_id == acreedor_id, MetricaCarteraDia.fecha == fecha)
        .group_by(MetricaCarteraDia.tramo))
    por_tramo = {tramo: (int(casos or 0), Decimal(saldo or 0)) for tramo, casos, saldo in filas}
    return {"fecha": fecha.isoformat(), "tramos": [
        {"tramo": tramo, "casos": por_tramo.get(tramo, (0, CERO))[0],
         "saldo": _texto(por_tramo.get(tramo, (0, CERO))[1])}
        for tramo, _ in TRAMOS_MORA]}


def _aplicado(*condiciones) -> Decimal:
    """What the acreedor's payments matching the conditions applied to the debt."""
    monto, credito = db.session.execute(
        select(func.sum(Pago.monto), func.sum(Pago.credito))
        .where(Pago.acreedor_id == g.token_api.acreedor_id, *condiciones)).one()
    return Decimal(monto or 0) - Decimal(credito or 0)


def recuperado_del_mes(hoy: date) -> dict:
    """Payments of this month applied to the debt (credit above the debt excluded), minus
    the reversals made this month (counted on the day of the reversal, as the fee ledger and
    the monthly statement do)."""
    primero = hoy.replace(day=1)
    zona = ZoneInfo(current_app.config["TZ_DEFAULT"])
    inicio = datetime.combine(primero, time.min, tzinfo=zona)
    fin = datetime.combine(hoy + timedelta(days=1), time.min, tzinfo=zona)
    recibido = _aplicado(Pago.fecha >= primero, Pago.fecha <= hoy)
    reversado = _aplicado(Pago.estado == "reversado", Pago.reversado_en >= inicio,
                          Pago.reversado_en < fin)
    return {"desde": primero.isoformat(), "hasta": hoy.isoformat(),
            "recibido": _texto(recibido), "reversado": _texto(reversado),
            "recuperado": _texto(recibido - reversado)}


@bp.get("/cartera")
@alcance("cartera")
def cartera():
    _parametros(())
    acreedor_id = g.token_api.acreedor_id
    resumen = portal.resumen_por_etapa(acreedor_id)
    return jsonify({
        "moneda": _moneda(None),
        "casos": resumen.casos,
        "saldo": _texto(resumen.saldo),
        "etapas": [{"etapa": f.etapa, "nombre": f.nombre, "casos": f.casos,
                    "saldo": _texto(f.saldo)} for f in resumen.etapas],
        "mora": _mora(acreedor_id),
        "recuperado_mes": recuperado_del_mes(hoy_local()),
    })
