"""The plan pages: admins create and edit (bad input: 400, Spanish, nothing saved),
supervisors read, agents 403, clientes 404."""

import html

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.estrategias.modelos import Estrategia, PasoEstrategia
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf

NUEVA = "/admin/estrategias/nueva"


def formulario(token, acreedor=None, nombre="Plan prejurídico", etapa="prejuridico",
               pasos=(("0", "email", "email_recordatorio"), ("7", "sms", "sms_recordatorio"),
                      ("15", "carta", "carta_prejuridica")), activa=True):
    datos = {"csrf_token": token, "nombre": nombre, "etapa": etapa}
    if acreedor is not None:
        datos["acreedor_id"] = str(acreedor.id)
    if activa:
        datos["activa"] = "1"
    for i in range(1, 9):
        dia, canal, plantilla = pasos[i - 1] if i <= len(pasos) else ("", "", "")
        datos.update({f"dia_{i}": dia, f"canal_{i}": canal, f"plantilla_{i}": plantilla})
    return datos


def texto(respuesta) -> str:
    return html.unescape(respuesta.get_data(as_text=True))


def cantidad(modelo) -> int:
    return db.session.scalar(select(func.count(modelo.id)))


@pytest.fixture
def admin(cliente, crear_acreedor, crear_usuario):
    acreedor = crear_acreedor("ACME")
    crear_usuario("admin1", rol="admin")
    ingresar(cliente, "admin1")
    return acreedor


def test_admin_crea_edita_y_desactiva(cliente, admin):
    token = token_csrf(cliente, NUEVA)
    creada = cliente.post(NUEVA, data=formulario(token, admin))
    assert creada.status_code == 302
    estrategia = db.session.scalars(select(Estrategia)).one()
    assert (estrategia.acreedor_id, estrategia.etapa, estrategia.activa) == (
        admin.id, "prejuridico", True)
    assert [(p.dia, p.canal, p.plantilla) for p in estrategia.pasos] == [
        (0, "email", "email_recordatorio"), (7, "sms", "sms_recordatorio"),
        (15, "carta", "carta_prejuridica")]
    url = f"/admin/estrategias/{estrategia.id}"
    pagina = texto(cliente.get(url))
    assert "Día 0 · Correo electrónico · email_recordatorio" in pagina
    assert "Día 15 · Carta · carta_prejuridica" in pagina
    # Edit: the step list is replaced (day 7 SMS becomes day 5 WhatsApp).
    editada = cliente.post(url, data=formulario(
        token, nombre="Plan corto", pasos=(("0", "email", "email_recordatorio"),
                                            ("5", "whatsapp", "whatsapp_recordatorio"),
                                            ("0", "sms", "sms_recordatorio"))))
    assert editada.status_code == 302
    db.session.expire_all()
    estrategia = db.session.get(Estrategia, estrategia.id)
    assert estrategia.nombre == "Plan corto"
    assert [(p.dia, p.canal) for p in estrategia.pasos] in (
        [(0, "email"), (0, "sms"), (5, "whatsapp")], [(0, "sms"), (0, "email"), (5, "whatsapp")])
    assert cantidad(PasoEstrategia) == 3
    auditoria = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "estrategia.editar")).one()
    assert "carta_prejuridica" in str(auditoria.antes) and "whatsapp" in str(auditoria.despues)
    cliente.post(f"{url}/activa", data={"csrf_token": token, "activa": "0"})
    db.session.expire_all()
    assert db.session.get(Estrategia, estrategia.id).activa is False
    lista = texto(cliente.get(f"/admin/estrategias/?acreedor_id={admin.id}"))
    assert "Plan corto" in lista and "Inactivo" in lista
    assert cliente.get(f"{url}/ejecuciones").status_code == 200


@pytest.mark.parametrize(("pasos", "etapa", "mensaje"), [
    ((("400", "email", "email_recordatorio"),), "prejuridico",
     "Paso 1: el día debe ser un número entero de 0 a 365."),
    ((("-1", "email", "email_recordatorio"),), "prejuridico", "Paso 1: el día debe ser"),
    ((("uno", "email", "email_recordatorio"),), "prejuridico", "Paso 1: el día debe ser"),
    ((("0", "email", "email_recordatorio"), ("0", "email", "email_recordatorio")),
     "prejuridico", "Paso 2: repite el día 0 por Correo electrónico del paso 1"),
    ((("0", "sms", "email_recordatorio"),), "prejuridico",
     "Paso 1: la plantilla «email_recordatorio» no es una plantilla del canal SMS."),
    ((("0", "carta", "paz_y_salvo"),), "prejuridico",
     "Paso 1: la plantilla «paz_y_salvo» no es una plantilla del canal Carta."),
    ((("0", "sms", "sms_compromiso"),), "prejuridico", "necesita un compromiso de pago"),
    ((("0", "fax", "email_recordatorio"),), "prejuridico", "Paso 1: el canal «fax» no existe."),
    ((("0", "email", "email_recordatorio"),), "pagado", "La etapa «pagado» no es válida"),
    ((("0", "email", "email_recordatorio"),), "inventada", "La etapa «inventada» no es válida"),
    ((), "prejuridico", "El plan necesita al menos un paso"),
])
def test_entrada_invalida_400_sin_guardar(cliente, admin, pasos, etapa, mensaje):
    token = token_csrf(cliente, NUEVA)
    respuesta = cliente.post(NUEVA, data=formulario(token, admin, etapa=etapa, pasos=pasos))
    assert respuesta.status_code == 400
    assert mensaje in texto(respuesta)
    assert cantidad(Estrategia) == 0 and cantidad(PasoEstrategia) == 0
    assert cantidad(Auditoria) == 0 or not db.session.scalar(select(Auditoria.id).where(
        Auditoria.entidad == "estrategia"))


