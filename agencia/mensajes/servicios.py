"""Queueing messages in the outbox, and choosing where each one goes.

`encolar_mensaje` writes one Mensaje per `clave`: the unique constraint decides (inside a
SAVEPOINT), so two callers racing for the same reminder get the same row. A message with no
valid authorised contact for its channel is written omitido with the reason: recorded, never
sent. The caller commits; the periodic job (or `enviar` directly) sends it.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.mensajes.modelos import CANALES_MENSAJE, Mensaje
from agencia.tipos import ahora

TIPO_CONTACTO = {"email": "email", "sms": "telefono", "whatsapp": "telefono"}
MAXIMO_CLAVE = 160


class MensajeInvalido(EntradaInvalida):
    """A message that cannot be queued as asked (unknown channel, empty body...)."""


def mensaje_por_clave(clave: str) -> Mensaje | None:
    return db.session.scalars(select(Mensaje).where(Mensaje.clave == clave)).first()


def requiere_consentimiento(caso) -> bool:
    from agencia.cumplimiento.motor import politica_para

    return politica_para(caso)[0].requiere_consentimiento


def autorizado(contacto, canal: str, exige_consentimiento: bool) -> bool:
    return (contacto.tipo == TIPO_CONTACTO[canal] and contacto.valido
            and (not exige_consentimiento or canal in (contacto.consentimientos or ())))


def destino_de(caso, canal: str, contacto=None):
    """(contacto, None) for the contact to use, or (None, reason). A given contacto must be
    the deudor's, valid and authorised; otherwise the first valid one that authorised the
    channel (any valid one where the policy does not ask for consent, authorised first)."""
    exige = requiere_consentimiento(caso)
    if contacto is not None:
        if contacto.deudor_id != caso.deudor_id:
            return None, "el contacto indicado no es del deudor"
        if autorizado(contacto, canal, exige):
            return contacto, None
        return None, (f"el contacto {contacto.valor} no es válido o no autorizó el canal "
                      f"{CANALES_MENSAJE[canal]}")
    candidatos = [c for c in caso.deudor.contactos if autorizado(c, canal, exige)]
    candidatos.sort(key=lambda c: canal not in (c.consentimientos or ()))
    if candidatos:
        return candidatos[0], None
    tipo = "correo electrónico" if canal == "email" else "teléfono"
    if exige:
        return None, (f"el deudor no tiene un {tipo} válido que haya autorizado el canal "
                       f"{CANALES_MENSAJE[canal]}")
    return None, f"el deudor no tiene un {tipo} válido"


def encolar_mensaje(caso, canal: str, plantilla: str, clave: str, *, asunto: str | None,
                    cuerpo: str, origen: str, contacto=None,
                    programado_para: datetime | None = None) -> Mensaje:
    """The Mensaje for `clave`: a new one (pendiente, or omitido with the reason when the
    deudor has no valid authorised contact for `canal`), or the existing one unchanged.
    Flushes; the caller commits."""
    if canal not in CANALES_MENSAJE:
        raise MensajeInvalido("canal", f"Canal de mensaje no válido: {canal!r}.")
    if not clave or len(clave) > MAXIMO_CLAVE:
        raise MensajeInvalido("clave", f"La clave del mensaje debe tener de 1 a {MAXIMO_CLAVE} "
                                       "caracteres.")
    if not (cuerpo or "").strip():
        raise MensajeInvalido("cuerpo", "El mensaje no tiene texto.")
    if canal == "email" and not (asunto or "").strip():
        raise MensajeInvalido("asunto", "El correo necesita un asunto.")
    if programado_para is not None and programado_para.tzinfo is None:
        raise MensajeInvalido("programado_para", "La fecha programada necesita zona horaria.")
    existente = mensaje_por_clave(clave)
    if existente is not None:
        return existente
    elegido, motivo = destino_de(caso, canal, contacto)
    mensaje = Mensaje(
        acreedor_id=caso.acreedor_id, caso_id=caso.id, canal=canal, plantilla=plantilla,
        origen=origen, clave=clave, asunto=(asunto or "").strip()[:200] or None, cuerpo=cuerpo,
        contacto_id=elegido.id if elegido else None,
        destino=elegido.valor if elegido else None,
        estado="pendiente" if elegido else "omitido", motivo=motivo,
        programado_para=(programado_para or ahora()).astimezone(UTC), intentos=0,
        creado_en=ahora(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(mensaje)
            db.session.flush()
    except IntegrityError:
        # Queued at the same moment by someone else: theirs is the one.
        existente = mensaje_por_clave(clave)
        if existente is None:  # pragma: no cover - another constraint failed
            raise
        return existente
    return mensaje
