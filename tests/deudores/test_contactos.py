"""Contacts normalised the same way in the importer and on the caso's Contacto page: phones
in E.164 with phonenumbers for the country, emails with email-validator; duplicates refused."""

import re

import pytest
from sqlalchemy import select

from agencia.asignaciones.lectura import _EMAIL_SIMPLE, ValorInvalido, leer_email, leer_telefono
from agencia.asignaciones.validacion import validar_fila
from agencia.auditoria.modelos import Auditoria
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf


@pytest.mark.parametrize("texto, esperado", [
    ("300 123 4567", "+573001234567"),
    ("300-123-4567", "+573001234567"),
    ("(300) 123.4567", "+573001234567"),
    ("3001234567", "+573001234567"),
    ("573001234567", "+573001234567"),
    ("+57 300 123 4567", "+573001234567"),
    ("0057 300 123 4567", "+573001234567"),
    ("(601) 745-2310", "+576017452310"),   # Bogotá landline
    ("604 555 1234", "+576045551234"),     # Medellín landline
    ("+56 9 8765 4321", "+56987654321"),   # a foreign number keeps its own country
])
def test_telefonos_colombianos(texto, esperado):
    assert leer_telefono(texto, "CO") == esperado


@pytest.mark.parametrize("texto, esperado", [
    ("9 8765 4321", "+56987654321"),       # mobile
    ("987654321", "+56987654321"),
    ("+56 9 8765 4321", "+56987654321"),
    ("56 9 8765 4321", "+56987654321"),
    ("(2) 2345 6789", "+56223456789"),     # Santiago landline
    ("22 345 6789", "+56223456789"),
])
def test_telefonos_chilenos(texto, esperado):
    assert leer_telefono(texto, "CL") == esperado


@pytest.mark.parametrize("texto, pais", [
    ("1234567", "CO"),            # seven digits: no longer a Colombian number
    ("300 123 456", "CO"),        # one digit short
    ("399 123 4567", "CO"),       # unassigned range
    ("300-ABC-4567", "CO"),       # letters are not turned into digits
    ("3001234567", "CL"),         # a Colombian mobile read as Chilean
    ("9 8765 432", "CL"),         # one digit short
    ("+57 300 123 4567 8901 23", "CO"),
    ("", "CO"),
])
def test_telefonos_no_validos(texto, pais):
    with pytest.raises(ValorInvalido, match=re.escape(f"teléfono no válido «{texto}»")):
        leer_telefono(texto, pais)


def test_emails_normalizados():
    assert leer_email(" Ana.Perez@Example.COM ") == "ana.perez@example.com"
    assert leer_email("josé@Ñandú.co") == "josé@ñandú.co"
    assert leer_email("a@xn--nda.co") == "a@ö.co"  # IDNA shown as Unicode, as email-validator does
    for malo in ("ana", "ana@", "ana@example", "ana perez@example.com", "a@b@c.co",
                 "a..b@example.com", "a@-x.co", "a@x.test", "a@host.local", "x" * 250 + "@a.co"):
        with pytest.raises(ValorInvalido, match="correo electrónico no válido"):
            leer_email(malo)


@pytest.mark.parametrize("direccion", [
    "a@b.co", "Mafe.Gomez+cobro@Sub.Example.COM.co", "a_b%c@x-y.co", "a@1.co", "a.b-c@d.e.fg",
])
def test_la_via_rapida_de_emails_coincide_con_email_validator(direccion):
    from email_validator import validate_email

    assert _EMAIL_SIMPLE.fullmatch(direccion.lower())
    assert leer_email(direccion) == validate_email(
        direccion, check_deliverability=False).normalized.lower()


def test_importacion_rechaza_la_fila_con_telefono_no_valido():
    datos = {"referencia": "R1", "numero_documento": "111", "nombre": "Ana",
             "fecha_vencimiento": "2026-01-10", "capital": "1000",
             "telefono": "300 123 4567|123", "email": "ana@"}
    fila, rechazos = validar_fila(7, datos, "COP", "CO")
    assert fila is None
    assert [(r.linea, r.columna, r.motivo) for r in rechazos] == [
        (7, "email", "correo electrónico no válido «ana@»"),
        (7, "telefono", "teléfono no válido «123»"),
    ]
    fila, rechazos = validar_fila(8, {**datos, "telefono": "9 8765 4321", "email": ""},
                                  "CLP", "CL")
    assert not rechazos and fila.telefonos == ["+56987654321"]


# The Contacto page's "Agregar contacto" form.

@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()  # CO
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("cli", rol="cliente", acreedor=acme)
    return crear_caso(acme, ana)  # phone +573001234567, email maria@example.com


