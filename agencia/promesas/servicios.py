"""Promises to pay: making one from a gestion, and the daily verdict on the pending ones.

A promise is kept (cumplida) when the payments of its caso dated from the day it was made up
to its date plus the acreedor's grace days add up to its amount; it is broken (incumplida)
once that window has passed without enough payment. A broken promise sends the caso back to
the top of its agent's bandeja. `evaluar_promesas` only looks at pending promises, so running
it twice changes nothing. Services flush; the request or job commits.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.bandejas.prioridad import actualizar_prioridad
from agencia.casos.modelos import Caso
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa
from agencia.tipos import ahora

PLAZO_MAXIMO_DIAS = 60
CERO = Decimal("0")


class PromesaInvalida(EntradaInvalida):
    """A promise whose amount or date cannot be accepted."""


def hoy_local() -> date:
    """Today in the agency's time zone (TZ_DEFAULT)."""
    return ahora().astimezone(ZoneInfo(current_app.config["TZ_DEFAULT"])).date()


def validar_promesa(caso: Caso, monto: Decimal | None, fecha: date | None, hoy: date) -> None:
    """Raises PromesaInvalida (campo promesa_monto / promesa_fecha) when the promise is wrong."""
    if monto is None:
        raise PromesaInvalida("promesa_monto", "Indique el monto que el deudor promete pagar.")
    if monto <= CERO:
        raise PromesaInvalida("promesa_monto", "El monto prometido debe ser mayor que cero.")
    if monto > (caso.saldo or CERO):
        raise PromesaInvalida("promesa_monto",
                              "El monto prometido no puede superar el saldo del caso.")
    if fecha is None:
        raise PromesaInvalida("promesa_fecha", "Indique la fecha en que el deudor promete pagar.")
    if fecha < hoy:
        raise PromesaInvalida("promesa_fecha", "La fecha de la promesa no puede ser pasada.")
    if fecha > hoy + timedelta(days=PLAZO_MAXIMO_DIAS):
        raise PromesaInvalida(
            "promesa_fecha",
            f"La fecha de la promesa no puede estar a más de {PLAZO_MAXIMO_DIAS} días.")


def crear_promesa(caso: Caso, monto: Decimal, fecha: date, usuario_id: int | None,
                  gestion_id: int | None = None, *, hoy: date | None = None) -> Promesa:
    validar_promesa(caso, monto, fecha, hoy or hoy_local())
    promesa = Promesa(acreedor_id=caso.acreedor_id, caso_id=caso.id, gestion_id=gestion_id,
                      monto=monto, fecha=fecha, estado="pendiente", monto_pagado=CERO,
                      creado_por=usuario_id, creado_en=ahora())
    db.session.add(promesa)
    db.session.flush()
    registrar("promesa.crear", "caso", caso.id, acreedor_id=caso.acreedor_id,
              despues={"promesa_id": promesa.id, "monto": monto, "fecha": fecha,
                       "gestion_id": gestion_id}, usuario_id=usuario_id)
    return promesa


def promesas_abiertas(caso_id: int) -> list[Promesa]:
    return list(db.session.scalars(
        select(Promesa).where(Promesa.caso_id == caso_id, Promesa.estado == "pendiente")
        .order_by(Promesa.fecha, Promesa.id)))


def _dia_local(momento, zona: ZoneInfo) -> date:
    return momento.astimezone(zona).date()


def evaluar_promesas(hoy: date, acreedor_id: int | None = None) -> dict:
    """Marks pending promises cumplida or incumplida as of `hoy` (a local date).

    Returns the counts: {"revisadas", "cumplidas", "incumplidas"}.
    """
    zona = ZoneInfo(current_app.config["TZ_DEFAULT"])
    stmt = (select(Promesa).where(Promesa.estado == "pendiente")
            .options(joinedload(Promesa.caso)).order_by(Promesa.id))
    if acreedor_id is not None:
        stmt = stmt.where(Promesa.acreedor_id == acreedor_id)
    promesas = list(db.session.scalars(stmt))
    cuenta = {"revisadas": len(promesas), "cumplidas": 0, "incumplidas": 0}
    if not promesas:
        return cuenta
    gracias = {ident: dias for ident, dias in db.session.execute(
        select(Acreedor.id, Acreedor.dias_gracia_promesa)
        .where(Acreedor.id.in_({p.acreedor_id for p in promesas})))}
    pagos = defaultdict(list)
    for caso_id, fecha, monto in db.session.execute(
            select(Pago.caso_id, Pago.fecha, Pago.monto)
            .where(Pago.caso_id.in_({p.caso_id for p in promesas}),
                   Pago.estado == "aplicado")):  # a reversed payment paid nothing
        pagos[caso_id].append((fecha, monto))

    momento = ahora()
    for promesa in promesas:
        limite = promesa.fecha + timedelta(days=gracias.get(promesa.acreedor_id) or 0)
        desde = _dia_local(promesa.creado_en, zona)
        pagado = sum((m for f, m in pagos[promesa.caso_id] if desde <= f <= limite), CERO)
        if pagado >= promesa.monto:
            _resolver(promesa, "cumplida", pagado, momento)
            cuenta["cumplidas"] += 1
        elif hoy > limite:
            _resolver(promesa, "incumplida", pagado, momento)
            caso = promesa.caso
            caso.proxima_accion = hoy
            actualizar_prioridad(caso)
            cuenta["incumplidas"] += 1
        elif pagado != promesa.monto_pagado:
            promesa.monto_pagado = pagado  # progress shown on the caso page
    db.session.flush()
    return cuenta


def _resolver(promesa: Promesa, estado: str, pagado: Decimal, momento) -> None:
    antes = {"estado": promesa.estado, "monto_pagado": promesa.monto_pagado}
    promesa.estado, promesa.monto_pagado, promesa.resuelta_en = estado, pagado, momento
    registrar(f"promesa.{estado}", "caso", promesa.caso_id, acreedor_id=promesa.acreedor_id,
              antes=antes,
              despues={"promesa_id": promesa.id, "estado": estado, "monto": promesa.monto,
                       "fecha": promesa.fecha, "monto_pagado": pagado},
              usuario_id=None)
