"""Effectiveness per (canal, plantilla): answered / promised / paid within N days of a send.

March 2026, acreedor A (COP):
- caso1: email_recordatorio sent 03-02 10:00:00.25; inbound gestion 03-05 (in); promesa
  03-10 09:00 (out with 7 days, in with 8); pago aplicado dated 03-09 (in, last day).
- caso2: email_recordatorio sent 03-03 12:00:00.5; inbound gestion 03-10 12:00:00.4 (in, by
  0.1 s); an outbound gestion (never counts); promesa 03-04 (in); pago reversado (never).
- caso3: sms_recordatorio sent 03-02 and 03-04, a carta_prejuridica ready 03-01 08:00;
  inbound gestion 03-01 07:00 (before every send); one pago of 50.000 dated 03-06.
- noise: a failed message, a message sent 03-20 (outside the period), a carta still pending.
Acreedor B: caso4 email_recordatorio sent 03-02, inbound gestion 03-03.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.mensajes.efectividad import EfectividadInvalida, efectividad
from agencia.mensajes.modelos import Mensaje
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa
from tests.conftest import ingresar

DESDE, HASTA = date(2026, 3, 1), date(2026, 3, 15)


def t(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=UTC)


def _mensaje(caso, canal, plantilla, enviado, estado="enviado"):
    db.session.add(Mensaje(acreedor_id=caso.acreedor_id, caso_id=caso.id, canal=canal,
                           plantilla=plantilla, clave=f"prueba:{caso.id}:{canal}:{enviado}",
                           estado=estado, enviado_en=t(enviado) if estado == "enviado" else None,
                           programado_para=t(enviado)))


def _gestion(caso, cuando, direccion="entrante"):
    db.session.add(Gestion(caso_id=caso.id, canal="llamada", direccion=direccion,
                           resultado="contactado", creado_en=t(cuando)))


def _promesa(caso, cuando):
    db.session.add(Promesa(acreedor_id=caso.acreedor_id, caso_id=caso.id,
                           monto=Decimal("100000"), fecha=date(2026, 4, 1), creado_en=t(cuando)))


def _pago(caso, fecha, monto, estado="aplicado"):
    db.session.add(Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=Decimal(monto),
                        fecha=date.fromisoformat(fecha), referencia_bancaria=f"REF-{caso.id}-{fecha}",
                        estado=estado))


def _carta(caso, plantilla, terminado, estado="lista"):
    db.session.add(Carta(acreedor_id=caso.acreedor_id, caso_id=caso.id, plantilla=plantilla,
                         estado=estado, terminado_en=t(terminado) if terminado else None))


@pytest.fixture
def escenario(crear_acreedor, crear_caso):
    a = crear_acreedor("AAA")
    b = crear_acreedor("BBB")
    caso1, caso2, caso3 = crear_caso(a), crear_caso(a), crear_caso(a)
    caso4 = crear_caso(b)

    _mensaje(caso1, "email", "email_recordatorio", "2026-03-02 10:00:00.250000")
    _gestion(caso1, "2026-03-05 15:00:00")
    _promesa(caso1, "2026-03-10 09:00:00")
    _pago(caso1, "2026-03-09", "100000")

    _mensaje(caso2, "email", "email_recordatorio", "2026-03-03 12:00:00.500000")
    _gestion(caso2, "2026-03-10 12:00:00.400000")
    _gestion(caso2, "2026-03-04 10:00:00", direccion="saliente")
    _promesa(caso2, "2026-03-04 11:00:00")
    _pago(caso2, "2026-03-05", "70000", estado="reversado")

    _mensaje(caso3, "sms", "sms_recordatorio", "2026-03-02 09:00:00")
    _mensaje(caso3, "sms", "sms_recordatorio", "2026-03-04 09:00:00")
    _carta(caso3, "carta_prejuridica", "2026-03-01 08:00:00")
    _gestion(caso3, "2026-03-01 07:00:00")
    _pago(caso3, "2026-03-06", "50000")

    _mensaje(caso1, "email", "email_recordatorio", "2026-03-01 00:00:01", estado="fallido")
    _mensaje(caso1, "email", "email_recordatorio", "2026-03-20 10:00:00")
    _carta(caso1, "carta_prejuridica", None, estado="pendiente")

    _mensaje(caso4, "email", "email_recordatorio", "2026-03-02 10:00:00")
    _gestion(caso4, "2026-03-03 10:00:00")
    db.session.commit()
    return a, b


def _por_clave(filas):
    return {(f.canal, f.plantilla): f for f in filas}


def test_cuenta_respuestas_promesas_y_pagos_en_la_ventana(escenario):
    a, _ = escenario
    filas = _por_clave(efectividad(DESDE, HASTA, dias=7, acreedor_id=a.id))
    assert set(filas) == {("email", "email_recordatorio"), ("sms", "sms_recordatorio"),
                          ("carta", "carta_prejuridica")}

    email = filas[("email", "email_recordatorio")]
    assert (email.enviados, email.casos, email.respondidos, email.prometidos, email.pagados) == \
        (2, 2, 2, 1, 1)
    assert email.montos == {"COP": Decimal("100000")}
    assert (email.tasa_respuesta, email.tasa_promesa, email.tasa_pago) == \
        (Decimal("100.0"), Decimal("50.0"), Decimal("50.0"))

    sms = filas[("sms", "sms_recordatorio")]
    assert (sms.enviados, sms.casos, sms.respondidos, sms.prometidos, sms.pagados) == \
        (2, 1, 0, 0, 2)
    assert sms.montos == {"COP": Decimal("50000")}  # one pago, counted once for the group

    carta = filas[("carta", "carta_prejuridica")]
    assert (carta.enviados, carta.respondidos, carta.prometidos, carta.pagados) == (1, 0, 0, 1)
    assert carta.nombre_canal == "Carta" and carta.nombre_plantilla == "Carta prejurídica"


def test_la_ventana_cambia_con_los_dias(escenario):
    a, _ = escenario
    email = _por_clave(efectividad(DESDE, HASTA, dias=8, acreedor_id=a.id))[
        ("email", "email_recordatorio")]
    assert email.prometidos == 2  # caso1's promesa of 03-10 09:00 now falls inside
    email = _por_clave(efectividad(DESDE, HASTA, dias=1, acreedor_id=a.id))[
        ("email", "email_recordatorio")]
    assert (email.respondidos, email.prometidos, email.pagados) == (0, 1, 0)


def test_sin_filtro_suma_todos_los_acreedores_y_filtra_otro(escenario):
    _, b = escenario
    email = _por_clave(efectividad(DESDE, HASTA))[("email", "email_recordatorio")]
    assert (email.enviados, email.respondidos) == (3, 3)
    solo_b = efectividad(DESDE, HASTA, acreedor_id=b.id)
    assert [(f.canal, f.enviados, f.respondidos) for f in solo_b] == [("email", 1, 1)]


def test_periodos_imposibles(app):
    with pytest.raises(EfectividadInvalida):
        efectividad(HASTA, DESDE)
    with pytest.raises(EfectividadInvalida):
        efectividad(DESDE, HASTA, dias=61)
    with pytest.raises(EfectividadInvalida):
        efectividad(date(2024, 1, 1), date(2026, 1, 1))


def test_pagina_para_supervisor(escenario, cliente, crear_usuario):
    a, b = escenario
    crear_usuario("super", rol="supervisor")
    ingresar(cliente, "super")
    r = cliente.get(f"/mensajes/efectividad?desde=2026-03-01&hasta=2026-03-15&dias=7"
                    f"&acreedor_id={a.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-canal="email" data-plantilla="email_recordatorio"' in html
    assert "ancho-100" in html and "ancho-50" in html
    assert "style=" not in html.split("<main", 1)[-1]
    r = cliente.get(f"/mensajes/efectividad?desde=2026-03-01&hasta=2026-03-15&acreedor_id={b.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-canal="sms"' not in html
    assert cliente.get("/mensajes/efectividad").status_code == 200  # default: last 30 days
    assert "Efectividad" in cliente.get("/mensajes/efectividad").get_data(as_text=True)


@pytest.mark.parametrize("consulta, texto", [
    ("desde=2026-03-15&hasta=2026-03-01", "anterior a la inicial"),
    ("desde=15/03/2026", "fecha válida"),
    ("dias=0", "Los días deben ir de 1 a 60"),
    ("dias=61", "Los días deben ir de 1 a 60"),
    ("dias=abc", "Días"),
    ("acreedor_id=999999", "no existe"),
    ("acreedor_id=x", "no existe"),
])
def test_filtros_invalidos_400(app, cliente, crear_usuario, consulta, texto):
    crear_usuario("admin1", rol="admin")
    ingresar(cliente, "admin1")
    r = cliente.get(f"/mensajes/efectividad?{consulta}")
    assert r.status_code == 400
    assert texto in r.get_data(as_text=True)


def test_agente_403(app, cliente, crear_usuario):
    crear_usuario("agente1", rol="agente")
    ingresar(cliente, "agente1")
    assert cliente.get("/mensajes/efectividad").status_code == 403


def test_el_limite_de_la_ventana_es_exacto(crear_acreedor, crear_caso):
    caso = crear_caso(crear_acreedor("LIM"))
    _mensaje(caso, "whatsapp", "whatsapp_recordatorio", "2026-03-03 12:00:00.500000")
    _gestion(caso, "2026-03-10 12:00:00.600000")  # 0.1 s after the 7-day window
    _promesa(caso, "2026-03-10 12:00:00.500000")  # exactly at the end: inside
    db.session.commit()
    (fila,) = efectividad(DESDE, HASTA, dias=7)
    assert (fila.enviados, fila.respondidos, fila.prometidos) == (1, 0, 1)
