"""Negotiation in a real browser (issue 5): an agent proposes a plan with a discount above
both thresholds → the supervisor approves it and sends it to the acreedor → the acreedor's
cliente approves it on the portal → the caso is in etapa Acuerdo, a real RQ worker renders the
acuerdo de pago letter with the schedule → the agent records the down payment and sees it
applied to the schedule."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from agencia.acuerdos.modelos import Acuerdo
from agencia.extensiones import db
from agencia.promesas.servicios import hoy_local

pytestmark = pytest.mark.navegador


def _ingresar(pagina, usuario):
    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill(usuario)
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()


def _salir(pagina):
    pagina.get_by_role("button", name="Salir").click()


def test_acuerdo_de_la_propuesta_al_primer_pago(app, pagina, worker_rq, crear_acreedor,
                                                crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    agente = crear_usuario("agente1", nombre="Ana Agente")
    crear_usuario("super", rol="supervisor")
    crear_usuario("cliente-acme", rol="cliente", acreedor=acme)
    caso = crear_caso(acme, agente, nombre="Rosa Elena Pardo", capitales=("1000000",))
    caso_id = caso.id

    # The agent proposes: 50 % off the capital is above the acreedor's threshold (40 %).
    _ingresar(pagina, "agente1")
    pagina.goto(f"/casos/{caso_id}")
    pagina.get_by_label("Quita sobre capital (%)").fill("50")
    pagina.get_by_label("Abono inicial").fill("100.000")
    pagina.get_by_label("Número de cuotas").fill("4")
    pagina.get_by_label("Fecha del primer pago").fill(hoy_local().isoformat())
    pagina.get_by_label("Justificación para quien aprueba").fill("Desempleado desde marzo.")
    pagina.get_by_role("button", name="Proponer acuerdo").click()
    expect(pagina.get_by_text("propuesto")).to_be_visible()
    acuerdo_id = db.session.scalar(db.select(Acuerdo.id).where(Acuerdo.caso_id == caso_id))
    _salir(pagina)

    # The supervisor sees it waiting and passes it on to the acreedor.
    _ingresar(pagina, "super")
    pagina.goto("/aprobaciones")
    pagina.get_by_role("link", name=f"n.º {acuerdo_id}", exact=True).first.click()
    expect(pagina.get_by_text("Desempleado desde marzo.")).to_be_visible()
    pagina.get_by_role("button", name="Aprobar y enviar al acreedor").click()
    expect(pagina.get_by_text("Esperando aprobación del acreedor").first).to_be_visible()
    _salir(pagina)

    # The acreedor decides on its portal.
    _ingresar(pagina, "cliente-acme")
    pagina.goto("/portal/aprobaciones")
    expect(pagina.get_by_text("Rosa Elena Pardo").first).to_be_visible()
    pagina.goto(f"/portal/acuerdos/{acuerdo_id}")
    expect(pagina.get_by_text("$ 500.000").first).to_be_visible()  # the total to receive
    pagina.get_by_role("button", name="Aprobar acuerdo").click()
    expect(pagina.get_by_text("queda vigente")).to_be_visible()
    _salir(pagina)

    # Back with the agent: the caso is in Acuerdo and the worker has rendered the letter.
    _ingresar(pagina, "agente1")
    pagina.goto(f"/casos/{caso_id}")
    expect(pagina.locator(".encabezado, h1").first).to_contain_text("Rosa Elena Pardo")
    expect(pagina.get_by_text("Vigente").first).to_be_visible()
    enlace = pagina.locator("#cartas").get_by_role("link", name="Descargar PDF")
    for _ in range(30):  # the page polls; reload until the worker has finished
        if enlace.count():
            break
        pagina.wait_for_timeout(1000)
        pagina.reload()
    with pagina.expect_download() as descarga:
        enlace.first.click()
    pdf = PdfReader(io.BytesIO(Path(descarga.value.path()).read_bytes()))
    texto = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Rosa Elena Pardo" in texto and "Abono inicial" in texto and "$ 500.000" in texto

    # The down payment, applied to cuota 0 of the schedule.
    pagina.locator("summary", has_text="Registrar pago").click()
    pagina.get_by_label("Monto", exact=True).fill("100.000")
    pagina.get_by_label("Referencia bancaria").fill("TRX-ABONO-1")
    pagina.get_by_role("button", name="Registrar pago").click()
    expect(pagina.get_by_text("Pago de $ 100.000 registrado.")).to_be_visible()
    fila = pagina.locator("table.cronograma tr", has_text="Abono inicial").first
    expect(fila).to_contain_text("$ 100.000")
    assert fila.inner_text().count("$ 100.000") == 2  # amount due and amount paid
