"""The outbox end to end: real SMTP and HTTP servers, the policy check, retries, no doubles."""

from datetime import timedelta

from sqlalchemy import func, select

from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.mensajes.envio import atascados, enviar, enviar_pendientes
from agencia.mensajes.modelos import Mensaje
from agencia.mensajes.servicios import encolar_mensaje
from tests.mensajes.conftest import local

MARTES = local("2026-03-10 10:00")


def gestiones(caso) -> list[Gestion]:
    return list(db.session.scalars(select(Gestion).where(Gestion.caso_id == caso.id)))


# ---------------------------------------------------------------- email (aiosmtpd)


def test_email_llega_una_vez_con_el_nombre_escapado(smtp, caso_co, encolar, app):
    caso = caso_co(nombre="<script>alert(1)</script> Pérez")
    mensaje = encolar(caso, "email")
    enviado = enviar(mensaje.id, MARTES)
    assert enviado.estado == "enviado", enviado.ultimo_error
    assert enviado.enviado_en == MARTES
    assert len(smtp.recibidos) == 1
    destinatarios, correo = smtp.recibidos[0]
    assert destinatarios == ["maria@example.com"]
    assert correo["From"] == app.config["SMTP_REMITENTE"]
    assert correo["Message-ID"].strip() == enviado.proveedor_id
    texto = correo.get_body(("plain",)).get_content()
    html = correo.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> Pérez" in texto
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pérez" in html
    # One gestion, linked, with the plantilla in the note; a second call sends nothing.
    (gestion,) = gestiones(caso)
    assert (gestion.canal, gestion.direccion, gestion.resultado) == (
        "email", "saliente", "mensaje_dejado")
    assert "recordatorio" in gestion.nota and enviado.gestion_id == gestion.id
    assert enviar(mensaje.id, MARTES + timedelta(days=1)).estado == "enviado"
    assert len(smtp.recibidos) == 1 and len(gestiones(caso)) == 1


def test_destinatario_rechazado_falla_de_una_vez(smtp, caso_co, encolar):
    caso = caso_co()
    smtp.rechazar.add("maria@example.com")
    mensaje = enviar(encolar(caso, "email").id, MARTES)
    assert mensaje.estado == "fallido" and mensaje.intentos == 1
    assert "550" in mensaje.ultimo_error
    assert smtp.recibidos == [] and gestiones(caso) == []


def test_servidor_de_correo_caido_reintenta(app, caso_co, encolar):
    from tests.servidores import puerto_libre

    anterior = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = puerto_libre()  # nobody listens: connection refused
    try:
        mensaje = enviar(encolar(caso_co(), "email").id, MARTES)
    finally:
        app.config["SMTP_PORT"] = anterior
    assert mensaje.estado == "pendiente" and mensaje.intentos == 1
    assert mensaje.programado_para == MARTES + timedelta(minutes=1)
    assert "No se pudo conectar" in mensaje.ultimo_error


# ---------------------------------------------------------------- SMS / WhatsApp (HTTP)


def test_sms_llega_al_proveedor_con_el_token(proveedor, caso_co, encolar):
    caso = caso_co()
    mensaje = encolar(caso, "sms", cuerpo="Su cuota vence mañana.")
    enviado = enviar(mensaje.id, MARTES)
    assert enviado.estado == "enviado" and enviado.proveedor_id == "prov-1"
    (peticion,) = proveedor.recibidos
    assert peticion["ruta"] == "/sms"
    assert peticion["cabeceras"]["Authorization"] == "Bearer tok-sms"
    assert peticion["json"] == {"to": "+573001234567", "body": "Su cuota vence mañana.",
                                "reference": mensaje.clave}
    assert [g.canal for g in gestiones(caso)] == ["sms"]


def test_whatsapp_usa_su_proveedor(proveedor, caso_co, encolar):
    mensaje = enviar(encolar(caso_co(), "whatsapp").id, MARTES)
    assert mensaje.estado == "enviado"
    assert proveedor.recibidos[0]["ruta"] == "/wa"
    assert proveedor.recibidos[0]["cabeceras"]["Authorization"] == "Bearer tok-wa"