def _agregar(cliente, caso, tipo, valor, canales=()):
    datos = {"nuevo-csrf_token": token_csrf(cliente, f"/casos/{caso.id}/contacto"),
             "nuevo-tipo": tipo, "nuevo-valor": valor, "nuevo-canales": list(canales)}
    return cliente.post(f"/casos/{caso.id}/contacto/contactos", data=datos)


def _valores(caso, tipo):
    db.session.expire_all()
    return [c.valor for c in db.session.scalars(select(Contacto).where(
        Contacto.deudor_id == caso.deudor_id, Contacto.tipo == tipo).order_by(Contacto.id))]


def test_agregar_telefono_se_normaliza_y_se_audita(cliente, caso):
    ingresar(cliente, "ana")
    respuesta = _agregar(cliente, caso, "telefono", "(601) 745-2310", ["llamada", "whatsapp"])
    assert respuesta.status_code == 302
    assert _valores(caso, "telefono") == ["+573001234567", "+576017452310"]
    nuevo = db.session.scalars(select(Contacto).where(Contacto.valor == "+576017452310")).one()
    assert nuevo.consentimientos == ["llamada", "whatsapp"] and nuevo.valido
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "deudor.contacto_agregar")).one()
    assert entrada.despues["valor"] == "+576017452310"
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "+576017452310" in html


@pytest.mark.parametrize("valor", ["300 123 4567", "+57 (300) 123-4567", "573001234567"])
def test_el_mismo_telefono_en_otro_formato_es_duplicado(cliente, caso, valor):
    ingresar(cliente, "ana")
    respuesta = _agregar(cliente, caso, "telefono", valor, ["llamada"])
    assert respuesta.status_code == 400
    assert "El deudor ya tiene este teléfono: +573001234567" in respuesta.get_data(as_text=True)
    assert _valores(caso, "telefono") == ["+573001234567"]


def test_duplicado_contra_un_valor_guardado_sin_normalizar(cliente, caso):
    db.session.add(Contacto(deudor_id=caso.deudor_id, tipo="telefono", valor="311 222 3344"))
    db.session.commit()
    ingresar(cliente, "ana")
    assert _agregar(cliente, caso, "telefono", "+573112223344").status_code == 400


def test_email_duplicado_y_no_valido(cliente, caso):
    ingresar(cliente, "ana")
    repetido = _agregar(cliente, caso, "email", "MARIA@Example.com", ["email"])
    assert repetido.status_code == 400
    assert "ya tiene este correo" in repetido.get_data(as_text=True)
    malo = _agregar(cliente, caso, "email", "maria@example", ["email"])
    assert malo.status_code == 400
    assert "Correo electrónico no válido «maria@example»" in malo.get_data(as_text=True)
    bueno = _agregar(cliente, caso, "email", " Otro.Correo@Example.COM ", ["email"])
    assert bueno.status_code == 302
    assert _valores(caso, "email") == ["maria@example.com", "otro.correo@example.com"]


def test_telefono_no_valido_explica_el_formato(cliente, caso):
    ingresar(cliente, "ana")
    respuesta = _agregar(cliente, caso, "telefono", "12345678", ["llamada"])
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert "Teléfono no válido «12345678»: escriba un número de CO (p. ej. 300 123 4567)" in html
    assert _valores(caso, "telefono") == ["+573001234567"]


def test_telefono_chileno_para_deudor_en_chile(cliente, caso):
    caso.deudor.pais = "CL"
    db.session.commit()
    ingresar(cliente, "ana")
    assert _agregar(cliente, caso, "telefono", "9 8765 4321", ["sms"]).status_code == 302
    assert "+56987654321" in _valores(caso, "telefono")


def test_canal_ajeno_al_tipo_y_direccion(cliente, caso):
    ingresar(cliente, "ana")
    ajeno = _agregar(cliente, caso, "email", "nuevo@example.com", ["llamada"])
    assert ajeno.status_code == 400 and "solo admite Correo electrónico; no Llamada" in ajeno.get_data(as_text=True)
    assert _agregar(cliente, caso, "direccion", "  Calle 10   # 5-20 ", ["carta"]).status_code \
        == 302
    assert _valores(caso, "direccion") == ["Calle 10 # 5-20"]
    assert _agregar(cliente, caso, "direccion", "calle 10 # 5-20", []).status_code == 400


def test_cliente_no_agrega_contactos(app, caso):
    portal = app.test_client()
    ingresar(portal, "cli")
    token = token_csrf(portal, "/portal/")
    respuesta = portal.post(f"/casos/{caso.id}/contacto/contactos",
                            data={"nuevo-csrf_token": token, "nuevo-tipo": "telefono",
                                  "nuevo-valor": "3001112233"})
    assert respuesta.status_code == 404
