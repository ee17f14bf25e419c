"""Sending one message of the outbox: the policy check, the state machine, the retries.

    pendiente/esperando ──(caso closed, disputa, no contactar, no contact)──▶ omitido
    pendiente/esperando ──(policy blocks, next slot known)──▶ esperando (programado_para = slot)
    pendiente/esperando ──(policy blocks, no slot)──▶ omitido
    pendiente/esperando ──(conditional UPDATE, one sender wins; COMMITTED)──▶ enviando
    enviando ──(provider accepted)──▶ enviado (+ gestion)
    enviando ──(transient failure)──▶ pendiente (programado_para = now + backoff) … fallido
    enviando ──(permanent failure)──▶ fallido

`enviar` commits: the enviando claim must be durable before the provider is called, so a
crash after the provider accepted the message but before "enviado" was committed leaves it
enviando — never pendiente, never sent again. Nothing retries an enviando message: it may
have gone out. `atascados` lists those older than MENSAJES_ENVIANDO_ATASCADO_MIN minutes and
the periodic job reports them for a person to check with the provider.
"""

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from agencia.casos.modelos import ETAPAS_ABIERTAS
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from agencia.mensajes import canales
from agencia.mensajes.modelos import CANALES_MENSAJE, Mensaje
from agencia.mensajes.servicios import destino_de
from agencia.tipos import ahora

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, … transient failure (the last value repeats).
ESPERAS_MIN = (1, 5, 30, 120, 360)
ENVIABLES = ("pendiente", "esperando")
# The outcome a sent message is logged with (agencia.casos.modelos.RESULTADOS): the message
# was left for the deudor; it is not a direct contact (cumplimiento.historial).
RESULTADO_ENVIADO = "mensaje_dejado"


def espera(intentos: int) -> timedelta:
    return timedelta(minutes=ESPERAS_MIN[min(intentos, len(ESPERAS_MIN)) - 1])


def _utc(momento: datetime | None) -> datetime:
    if momento is None:
        return ahora()
    if momento.tzinfo is None:
        raise ValueError("El momento de envío necesita zona horaria")
    return momento.astimezone(UTC)


def motivo_del_caso(caso) -> str | None:
    """Why no message goes out for this caso at all (None when nothing stops it)."""
    if caso.etapa not in ETAPAS_ABIERTAS:
        return f"el caso está cerrado ({caso.nombre_etapa})"
    if caso.en_disputa:
        return "el caso está en disputa: no se contacta hasta resolverla"
    if caso.deudor.no_contactar:
        return "el deudor está marcado «no contactar»"
    return None


def _motivo_origen(mensaje: Mensaje) -> str | None:
    if mensaje.origen == "recordatorio":
        from agencia.mensajes.recordatorios import motivo_obsoleto

        return motivo_obsoleto(mensaje)
    if mensaje.origen == "estrategia":
        from agencia.estrategias.ejecucion import motivo_obsoleto

        return motivo_obsoleto(mensaje)
    return None


def _omitir(mensaje: Mensaje, motivo: str) -> Mensaje:
    mensaje.estado, mensaje.motivo = "omitido", motivo
    db.session.commit()
    return mensaje


def _contacto_vigente(mensaje: Mensaje, caso):
    """The message's contact if still valid and authorised, else another one (or a reason)."""
    actual = db.session.get(Contacto, mensaje.contacto_id) if mensaje.contacto_id else None
    if actual is not None:
        elegido, motivo = destino_de(caso, mensaje.canal, actual)
        if elegido is not None:
            return elegido, None
    return destino_de(caso, mensaje.canal)


