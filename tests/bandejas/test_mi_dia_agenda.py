"""Mi día beside the table: promises due today, callbacks of today, broken promises, the
"¿Contactable ahora?" column and progress against the day's goal."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from agencia.casos.servicios import registrar_gestion
from agencia.extensiones import db
from agencia.promesas.modelos import Promesa
from agencia.tipos import ahora
from tests.conftest import ingresar


def _hoy():
    return datetime.now(ZoneInfo("America/Bogota")).date()


def _promesa(caso, estado, fecha, monto="250000", resuelta_en=None):
    db.session.add(Promesa(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=Decimal(monto),
                           fecha=fecha, estado=estado, resuelta_en=resuelta_en))
    db.session.commit()


def _seccion(html: str, titulo: str) -> str:
    inicio = html.index(titulo)
    return html[inicio:html.index("</div>", inicio)]


def test_agenda_del_dia(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana, beto = crear_usuario("ana"), crear_usuario("beto")
    vence_hoy = crear_caso(acme, ana, nombre="Paga Hoy")
    _promesa(vence_hoy, "pendiente", _hoy(), "333000")
    _promesa(crear_caso(acme, ana, nombre="Paga Mañana"), "pendiente", _hoy() + timedelta(days=1))
    _promesa(crear_caso(acme, beto, nombre="De Beto"), "pendiente", _hoy())
    rota = crear_caso(acme, ana, nombre="Promesa Rota")
    _promesa(rota, "incumplida", _hoy() - timedelta(days=3), resuelta_en=ahora())
    atendida = crear_caso(acme, ana, nombre="Ya Seguida")
    _promesa(atendida, "incumplida", _hoy() - timedelta(days=9),
             resuelta_en=ahora() - timedelta(days=5))
    registrar_gestion(atendida, ana.id, "llamada", "entrante", "no_contesta", "")
    llamar = crear_caso(acme, ana, nombre="Llamar Hoy")
    llamar.volver_a_llamar_en = ahora() + timedelta(minutes=1)
    crear_caso(acme, ana, nombre="Llamar Otro Dia").volver_a_llamar_en = (
        ahora() + timedelta(days=2))
    db.session.commit()

    ingresar(cliente, "ana")
    html = cliente.get("/mi-dia").get_data(as_text=True)
    hoy = _seccion(html, "Promesas que vencen hoy")
    assert "Paga Hoy" in hoy and "$ 333.000" in hoy
    assert "Paga Mañana" not in hoy and "De Beto" not in hoy
    llamadas = _seccion(html, "Llamadas programadas para hoy")
    assert "Llamar Hoy" in llamadas and "Llamar Otro Dia" not in llamadas
    rotas = _seccion(html, "Promesas incumplidas")
    assert "Promesa Rota" in rotas and "Ya Seguida" not in rotas
    # One gestion logged today (the inbound call above) against the default goal of 60.
    assert "1 de 60 gestiones" in html


def test_meta_configurable_y_columna_contactable(app, cliente, crear_acreedor, crear_usuario,
                                                 crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    crear_caso(acme, ana, nombre="Deudor Normal")
    sin_llamadas = crear_caso(acme, ana, nombre="Solo Correo")
    for contacto in sin_llamadas.deudor.contactos:
        contacto.consentimientos = ["email"]
    db.session.commit()
    app.config["AGENTE_META_GESTIONES_DIA"] = 80
    try:
        ingresar(cliente, "ana")
        html = cliente.get("/mi-dia").get_data(as_text=True)
    finally:
        app.config.pop("AGENTE_META_GESTIONES_DIA")
    assert "0 de 80 gestiones" in html and "¿Contactable ahora?" in html
    filas = {nombre: fila for fila in html.split("<tr>")[2:]
             for nombre in ("Deudor Normal", "Solo Correo") if nombre in fila}
    # Never authorised calls: "No", with the reason on hover.
    assert re.search(r'class="etiqueta bloqueo" title="[^"]+">No</span>', filas["Solo Correo"])
    # The other depends on the real clock (hours, Sundays): "Sí" or "No, hasta dd/mm HH:MM".
    assert re.search(r">(Sí|No, hasta \d\d/\d\d \d\d:\d\d)</span>", filas["Deudor Normal"])
