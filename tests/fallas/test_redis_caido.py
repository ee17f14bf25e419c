"""Redis stopped: staff pages keep working, /salud says 503, a letter asked for meanwhile is
kept pendiente and generated once Redis is back (the periodic re-queue)."""

from datetime import timedelta

from sqlalchemy import update

from agencia.cartas.modelos import Carta
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from agencia.tipos import ahora
from colas.trabajos.cartas import reencolar_atascadas
from tests.conftest import ingresar, token_csrf
from tests.fallas.conftest import esperar
from tests.navegador.conftest import zona_de_las_14


def _carta(carta_id: int) -> Carta:
    db.session.expire_all()
    carta = db.session.get(Carta, carta_id)
    db.session.rollback()
    return carta


def test_sin_redis_el_personal_sigue_y_la_carta_sale_cuando_vuelve(
        app_privada, redis_privado, workers, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    agente = crear_usuario("agente1")
    crear_usuario("super", rol="supervisor")
    caso = crear_caso(acme, agente=agente)
    caso.deudor.pais, caso.deudor.zona_horaria = "MX", zona_de_las_14()
    caso.deudor.contactos.append(Contacto(tipo="direccion", valor="Av. Reforma 222",
                                          valido=True, consentimientos=["carta"]))
    db.session.commit()
    caso_id = caso.id

    agente_web, supervisor_web = app_privada.test_client(), app_privada.test_client()
    with app_privada.app_context():
        ingresar(agente_web, "agente1")
        ingresar(supervisor_web, "super")
        token = token_csrf(agente_web, f"/casos/{caso_id}")

        redis_privado.detener()

        for url in ("/mi-dia", f"/casos/{caso_id}"):
            assert agente_web.get(url).status_code == 200, url
        assert supervisor_web.get("/supervision/").status_code == 200

        salud = agente_web.get("/salud")
        assert salud.status_code == 503
        assert salud.json["redis"] == {"ok": False, "error": "Redis no responde."}
        assert salud.json["base_datos"]["ok"] is True

        respuesta = agente_web.post(f"/casos/{caso_id}/cartas", data={
            "plantilla": "recordatorio_amistoso", "csrf_token": token})
        assert respuesta.status_code == 302
        pagina = agente_web.get(respuesta.location)
        assert pagina.status_code == 200
        assert "Se generará automáticamente cuando el servicio vuelva" in pagina.get_data(
            as_text=True)
    carta = db.session.query(Carta).filter_by(caso_id=caso_id).one()
    assert (carta.estado, carta.job_id) == ("pendiente", None)
    carta_id = carta.id

    redis_privado.iniciar()  # same port and directory, empty
    workers.lanzar(app_privada)
    with app_privada.app_context():
        esperar(lambda: agente_web.get("/salud").status_code == 200, segundos=20,
                mensaje="/salud no volvió a 200:\n" + workers.registro())
        # Minutes later the periodic job finds the carta still pendiente and queues it.
        db.session.execute(update(Carta).where(Carta.id == carta_id)
                           .values(creado_en=ahora() - timedelta(minutes=3)))
        db.session.commit()
        assert reencolar_atascadas() == 1
    esperar(lambda: _carta(carta_id).estado not in ("pendiente", "generando"), segundos=30,
            mensaje="La carta no se generó:\n" + workers.registro())
    carta = _carta(carta_id)
    assert carta.estado == "lista", carta.error or carta.motivo
    assert carta.sha256 and carta.job_id