def enviar(mensaje_id: int, momento: datetime | None = None) -> Mensaje | None:
    """Sends the message if it is due and the contact policy allows it at `momento` (default
    now); otherwise records why it waits or was skipped. Idempotent: a message that is not
    pendiente/esperando, or not due yet, is returned unchanged. Commits (see the module)."""
    from agencia.cumplimiento.motor import evaluar

    momento = _utc(momento)
    mensaje = db.session.get(Mensaje, mensaje_id)
    if mensaje is None or mensaje.estado not in ENVIABLES:
        return mensaje
    if mensaje.programado_para is not None and mensaje.programado_para > momento:
        return mensaje  # never early
    caso = mensaje.caso
    motivo = motivo_del_caso(caso) or _motivo_origen(mensaje)
    if motivo:
        return _omitir(mensaje, motivo)
    contacto, motivo = _contacto_vigente(mensaje, caso)
    if contacto is None:
        return _omitir(mensaje, motivo)
    decision = evaluar(caso, mensaje.canal, momento)
    if not decision.permitido:
        motivos = "; ".join(decision.motivos)
        if decision.proximo_permitido is None:
            return _omitir(mensaje, motivos)
        mensaje.estado, mensaje.motivo = "esperando", motivos
        mensaje.programado_para = decision.proximo_permitido
        db.session.commit()
        return mensaje

    # Claim it: only one sender moves it to enviando; the claim is committed before sending.
    reclamado = db.session.execute(
        update(Mensaje).where(Mensaje.id == mensaje.id, Mensaje.estado.in_(ENVIABLES))
        .values(estado="enviando", intentos=Mensaje.intentos + 1, contacto_id=contacto.id,
                destino=contacto.valor, motivo=None, programado_para=momento)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if reclamado.rowcount != 1:
        return mensaje
    db.session.refresh(mensaje)
    try:
        proveedor_id = canales.adaptador(mensaje.canal)(
            mensaje.destino, mensaje.asunto or "", mensaje.cuerpo or "", mensaje.clave)
    except canales.ErrorPermanente as error:
        mensaje.estado, mensaje.ultimo_error = "fallido", str(error)[:2000]
        db.session.commit()
        return mensaje
    except canales.ErrorTransitorio as error:
        mensaje.ultimo_error = str(error)[:2000]
        if mensaje.intentos >= current_app.config.get("MENSAJES_MAX_INTENTOS", 5):
            mensaje.estado = "fallido"
        else:
            mensaje.estado = "pendiente"
            mensaje.programado_para = momento + espera(mensaje.intentos)
        db.session.commit()
        return mensaje
    # Anything else leaves it enviando: whether it went out is unknown (reported as stuck).
    _marcar_enviado(mensaje, caso, proveedor_id, momento)
    return mensaje


def _nota(mensaje: Mensaje) -> str:
    return (f"{CANALES_MENSAJE[mensaje.canal]} enviado a {mensaje.destino} "
            f"(mensaje n.º {mensaje.id}, plantilla {mensaje.plantilla}).")


def _marcar_enviado(mensaje: Mensaje, caso, proveedor_id: str, momento: datetime) -> None:
    from agencia.casos.servicios import registrar_gestion

    mensaje.estado, mensaje.enviado_en = "enviado", momento
    mensaje.proveedor_id, mensaje.ultimo_error = (proveedor_id or "")[:120] or None, None
    db.session.commit()  # the delivery is recorded first, whatever happens to the gestion
    try:
        # Already checked above at this moment; the automated send must not move the agent's
        # next action, so the caso's own one is passed through.
        gestion = registrar_gestion(
            caso, None, mensaje.canal, "saliente", RESULTADO_ENVIADO, _nota(mensaje),
            proxima_accion=caso.proxima_accion, momento=momento, verificar_politica=False)
        mensaje.gestion_id = gestion.id
        db.session.commit()
    except Exception:  # pragma: no cover - logged; the message stays enviado
        db.session.rollback()
        log.exception("No se pudo registrar la gestión del mensaje %s", mensaje.id)


def pendientes_vencidos(momento: datetime, limite: int, excluir=()) -> list[int]:
    consulta = (select(Mensaje.id).where(Mensaje.estado.in_(ENVIABLES),
                                         Mensaje.programado_para <= momento)
                .order_by(Mensaje.programado_para, Mensaje.id).limit(limite))
    if excluir:
        consulta = consulta.where(Mensaje.id.not_in(list(excluir)))
    return list(db.session.scalars(consulta))


def enviar_pendientes(momento: datetime | None = None, lote: int = 200,
                      max_lotes: int = 50) -> dict:
    """Sends every message due at `momento`, in batches; a message that fails unexpectedly is
    logged and skipped for this run. Returns the count of each resulting estado."""
    momento = _utc(momento)
    cuenta: dict[str, int] = {}
    vistos: set[int] = set()
    for _ in range(max_lotes):
        ids = pendientes_vencidos(momento, lote, vistos)
        if not ids:
            break
        for mensaje_id in ids:
            vistos.add(mensaje_id)
            try:
                mensaje = enviar(mensaje_id, momento)
            except Exception:
                db.session.rollback()
                log.exception("Error inesperado al enviar el mensaje %s", mensaje_id)
                cuenta["error"] = cuenta.get("error", 0) + 1
                continue
            if mensaje is not None:
                cuenta[mensaje.estado] = cuenta.get(mensaje.estado, 0) + 1
    return cuenta


def atascados(momento: datetime | None = None) -> list[Mensaje]:
    """Messages enviando for longer than MENSAJES_ENVIANDO_ATASCADO_MIN minutes: they may have
    gone out, so nothing resends them; a person checks with the provider."""
    momento = _utc(momento)
    minutos = current_app.config.get("MENSAJES_ENVIANDO_ATASCADO_MIN", 15)
    # The claim sets programado_para to the moment it was made.
    return list(db.session.scalars(select(Mensaje).where(
        Mensaje.estado == "enviando",
        Mensaje.programado_para <= momento - timedelta(minutes=minutos)).order_by(Mensaje.id)))
