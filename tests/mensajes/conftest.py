"""Fixtures of the outbox tests: a real SMTP server (aiosmtpd), a local HTTP provider, and a
Colombian caso. Moments are Bogotá wall times; March 2026: Monday 9, Sunday 15."""

import json
import threading
from datetime import datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from agencia.extensiones import db
from agencia.mensajes.servicios import encolar_mensaje
from tests.servidores import puerto_libre

BOGOTA = ZoneInfo("America/Bogota")


def local(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=BOGOTA)


class Buzon:
    """aiosmtpd handler keeping every message received; `rechazar` refuses recipients."""

    def __init__(self):
        self.recibidos = []
        self.rechazar = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rechazar:
            return "550 5.1.1 Usuario desconocido"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.recibidos.append((envelope.rcpt_tos[:],
                               message_from_bytes(envelope.original_content,
                                                  policy=policy.default)))
        return "250 Mensaje aceptado"


@pytest.fixture
def smtp(app):
    buzon = Buzon()
    puerto = puerto_libre()
    controlador = Controller(buzon, hostname="127.0.0.1", port=puerto)
    controlador.start()
    anterior = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=puerto)
    yield buzon
    controlador.stop()
    app.config.update(anterior)


class Proveedor:
    """A local SMS/WhatsApp provider: records each POST, answers `respuestas` in order
    (status, body), then 200 with an id."""

    def __init__(self):
        self.recibidos = []
        self.respuestas = []


@pytest.fixture
def proveedor(app):
    estado = Proveedor()

    class Manejador(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            largo = int(self.headers.get("Content-Length", 0))
            estado.recibidos.append({"ruta": self.path, "cabeceras": dict(self.headers),
                                     "json": json.loads(self.rfile.read(largo))})
            codigo, cuerpo = (estado.respuestas.pop(0) if estado.respuestas else
                              (200, {"id": f"prov-{len(estado.recibidos)}"}))
            datos = json.dumps(cuerpo).encode()
            self.send_response(codigo)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(datos)))
            self.end_headers()
            self.wfile.write(datos)

        def log_message(self, *args):
            pass

    servidor = ThreadingHTTPServer(("127.0.0.1", puerto_libre()), Manejador)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    claves = ("SMS_PROVEEDOR_URL", "SMS_PROVEEDOR_TOKEN", "WHATSAPP_PROVEEDOR_URL",
              "WHATSAPP_PROVEEDOR_TOKEN")
    anterior = {k: app.config.get(k) for k in claves}
    base = f"http://127.0.0.1:{servidor.server_address[1]}"
    app.config.update(SMS_PROVEEDOR_URL=f"{base}/sms", SMS_PROVEEDOR_TOKEN="tok-sms",
                      WHATSAPP_PROVEEDOR_URL=f"{base}/wa", WHATSAPP_PROVEEDOR_TOKEN="tok-wa")
    yield estado
    servidor.shutdown()
    servidor.server_close()
    app.config.update(anterior)


@pytest.fixture
def caso_co(crear_acreedor, crear_caso):
    """A Colombian deudor (Bogotá) with a phone authorised for sms/whatsapp/llamada and an
    email authorised for email."""

    def crear(nombre="María Fernanda Gómez Rojas", codigo="ACME", **kwargs):
        acreedor = crear_acreedor(codigo, pais="CO", zona_horaria="America/Bogota")
        caso = crear_caso(acreedor, nombre=nombre, **kwargs)
        caso.deudor.pais, caso.deudor.zona_horaria = "CO", "America/Bogota"
        for contacto in caso.deudor.contactos:
            if contacto.tipo == "telefono":
                contacto.consentimientos = ["llamada", "sms", "whatsapp"]
        db.session.commit()
        return caso

    return crear


@pytest.fixture
def encolar():
    """Queues a message due since 1 January 2026 (tests send at explicit 2026 moments)."""
    contador = {"n": 0}

    def crear(caso, canal="email", clave=None, cuerpo=None, asunto="Recordatorio de pago",
              **kwargs):
        contador["n"] += 1
        kwargs.setdefault("programado_para", local("2026-01-01 00:00"))
        mensaje = encolar_mensaje(
            caso, canal, "recordatorio", clave or f"prueba:{caso.id}:{canal}:{contador['n']}",
            asunto=asunto if canal == "email" else None,
            cuerpo=cuerpo or f"Hola {caso.deudor.nombre}, le recordamos su pago.",
            origen="manual", **kwargs)
        db.session.commit()
        return mensaje

    return crear

