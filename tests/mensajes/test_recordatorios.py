"""Payment reminders: the offsets, the channel, no duplicates on a re-run, skipped once paid."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.extensiones import db
from agencia.mensajes.envio import enviar
from agencia.mensajes.modelos import Mensaje
from agencia.mensajes.recordatorios import programar_recordatorios
from agencia.promesas.modelos import Promesa
from tests.mensajes.conftest import local

VENCE = date(2026, 3, 20)  # a Friday
ANTES = local("2026-01-01 00:00")


def acuerdo_con_cuota(caso, estado="vigente", fecha=VENCE, pagado="0"):
    acuerdo = Acuerdo(acreedor_id=caso.acreedor_id, caso_id=caso.id, estado=estado,
                      moneda="COP", deuda_capital=Decimal("300000"), deuda_intereses=Decimal(0),
                      deuda_gastos=Decimal(0), total_acordado=Decimal("300000"),
                      numero_cuotas=1, primera_fecha=fecha)
    acuerdo.cuotas = [Cuota(numero=1, fecha=fecha, monto=Decimal("300000"),
                            pagado=Decimal(pagado))]
    db.session.add(acuerdo)
    db.session.commit()
    return acuerdo.cuotas[0]


def mensajes() -> list[Mensaje]:
    return list(db.session.scalars(select(Mensaje).order_by(Mensaje.id)))


def test_cuota_siete_dias_antes_por_correo_y_sin_duplicar(caso_co):
    caso = caso_co()
    cuota = acuerdo_con_cuota(caso)
    assert programar_recordatorios(date(2026, 3, 12), ANTES) == 0  # 8 days before: nothing
    assert programar_recordatorios(date(2026, 3, 13), ANTES) == 1
    db.session.commit()
    assert programar_recordatorios(date(2026, 3, 13), ANTES) == 0
    (mensaje,) = mensajes()
    assert mensaje.clave == f"recordatorio:cuota:{cuota.id}:-7"
    assert (mensaje.canal, mensaje.estado, mensaje.destino) == (
        "email", "pendiente", "maria@example.com")
    assert "vence en 7 días, el 20/03/2026" in mensaje.cuerpo
    assert "$ 300.000" in mensaje.cuerpo


def test_los_cuatro_desplazamientos(caso_co):
    caso = caso_co()
    cuota = acuerdo_con_cuota(caso)
    for dia in (13, 19, 20, 21):
        programar_recordatorios(date(2026, 3, dia), ANTES)
    db.session.commit()
    assert [m.clave.rsplit(":", 1)[1] for m in mensajes()] == ["-7", "-1", "0", "1"]
    assert all(m.clave.startswith(f"recordatorio:cuota:{cuota.id}:") for m in mensajes())


def test_sin_correo_autorizado_usa_sms(caso_co):
    caso = caso_co()
    for contacto in caso.deudor.contactos:
        if contacto.tipo == "email":
            contacto.consentimientos = []
    db.session.commit()
    acuerdo_con_cuota(caso)
    programar_recordatorios(date(2026, 3, 19), ANTES)
    (mensaje,) = mensajes()
    assert mensaje.canal == "sms" and mensaje.destino == "+573001234567"
    assert "vence mañana" in mensaje.cuerpo


def test_cuota_pagada_o_acuerdo_no_vigente_no_se_recuerda(caso_co):
    acuerdo_con_cuota(caso_co(codigo="A1"), pagado="300000")
    acuerdo_con_cuota(caso_co(codigo="A2", documento="77"), estado="incumplido")
    assert programar_recordatorios(date(2026, 3, 20), ANTES) == 0


def test_pagada_despues_de_encolar_se_omite_al_enviar(proveedor, smtp, caso_co):
    cuota = acuerdo_con_cuota(caso_co())
    programar_recordatorios(date(2026, 3, 19), ANTES)
    db.session.commit()
    cuota.pagado = cuota.monto
    db.session.commit()
    mensaje = enviar(mensajes()[0].id, local("2026-03-19 09:00"))
    assert mensaje.estado == "omitido" and "pagada" in mensaje.motivo
    assert smtp.recibidos == []


def test_promesa_el_mismo_dia(caso_co, smtp):
    caso = caso_co()
    promesa = Promesa(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=Decimal("50000"),
                      fecha=VENCE, estado="pendiente")
    db.session.add(promesa)
    db.session.commit()
    assert programar_recordatorios(VENCE, ANTES) == 1
    db.session.commit()
    (mensaje,) = mensajes()
    assert mensaje.clave == f"recordatorio:promesa:{promesa.id}:0"
    assert "vence hoy" in mensaje.cuerpo
    assert enviar(mensaje.id, local("2026-03-20 09:00")).estado == "enviado"
    assert len(smtp.recibidos) == 1


def test_el_trabajo_diario_corre(caso_co):
    from colas.trabajos.mensajes import programar_recordatorios as trabajo

    acuerdo_con_cuota(caso_co())
    assert trabajo() == 0  # nothing due around the real today
