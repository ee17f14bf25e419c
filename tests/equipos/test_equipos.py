"""Teams administration: an admin creates and edits teams; both are audited."""

from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.equipos.modelos import Equipo
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf


def _datos(cliente, url, **campos):
    return {"csrf_token": token_csrf(cliente, url), **campos}


def test_admin_crea_y_edita_un_equipo(cliente, crear_acreedor, crear_usuario):
    acme, beta = crear_acreedor("ACME"), crear_acreedor("BETA")
    ana, beto = crear_usuario("ana", nombre="Ana Agente"), crear_usuario("beto")
    sofia = crear_usuario("sofia", rol="supervisor", nombre="Sofía")
    crear_usuario("admin", rol="admin")
    ingresar(cliente, "admin")

    respuesta = cliente.post("/equipos/nuevo", data=_datos(
        cliente, "/equipos/nuevo", nombre="Cobranza ACME", supervisor_id=sofia.id,
        agente_ids=[ana.id, beto.id], acreedor_ids=[acme.id], activo="y"))
    assert respuesta.status_code == 302
    lista = cliente.get("/equipos/").get_data(as_text=True)
    assert "Cobranza ACME" in lista and "Sofía" in lista
    equipo = db.session.scalars(select(Equipo)).one()
    assert {u.id for u in equipo.agentes} == {ana.id, beto.id}

    url = f"/equipos/{equipo.id}"
    assert 'selected' in cliente.get(url).get_data(as_text=True)
    respuesta = cliente.post(url, data=_datos(
        cliente, url, nombre="Cobranza ACME y Beta", supervisor_id="",
        agente_ids=[ana.id], acreedor_ids=[acme.id, beta.id], activo="y"))
    assert respuesta.status_code == 302
    db.session.expire_all()
    assert [u.id for u in equipo.agentes] == [ana.id]
    assert {a.id for a in equipo.acreedores} == {acme.id, beta.id}
    acciones = [(e.accion, e.entidad_id) for e in db.session.scalars(
        select(Auditoria).where(Auditoria.entidad == "equipo").order_by(Auditoria.id))]
    assert acciones == [("equipo.crear", equipo.id), ("equipo.actualizar", equipo.id)]
    ultima = db.session.scalars(select(Auditoria).order_by(Auditoria.id.desc())).first()
    assert ultima.antes["agente_ids"] == sorted([ana.id, beto.id])
    assert ultima.despues["agente_ids"] == [ana.id]


def test_datos_invalidos_dan_400_con_mensaje(cliente, crear_usuario, crear_acreedor):
    crear_acreedor("ACME")
    sofia = crear_usuario("sofia", rol="supervisor")
    crear_usuario("admin", rol="admin")
    db.session.add(Equipo(nombre="Existente"))
    db.session.commit()
    ingresar(cliente, "admin")
    casos = [
        ({"nombre": ""}, "Escriba el nombre del equipo"),
        ({"nombre": "existente"}, "Ya existe un equipo llamado"),
        ({"nombre": "Nuevo", "agente_ids": [sofia.id]}, "Elija agentes de la lista"),
        ({"nombre": "Nuevo", "agente_ids": ["abc"]}, "Elija agentes de la lista"),
        ({"nombre": "Nuevo", "acreedor_ids": [99999]}, "Elija acreedores de la lista"),
        ({"nombre": "Nuevo", "supervisor_id": "x"}, "Elija un supervisor de la lista"),
    ]
    for campos, mensaje in casos:
        respuesta = cliente.post("/equipos/nuevo", data=_datos(cliente, "/equipos/nuevo",
                                                               **campos))
        assert respuesta.status_code == 400, campos
        assert mensaje in respuesta.get_data(as_text=True), campos
    assert db.session.scalar(select(Equipo.nombre).where(Equipo.nombre != "Existente")) is None


def test_solo_el_admin(app, cliente, crear_usuario, crear_acreedor):
    acme = crear_acreedor("ACME")
    crear_usuario("sofia", rol="supervisor")
    crear_usuario("ana")
    crear_usuario("cliente-acme", rol="cliente", acreedor=acme)
    crear_usuario("admin", rol="admin")
    for usuario, codigo in (("sofia", 403), ("ana", 403), ("cliente-acme", 404)):
        otro = app.test_client()
        ingresar(otro, usuario)
        assert otro.get("/equipos/").status_code == codigo
        assert otro.get("/equipos/nuevo").status_code == codigo
    ingresar(cliente, "admin")
    assert 'href="/equipos/"' in cliente.get("/mi-dia").get_data(as_text=True)


def test_sin_csrf_da_400(cliente, crear_usuario):
    crear_usuario("admin", rol="admin")
    ingresar(cliente, "admin")
    assert cliente.post("/equipos/nuevo", data={"nombre": "X"}).status_code == 400
    assert db.session.scalar(select(Equipo.id)) is None