def test_5xx_reintenta_con_espera_y_luego_falla(proveedor, caso_co, encolar, app):
    app.config["MENSAJES_MAX_INTENTOS"] = 3
    try:
        proveedor.respuestas = [(503, {"error": "ocupado"})] * 3
        mensaje = encolar(caso_co(), "sms")
        momento = MARTES
        esperas = []
        for _ in range(3):
            mensaje = enviar(mensaje.id, momento)
            if mensaje.estado != "pendiente":
                break
            esperas.append(mensaje.programado_para - momento)
            # Not due yet: nothing is sent before the retry time.
            assert enviar(mensaje.id, momento + timedelta(seconds=30)).intentos == len(esperas)
            momento = mensaje.programado_para
    finally:
        app.config["MENSAJES_MAX_INTENTOS"] = 5
    assert esperas == [timedelta(minutes=1), timedelta(minutes=5)]
    assert mensaje.estado == "fallido" and mensaje.intentos == 3
    assert "503" in mensaje.ultimo_error
    assert len(proveedor.recibidos) == 3


def test_4xx_falla_de_una_vez(proveedor, caso_co, encolar):
    proveedor.respuestas = [(400, {"error": "número inválido"})]
    mensaje = enviar(encolar(caso_co(), "sms").id, MARTES)
    assert mensaje.estado == "fallido" and mensaje.intentos == 1
    assert "400" in mensaje.ultimo_error
    assert len(proveedor.recibidos) == 1


def test_proveedor_sin_configurar_falla(app, caso_co, encolar):
    anterior = app.config.get("SMS_PROVEEDOR_URL")
    app.config["SMS_PROVEEDOR_URL"] = ""
    try:
        mensaje = enviar(encolar(caso_co(), "sms").id, MARTES)
    finally:
        app.config["SMS_PROVEEDOR_URL"] = anterior
    assert mensaje.estado == "fallido" and "configurado" in mensaje.ultimo_error


# ---------------------------------------------------------------- never twice


def test_la_misma_clave_dos_veces_es_un_mensaje(caso_co):
    caso = caso_co()
    primero = encolar_mensaje(caso, "sms", "recordatorio", "recordatorio:cuota:1:-7",
                              asunto=None, cuerpo="uno", origen="recordatorio")
    segundo = encolar_mensaje(caso, "sms", "recordatorio", "recordatorio:cuota:1:-7",
                              asunto=None, cuerpo="dos", origen="recordatorio")
    db.session.commit()
    assert primero.id == segundo.id and segundo.cuerpo == "uno"
    assert db.session.scalar(select(func.count(Mensaje.id))) == 1


def test_un_mensaje_enviando_no_se_reenvia(proveedor, caso_co, encolar):
    mensaje = encolar(caso_co(), "sms")
    # Another sender claimed it (or crashed after the provider accepted it).
    mensaje.estado = "enviando"
    mensaje.programado_para = MARTES - timedelta(hours=1)
    db.session.commit()
    assert enviar(mensaje.id, MARTES).estado == "enviando"
    assert enviar_pendientes(MARTES) == {}
    assert proveedor.recibidos == []
    assert [m.id for m in atascados(MARTES)] == [mensaje.id]


# ---------------------------------------------------------------- contact policy


def test_domingo_espera_al_lunes(proveedor, caso_co, encolar):
    mensaje = enviar(encolar(caso_co(), "sms").id, local("2026-03-15 10:00"))
    assert mensaje.estado == "esperando"
    assert "domingos" in mensaje.motivo
    assert mensaje.programado_para == local("2026-03-16 07:00")
    assert proveedor.recibidos == []
    # Still waiting just before the slot; sent at the slot.
    assert enviar(mensaje.id, local("2026-03-16 06:59")).estado == "esperando"
    assert enviar(mensaje.id, local("2026-03-16 07:00")).estado == "enviado"


def test_festivo_espera_al_dia_siguiente(proveedor, caso_co, encolar):
    mensaje = enviar(encolar(caso_co(), "sms").id, local("2026-01-12 10:00"))
    assert mensaje.estado == "esperando" and "festivo" in mensaje.motivo
    assert mensaje.programado_para == local("2026-01-13 07:00")


