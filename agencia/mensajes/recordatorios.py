"""Payment reminders: 7 days and 1 day before each cuota or promise is due, the same day,
and 1 day after if still unpaid, on the deudor's authorised channel (email, else SMS, else
WhatsApp).

`programar_recordatorios(hoy)` queues, for each offset whose day is `hoy`, one message per
cuota/promesa with clave "recordatorio:<cuota|promesa>:<id>:<offset>": a re-run the same day
adds nothing. Run daily (the periodic job) it covers every offset; a day the job did not run
is not caught up (a "due in 7 days" reminder sent late would be wrong). When the message is
sent, `motivo_obsoleto` checks again that it is still owed (`envio.enviar` calls it): a cuota
paid in the meantime, or an acuerdo no longer vigente, skips it.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agencia import formato
from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db
from agencia.mensajes.servicios import destino_de, encolar_mensaje, mensaje_por_clave
from agencia.promesas.modelos import Promesa

# Days from the due date (negative: before).
DESPLAZAMIENTOS = (-7, -1, 0, 1)
ORDEN_CANALES = ("email", "sms", "whatsapp")
ORIGEN = "recordatorio"


def clave(tipo: str, objeto_id: int, desplazamiento: int) -> str:
    return f"{ORIGEN}:{tipo}:{objeto_id}:{desplazamiento}"


def canal_de(caso) -> str:
    """The first channel (email, sms, whatsapp) with a valid authorised contact; email when
    none has one (the message is then recorded omitido with the reason)."""
    for canal in ORDEN_CANALES:
        if destino_de(caso, canal)[0] is not None:
            return canal
    return ORDEN_CANALES[0]


def _cuando(desplazamiento: int, fecha: date) -> str:
    if desplazamiento < -1:
        return f"vence en {-desplazamiento} días, el {formato.fecha(fecha)}"
    if desplazamiento == -1:
        return f"vence mañana, {formato.fecha(fecha)}"
    if desplazamiento == 0:
        return f"vence hoy, {formato.fecha(fecha)}"
    return f"venció el {formato.fecha(fecha)} y aún no registramos el pago"


def _textos(caso, canal: str, tipo: str, que: str, monto, fecha: date,
            desplazamiento: int) -> tuple[str | None, str]:
    """(asunto, texto) from the "<canal>_compromiso" template — the acreedor's own version
    when an admin edited one (agencia.cartas.editor)."""
    from agencia.cartas.editor import renderizar_mensaje

    compromiso = {"descripcion": que, "fecha": formato.fecha(fecha), "tipo": tipo,
                  "monto": formato.dinero(monto, caso.acreedor.moneda),
                  "vencido": desplazamiento > 0, "cuando": _cuando(desplazamiento, fecha)}
    asunto, texto, _ = renderizar_mensaje(f"{canal}_compromiso", caso,
                                          extra={"compromiso": compromiso})
    return asunto, texto


def _encolar(caso, tipo, objeto_id, que, monto, fecha, desplazamiento, momento) -> int:
    """1 if a message was queued now, 0 if this reminder was already in the outbox."""
    if mensaje_por_clave(clave(tipo, objeto_id, desplazamiento)) is not None:
        return 0
    canal = canal_de(caso)
    asunto, cuerpo = _textos(caso, canal, tipo, que, monto, fecha, desplazamiento)
    encolar_mensaje(caso, canal, f"recordatorio_{tipo}", clave(tipo, objeto_id, desplazamiento),
                    asunto=asunto, cuerpo=cuerpo, origen=ORIGEN, programado_para=momento)
    return 1


def programar_recordatorios(hoy: date, momento: datetime | None = None) -> int:
    """Queues the reminders whose day is `hoy`; returns how many were new. Flushes."""
    fechas = {hoy - timedelta(days=d): d for d in DESPLAZAMIENTOS}
    nuevos = 0
    cuotas = db.session.scalars(
        select(Cuota).join(Acuerdo).join(Caso, Caso.id == Acuerdo.caso_id)
        .where(Cuota.fecha.in_(list(fechas)), Acuerdo.estado == "vigente",
               Cuota.pagado < Cuota.monto, Caso.etapa.in_(ETAPAS_ABIERTAS))
        .options(selectinload(Cuota.acuerdo)).order_by(Cuota.id))
    for cuota in cuotas:
        d = fechas[cuota.fecha]
        que = "la cuota inicial" if cuota.numero == 0 else f"la cuota n.º {cuota.numero}"
        nuevos += _encolar(cuota.acuerdo.caso, "cuota", cuota.id,
                           f"{que} de su acuerdo de pago", cuota.pendiente, cuota.fecha, d,
                           momento)
    promesas = db.session.scalars(
        select(Promesa).join(Caso, Caso.id == Promesa.caso_id)
        .where(Promesa.fecha.in_(list(fechas)), Promesa.estado.in_(("pendiente", "incumplida")),
               Caso.etapa.in_(ETAPAS_ABIERTAS)).order_by(Promesa.id))
    for promesa in promesas:
        d = fechas[promesa.fecha]
        if d <= 0 and promesa.estado != "pendiente":
            continue
        if promesa.monto_pagado >= promesa.monto:
            continue
        nuevos += _encolar(promesa.caso, "promesa", promesa.id, "el pago que acordó",
                           promesa.monto - promesa.monto_pagado, promesa.fecha, d, momento)
    return nuevos


def motivo_obsoleto(mensaje) -> str | None:
    """Why a reminder is no longer owed when it is about to go out (None if it still is)."""
    partes = (mensaje.clave or "").split(":")
    if len(partes) != 4 or partes[0] != ORIGEN or not partes[2].isdigit():
        return None
    tipo, objeto_id = partes[1], int(partes[2])
    if tipo == "cuota":
        cuota = db.session.get(Cuota, objeto_id)
        if cuota is None or cuota.pendiente <= 0:
            return "la cuota ya está pagada"
        if cuota.acuerdo.estado != "vigente":
            return f"el acuerdo ya no está vigente ({cuota.acuerdo.nombre_estado})"
    elif tipo == "promesa":
        promesa = db.session.get(Promesa, objeto_id)
        if promesa is None or promesa.estado == "cumplida" or (
                promesa.monto_pagado >= promesa.monto):
            return "la promesa ya está cumplida"
    return None
