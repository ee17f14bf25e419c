"""The walking skeleton's journey in a real browser (issue 2, step 7):

placement file imported by the CLI → an agent logs in, opens the top caso of the bandeja,
logs a gestion and asks for a letter → a real RQ worker renders the PDF while the page shows
progress → the agent downloads it → the acreedor's cliente sees the portfolio on the portal.
"""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from tests.navegador.conftest import zona_de_las_14

pytestmark = pytest.mark.navegador

CARTERA = Path(__file__).resolve().parent.parent / "datos" / "cartera_ejemplo.csv"


def _ingresar(pagina, usuario):
    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill(usuario)
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()


def test_recorrido_de_punta_a_punta(app, pagina, worker_rq, crear_acreedor, crear_usuario,
                                    crear_caso):
    acme, otro = crear_acreedor("ACME", "Banco Acme"), crear_acreedor("OTRO", "Otro Banco")
    crear_usuario("agente1"), crear_usuario("agente2")
    crear_usuario("cliente-acme", rol="cliente", acreedor=acme)
    crear_caso(otro, nombre="Deudor De Otro Acreedor", documento="99999999")

    salida = app.test_cli_runner().invoke(
        args=["importar-cartera", str(CARTERA), "--acreedor", "ACME"])
    assert salida.exit_code == 0, salida.output
    # Letters now wait for the contact policy, evaluated by the worker at the real hour: the
    # deudores live where a letter is allowed right now (see zona_de_las_14).
    for deudor in db.session.scalars(select(Deudor).where(Deudor.nombre != "Deudor De Otro Acreedor")):
        deudor.pais, deudor.zona_horaria = "MX", zona_de_las_14()
    db.session.commit()

    # The agent's day: the bandeja lists their casos, "s" opens the top one.
    _ingresar(pagina, "agente1")
    expect(pagina.get_by_role("heading", name="Mi día")).to_be_visible()
    filas = pagina.locator("table tbody tr")
    expect(filas.first).to_be_visible()
    assert filas.count() >= 4  # nine casos, round-robin between two agents
    primero = filas.first.locator("td").first.inner_text().strip()
    pagina.keyboard.press("s")
    expect(pagina.locator("h1")).to_contain_text(primero)
    saldo = pagina.locator(".cifra .valor").first.inner_text().strip()
    assert re.fullmatch(r"\$ \d{1,3}(\.\d{3})*(,\d{2})?", saldo), saldo
    expect(pagina.get_by_text("Deudor De Otro Acreedor")).to_have_count(0)

    # A gestion in a few keystrokes: the deudor calls in (inbound contacts are always
    # recordable, so the journey does not depend on the hour of the test run).
    pagina.get_by_label("Canal").select_option("llamada")
    pagina.get_by_label("Dirección").select_option("entrante")
    pagina.get_by_label("Resultado").select_option("titular_contactado")
    pagina.get_by_label("Nota").fill("Titular atiende; revisará su extracto esta semana.")
    pagina.get_by_role("button", name="Guardar gestión").click()
    expect(pagina.get_by_text("Gestión registrada.")).to_be_visible()
    expect(pagina.get_by_text("Titular atiende; revisará su extracto esta semana.")).to_be_visible()

    # A letter: queued, rendered by the worker process, progress shown, then downloadable.
    pagina.get_by_role("button", name="Generar carta").click()
    enlace = pagina.locator("#cartas").get_by_role("link", name="Descargar PDF")
    expect(enlace).to_be_visible(timeout=60000)
    with pagina.expect_download() as descarga:
        enlace.click()
    texto = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(descarga.value.path()).read_bytes())).pages
    )
    texto = " ".join(texto.split())
    assert primero in texto and saldo in texto

    pagina.get_by_role("button", name="Salir").click()

    # The creditor's portal: its own portfolio by etapa, and only its casos.
    _ingresar(pagina, "cliente-acme")
    expect(pagina.get_by_role("heading", name="Portafolio de Banco Acme")).to_be_visible()
    fila_pre = pagina.locator("table tr", has_text="Prejurídico").first
    expect(fila_pre).to_contain_text("9")
    pagina.get_by_role("link", name="Casos", exact=True).click()
    expect(pagina.locator("table tbody tr")).to_have_count(9)
    expect(pagina.get_by_text("María Fernanda Gómez Rojas")).to_be_visible()
    expect(pagina.get_by_text("Deudor De Otro Acreedor")).to_have_count(0)
    assert pagina.goto(f"/casos/{1}").status == 404