def test_20_en_bogota_espera_a_la_manana(proveedor, caso_co, encolar):
    mensaje = enviar(encolar(caso_co(), "email").id, local("2026-03-10 20:00"))
    assert mensaje.estado == "esperando" and "fuera del horario" in mensaje.motivo
    assert mensaje.programado_para == local("2026-03-11 07:00")


def test_co_segundo_canal_en_la_semana_tras_contacto_directo(proveedor, caso_co, encolar):
    caso = caso_co()
    db.session.add(Gestion(caso_id=caso.id, canal="llamada", direccion="saliente",
                           resultado="titular_contactado", nota="",
                           creado_en=local("2026-03-09 10:00")))
    db.session.commit()
    mensaje = enviar(encolar(caso, "sms").id, local("2026-03-11 10:00"))
    assert mensaje.estado == "esperando"
    assert "ya hubo contacto directo esta semana" in mensaje.motivo
    assert mensaje.programado_para == local("2026-03-16 07:00")
    assert proveedor.recibidos == []


def test_disputa_omite(proveedor, caso_co, encolar):
    caso = caso_co()
    mensaje = encolar(caso, "sms")
    caso.en_disputa = True
    db.session.commit()
    mensaje = enviar(mensaje.id, MARTES)
    assert mensaje.estado == "omitido" and "disputa" in mensaje.motivo
    assert proveedor.recibidos == []


def test_caso_cerrado_omite(proveedor, caso_co, encolar):
    caso = caso_co()
    mensaje = encolar(caso, "sms")
    caso.etapa = "pagado"
    db.session.commit()
    assert enviar(mensaje.id, MARTES).estado == "omitido"


def test_sin_contacto_autorizado_queda_omitido_al_encolar(caso_co, encolar):
    caso = caso_co()
    for contacto in caso.deudor.contactos:
        if contacto.tipo == "telefono":
            contacto.consentimientos = ["llamada"]
    db.session.commit()
    mensaje = encolar(caso, "whatsapp")
    assert mensaje.estado == "omitido" and mensaje.destino is None
    assert "autorizado el canal WhatsApp" in mensaje.motivo


def test_contacto_invalidado_antes_del_envio_omite(proveedor, caso_co, encolar):
    caso = caso_co()
    mensaje = encolar(caso, "sms")
    for contacto in caso.deudor.contactos:
        contacto.valido = contacto.tipo != "telefono"
    db.session.commit()
    assert enviar(mensaje.id, MARTES).estado == "omitido"
    assert proveedor.recibidos == []


# ---------------------------------------------------------------- the periodic job


def test_el_periodico_envia_lo_vencido_y_deja_lo_demas(proveedor, caso_co, encolar):
    from colas.trabajos.mensajes import enviar_pendientes as trabajo

    uno, dos = caso_co(codigo="A1"), caso_co(codigo="A2", documento="55")
    vencido = encolar(uno, "sms")
    futuro = encolar(dos, "sms", programado_para=local("2026-03-10 12:00"))
    cuenta = enviar_pendientes(MARTES)
    assert cuenta == {"enviado": 1}
    db.session.expire_all()
    assert db.session.get(Mensaje, vencido.id).estado == "enviado"
    assert db.session.get(Mensaje, futuro.id).estado == "pendiente"
    assert len(proveedor.recibidos) == 1
    # The job runs at the real clock: the second one is due by then (sent, or waiting for
    # the next slot if the clock is outside Bogotá's hours).
    assert isinstance(trabajo(), dict)
    db.session.expire_all()
    assert db.session.get(Mensaje, futuro.id).estado in ("enviado", "esperando")


def test_co_dos_mensajes_el_mismo_dia_el_segundo_espera(proveedor, caso_co, encolar):
    caso = caso_co()
    primero, segundo = encolar(caso, "sms"), encolar(caso, "whatsapp")
    assert enviar_pendientes(MARTES) == {"enviado": 1, "esperando": 1}
    db.session.expire_all()
    assert db.session.get(Mensaje, primero.id).estado == "enviado"
    espera = db.session.get(Mensaje, segundo.id)
    assert "ya se contactó hoy" in espera.motivo
    assert espera.programado_para == local("2026-03-11 07:00")
    assert len(proveedor.recibidos) == 1
