"""End to end: an agent requests a letter on the caso page, a real RQ worker on the real
redis-server generates it, the page's JSON follows it, and the PDF downloads. Plus tenancy."""

import io
import re

from flask import render_template
from pypdf import PdfReader
from sqlalchemy import func, select

from agencia.cartas.modelos import Carta
from agencia.cartas.servicios import ruta_archivo, solicitar_carta
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf
from tests.servidores import puerto_libre


def _solicitar(cliente, caso, plantilla="recordatorio_amistoso", token=None):
    token = token or token_csrf(cliente, f"/casos/{caso.id}")
    return cliente.post(
        f"/casos/{caso.id}/cartas", data={"plantilla": plantilla, "csrf_token": token}
    )


def _una_carta() -> Carta:
    return db.session.scalars(select(Carta)).one()


def test_de_punta_a_punta_con_worker_real(cliente, escenario, trabajar):
    acreedor, agente, caso = escenario
    ingresar(cliente, "agente1")
    pagina = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Generar carta" in pagina

    respuesta = _solicitar(cliente, caso)
    assert respuesta.status_code == 302
    assert respuesta.headers["Location"].endswith(f"/casos/{caso.id}#cartas")
    carta = _una_carta()
    assert carta.estado == "pendiente" and carta.job_id
    estado = cliente.get(f"/cartas/{carta.id}/estado").get_json()
    assert estado == {"estado": "pendiente", "progreso": 0, "mensaje": "En cola…", "url": None}
    assert cliente.get(f"/cartas/{carta.id}/descargar").status_code == 404

    assert trabajar() is True

    db.session.expire_all()
    assert (carta.estado, carta.progreso) == ("lista", 100)
    ruta = ruta_archivo(carta)
    assert ruta.is_file()
    texto = " ".join(" ".join(p.extract_text() for p in PdfReader(ruta).pages).split())
    assert "María Fernanda Gómez Rojas" in texto
    assert "$ 1.234.567" in texto

    estado = cliente.get(f"/cartas/{carta.id}/estado").get_json()
    assert estado["estado"] == "lista" and estado["progreso"] == 100
    assert estado["url"] == f"/cartas/{carta.id}/descargar"
    descarga = cliente.get(estado["url"])
    assert descarga.status_code == 200
    assert descarga.mimetype == "application/pdf"
    assert f"carta-{carta.id}-recordatorio_amistoso.pdf" in descarga.headers["Content-Disposition"]
    assert descarga.headers["Content-Disposition"].startswith("attachment")
    assert descarga.data == ruta.read_bytes()
    assert PdfReader(io.BytesIO(descarga.data)).pages

    # Running the job again (directly, and through the queue) changes nothing.
    from colas.trabajos.cartas import generar_carta

    sha = carta.sha256
    assert generar_carta(carta.id) == "lista"
    generar_carta.encolar(carta.id)
    trabajar()
    db.session.expire_all()
    gestiones = db.session.scalar(
        select(func.count()).select_from(Gestion).where(Gestion.resultado == "carta_generada")
    )
    assert gestiones == 1
    assert sorted(p.name for p in ruta.parent.iterdir()) == [ruta.name]
    assert carta.sha256 == sha

    # The caso page now offers the download.
    pagina = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert f'href="/cartas/{carta.id}/descargar"' in pagina


def test_cliente_de_otro_acreedor_recibe_404(cliente, escenario, crear_acreedor, crear_usuario):
    acreedor, agente, caso = escenario
    carta = solicitar_carta(caso.id, "recordatorio_amistoso", agente.id)
    db.session.commit()
    otro = crear_acreedor("OTRO")
    crear_usuario("cliente-otro", rol="cliente", acreedor=otro)
    ingresar(cliente, "cliente-otro")
    token = token_csrf(cliente, "/portal/")
    assert cliente.get(f"/cartas/{carta.id}/estado").status_code == 404
    assert cliente.get(f"/cartas/{carta.id}/descargar").status_code == 404
    assert _solicitar(cliente, caso, token=token).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Carta)) == 1


def test_plantilla_desconocida_da_400_con_mensaje(cliente, escenario):
    caso = escenario[2]
    ingresar(cliente, "agente1")
    respuesta = _solicitar(cliente, caso, plantilla="amenaza_judicial")
    assert respuesta.status_code == 400
    assert "La plantilla «amenaza_judicial» no existe" in respuesta.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Carta)) == 0


def test_sin_csrf_da_400(cliente, escenario):
    caso = escenario[2]
    ingresar(cliente, "agente1")
    respuesta = cliente.post(
        f"/casos/{caso.id}/cartas", data={"plantilla": "recordatorio_amistoso"}
    )
    assert respuesta.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Carta)) == 0


def test_caso_inexistente_da_404(cliente, escenario):
    ingresar(cliente, "agente1")
    token = token_csrf(cliente, f"/casos/{escenario[2].id}")
    respuesta = cliente.post(
        "/casos/999999/cartas", data={"plantilla": "recordatorio_amistoso", "csrf_token": token}
    )
    assert respuesta.status_code == 404


def test_sin_redis_la_carta_queda_pendiente_y_se_reencola_despues(cliente, escenario, app):
    from agencia.cartas.servicios import reencolar_atascadas
    from agencia.tipos import ahora

    caso = escenario[2]
    ingresar(cliente, "agente1")
    token = token_csrf(cliente, f"/casos/{caso.id}")
    url_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{puerto_libre()}/0"
    try:
        respuesta = _solicitar(cliente, caso, token=token)
    finally:
        app.config["REDIS_URL"] = url_redis
    assert respuesta.status_code == 302
    pagina = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "el servicio de tareas no responde" in pagina
    carta = _una_carta()
    assert (carta.estado, carta.job_id) == ("pendiente", None)

    from datetime import timedelta

    carta.creado_en = ahora() - timedelta(minutes=5)
    db.session.commit()
    assert reencolar_atascadas() == 1
    db.session.commit()
    assert carta.job_id is not None


def test_panel_del_caso(app, escenario):
    acreedor, agente, caso = escenario
    cartas = [solicitar_carta(caso.id, "recordatorio_amistoso", agente.id) for _ in range(3)]
    cartas[0].estado, cartas[1].estado = "lista", "error"
    cartas[1].error = "La plantilla tiene un error."
    cartas[2].estado, cartas[2].progreso = "generando", 40
    db.session.commit()
    with app.test_request_context():
        html = render_template("cartas_web/panel_caso.html", caso=caso, cartas=cartas)
    assert f'action="/casos/{caso.id}/cartas"' in html
    assert re.search(r'name="csrf_token" value="[^"]+"', html)
    assert '<option value="recordatorio_amistoso">Recordatorio amistoso</option>' in html
    assert "Generar carta" in html
    assert f'<a href="/cartas/{cartas[0].id}/descargar">Descargar PDF</a>' in html
    assert "La plantilla tiene un error." in html
    assert f'data-progreso-url="/cartas/{cartas[2].id}/estado"' in html
    assert '<progress max="100" value="40">' in html
    assert "data-progreso-texto" in html
    assert f'<a data-progreso-enlace hidden href="/cartas/{cartas[2].id}/descargar">' in html
