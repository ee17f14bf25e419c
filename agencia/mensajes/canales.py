"""Provider adapters: email by SMTP, SMS and WhatsApp by a JSON POST to a provider.

Each adapter takes what to send and returns the provider's id for the message, or raises
ErrorTransitorio (worth retrying later: connection refused, timeout, SMTP 4xx, HTTP 5xx/429)
or ErrorPermanente (retrying cannot help: recipient refused, SMTP 5xx, HTTP 4xx, provider not
configured). Settings come from the app config (SMTP_*, SMS_PROVEEDOR_*, WHATSAPP_PROVEEDOR_*).

The HTTP request carries the message's clave as `reference` so a provider that deduplicates
by it drops a repeated request after an ambiguous timeout.
"""

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from markupsafe import escape


class ErrorEnvio(Exception):
    """The provider did not accept the message (the text is stored as ultimo_error)."""


class ErrorTransitorio(ErrorEnvio):
    pass


class ErrorPermanente(ErrorEnvio):
    pass


def html_de(texto: str) -> str:
    """The HTML alternative of a plain-text body: everything escaped, paragraphs kept."""
    parrafos = [p for p in texto.replace("\r\n", "\n").split("\n\n") if p.strip()]
    cuerpo = "".join(
        "<p>" + str(escape(p)).replace("\n", "<br>\n") + "</p>\n" for p in parrafos)
    return ("<!DOCTYPE html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"></head>"
            f"<body>\n{cuerpo}</body></html>\n")


def construir_email(destino: str, asunto: str, cuerpo: str, remitente: str,
                    referencia: str) -> EmailMessage:
    dominio = remitente.rpartition("@")[2] or "agencia.local"
    correo = EmailMessage()
    correo["From"] = remitente
    correo["To"] = destino
    correo["Subject"] = asunto or ""
    correo["Message-ID"] = make_msgid(idstring=_id_seguro(referencia), domain=dominio)
    correo["X-Agencia-Referencia"] = referencia
    correo.set_content(cuerpo)
    correo.add_alternative(html_de(cuerpo), subtype="html")
    return correo


def _id_seguro(texto: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in texto)[:60]


def enviar_email(destino: str, asunto: str, cuerpo: str, referencia: str) -> str:
    """Sends by SMTP; returns the Message-ID."""
    config = current_app.config
    correo = construir_email(destino, asunto, cuerpo, config["SMTP_REMITENTE"], referencia)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"],
                          timeout=config.get("SMTP_TIMEOUT", 20)) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USUARIO"):
                smtp.login(config["SMTP_USUARIO"], config.get("SMTP_CLAVE", ""))
            smtp.send_message(correo)
    except smtplib.SMTPRecipientsRefused as error:
        codigos = [codigo for codigo, _ in error.recipients.values()]
        detalle = "; ".join(f"{codigo} {_texto(msg)}" for codigo, msg in
                            error.recipients.values())
        clase = ErrorPermanente if all(c >= 500 for c in codigos) else ErrorTransitorio
        raise clase(f"El servidor de correo rechazó el destinatario: {detalle}") from error
    except smtplib.SMTPResponseException as error:
        clase = ErrorPermanente if error.smtp_code >= 500 else ErrorTransitorio
        raise clase(f"El servidor de correo respondió {error.smtp_code} "
                    f"{_texto(error.smtp_error)}") from error
    except (smtplib.SMTPException, OSError) as error:  # refused, reset, timeout, DNS
        raise ErrorTransitorio(f"No se pudo conectar con el servidor de correo: {error}") from error
    return correo["Message-ID"]


def _texto(valor) -> str:
    return valor.decode("utf-8", "replace") if isinstance(valor, bytes) else str(valor)


def _enviar_http(url: str, token: str, destino: str, cuerpo: str, referencia: str,
                 nombre: str) -> str:
    if not url:
        raise ErrorPermanente(f"No hay proveedor de {nombre} configurado.")
    datos = json.dumps({"to": destino, "body": cuerpo, "reference": referencia}).encode()
    peticion = urllib.request.Request(url, data=datos, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json",
        "Authorization": f"Bearer {token}"})
    timeout = current_app.config.get("PROVEEDOR_TIMEOUT", 15)
    try:
        with urllib.request.urlopen(peticion, timeout=timeout) as respuesta:
            contenido = respuesta.read(65536)
    except urllib.error.HTTPError as error:
        detalle = error.read(500).decode("utf-8", "replace").strip()
        clase = ErrorTransitorio if error.code >= 500 or error.code in (408, 429) else (
            ErrorPermanente)
        raise clase(f"El proveedor de {nombre} respondió {error.code}: {detalle}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ErrorTransitorio(f"No se pudo contactar al proveedor de {nombre}: "
                               f"{getattr(error, 'reason', error)}") from error
    try:
        respuesta_json = json.loads(contenido or b"{}")
    except ValueError:
        respuesta_json = {}
    if not isinstance(respuesta_json, dict):
        respuesta_json = {}
    proveedor_id = respuesta_json.get("id") or respuesta_json.get("message_id")
    return str(proveedor_id) if proveedor_id else referencia


def enviar_sms(destino: str, asunto: str, cuerpo: str, referencia: str) -> str:
    config = current_app.config
    return _enviar_http(config.get("SMS_PROVEEDOR_URL", ""),
                        config.get("SMS_PROVEEDOR_TOKEN", ""), destino, cuerpo, referencia, "SMS")


def enviar_whatsapp(destino: str, asunto: str, cuerpo: str, referencia: str) -> str:
    config = current_app.config
    return _enviar_http(config.get("WHATSAPP_PROVEEDOR_URL", ""),
                        config.get("WHATSAPP_PROVEEDOR_TOKEN", ""), destino, cuerpo, referencia,
                        "WhatsApp")


ADAPTADORES = {"email": enviar_email, "sms": enviar_sms, "whatsapp": enviar_whatsapp}


def adaptador(canal: str):
    return ADAPTADORES[canal]