def test_edicion_invalida_no_cambia_el_plan(cliente, admin):
    token = token_csrf(cliente, NUEVA)
    cliente.post(NUEVA, data=formulario(token, admin))
    estrategia = db.session.scalars(select(Estrategia)).one()
    url = f"/admin/estrategias/{estrategia.id}"
    malo = cliente.post(url, data=formulario(token, nombre="", pasos=(
        ("3", "email", "email_recordatorio"), ("3", "email", "email_recordatorio"))))
    assert malo.status_code == 400
    cuerpo = texto(malo)
    assert "Indique el nombre del plan." in cuerpo and "Paso 2: repite el día 3" in cuerpo
    db.session.expire_all()
    assert [p.dia for p in db.session.get(Estrategia, estrategia.id).pasos] == [0, 7, 15]
    # A second plan for the same acreedor and etapa is refused.
    doble = cliente.post(NUEVA, data=formulario(token, admin))
    assert doble.status_code == 400 and "ya tiene un plan para la etapa Prejurídico" in texto(doble)
    assert cantidad(Estrategia) == 1
    sin_acreedor = cliente.post(NUEVA, data=formulario(token))
    assert sin_acreedor.status_code == 400 and "Elija un acreedor" in texto(sin_acreedor)


def test_supervisor_lee_pero_no_edita_agente_403_cliente_404(
        cliente, crear_acreedor, crear_usuario, crear_caso):
    from agencia.estrategias.servicios import guardar

    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    datos = {"nombre": "Plan", "etapa": "prejuridico", "activa": True,
             "pasos": [{"dia": "0", "canal": "email", "plantilla": "email_recordatorio"}]}
    propia, ajena = guardar(acme.id, datos, None), guardar(otro.id, datos, None)
    db.session.commit()
    crear_usuario("super1", rol="supervisor")
    crear_usuario("agente1", rol="agente")
    crear_usuario("cli", rol="cliente", acreedor=acme)
    url = f"/admin/estrategias/{propia.id}"

    ingresar(cliente, "super1")
    assert cliente.get("/admin/estrategias/").status_code == 200
    pagina = texto(cliente.get(url))
    assert "Día 0 · Correo electrónico · email_recordatorio" in pagina
    assert 'name="dia_1"' not in pagina  # read only
    assert cliente.get(f"{url}/ejecuciones").status_code == 200
    token = token_csrf(cliente, "/admin/politicas/")
    assert cliente.post(url, data=formulario(token, nombre="Cambio")).status_code == 403
    assert cliente.post(f"{url}/activa", data={"csrf_token": token}).status_code == 403
    assert cliente.get(NUEVA).status_code == 403
    db.session.expire_all()
    assert db.session.get(Estrategia, propia.id).nombre == "Plan"
    cliente.post("/salir", data={"csrf_token": token})

    ingresar(cliente, "agente1")
    assert cliente.get("/admin/estrategias/").status_code == 403
    assert cliente.get(url).status_code == 403
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, "/bandeja")})

    ingresar(cliente, "cli")
    for ruta in ("/admin/estrategias/", url, f"/admin/estrategias/{ajena.id}",
                 f"/admin/estrategias/{ajena.id}/ejecuciones", NUEVA):
        assert cliente.get(ruta).status_code == 404, ruta
    assert cliente.get("/admin/estrategias/9999").status_code == 404


def test_pagina_de_ejecuciones_cuenta_por_paso(cliente, crear_usuario, caso_co, plan):
    from agencia.estrategias.ejecucion import ejecutar_estrategias
    from tests.estrategias.conftest import local

    estrategia = plan()
    caso_co(), caso_co(desde="2026-02-01 08:00")
    disputa = caso_co()
    disputa.en_disputa = True
    db.session.commit()
    ejecutar_estrategias(local("2026-03-09 10:00"))
    db.session.commit()
    crear_usuario("admin1", rol="admin")
    ingresar(cliente, "admin1")
    pagina = texto(cliente.get(f"/admin/estrategias/{estrategia.id}/ejecuciones"))
    fila = pagina.split('data-dia="0" data-plantilla="email_recordatorio"')[1]
    fila = fila.split("</tr>")[0]
    # Day 0 email: one queued; two skipped (the disputa, and the caso already at day 36).
    assert '<td class="num">1</td>' in fila and '<td class="num">2</td>' in fila
    assert "ancho-33" in fila and "ancho-67" in fila
    assert "reemplazado por el paso del día 15" in pagina
    assert "el caso está en disputa" in pagina
    assert "Carta n.º" in pagina and "Mensaje n.º" in pagina
