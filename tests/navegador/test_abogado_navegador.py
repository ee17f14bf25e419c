"""The abogado's expediente in a real browser (issue 10): a caso already in Jurídico, nobody's
yet → the abogado takes it from the Jurídico queue, records the proceso (tipo, juzgado,
radicado, next hearing) and an actuación → asks for the expediente, which a real RQ worker
compiles while the caso page follows its progress → the downloaded PDF has the deudor, the
proceso, the actuación and the pages of the PDF attached to the caso."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from agencia.cartas.pdf import html_a_pdf
from agencia.documentos import almacen
from agencia.documentos.servicios import adjuntar
from agencia.extensiones import db

pytestmark = pytest.mark.navegador

CONTRATO = ("<html><body><p>CONTRATO ORIGINAL FIRMADO</p>"
            "<p style='page-break-before:always'>SEGUNDA HOJA DEL CONTRATO</p></body></html>")


def _ingresar(pagina, usuario):
    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill(usuario)
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()


def _texto(lector: PdfReader) -> str:
    return " ".join(" ".join((p.extract_text() or "") for p in lector.pages).split())


def test_abogado_toma_el_caso_registra_el_proceso_y_descarga_el_expediente(
        app, pagina, worker_rq, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("lucia", rol="abogado", nombre="Lucía Abogada")
    caso = crear_caso(acme, ana, nombre="Pedro Páramo Ruiz", capitales=("3500000",),
                      etapa="juridico", dias_mora=200)
    caso_id = caso.id
    contrato = html_a_pdf(CONTRATO)
    paginas_contrato = len(PdfReader(io.BytesIO(contrato)).pages)
    assert paginas_contrato == 2
    adjuntar(caso, almacen.verificar(contrato, "contrato.pdf"), "contrato")
    db.session.commit()

    _ingresar(pagina, "lucia")
    pagina.goto("/juridico/")
    fila = pagina.locator("table.bandeja-juridica tbody tr", has_text="Pedro Páramo Ruiz")
    expect(fila).to_contain_text("Sin asignar")
    fila.get_by_role("button", name="Tomar").click()
    expect(pagina.get_by_text("Tomó el caso de Pedro Páramo Ruiz: ahora está a su cargo.")
           ).to_be_visible()
    expect(fila).to_contain_text("Lucía Abogada")
    expect(fila.get_by_role("button", name="Tomar")).to_have_count(0)

    # The proceso, from the caso page.
    fila.get_by_role("link", name="Pedro Páramo Ruiz").click()
    expect(pagina.locator("h1").first).to_contain_text("Pedro Páramo Ruiz")
    panel = pagina.locator("#proceso")
    expect(panel).to_contain_text("Lucía Abogada")
    panel.locator("summary", has_text="Editar el proceso").click()
    panel.get_by_label("Tipo de proceso").select_option("ejecutivo")
    panel.get_by_label("Juzgado").fill("Juzgado 12 Civil Municipal de Bogotá")
    panel.get_by_label("Radicado").fill("11001400301220260045600")
    audiencia = date.today() + timedelta(days=60)
    panel.get_by_label("Próxima audiencia (hora local)").fill(f"{audiencia.isoformat()}T09:30")
    panel.get_by_role("button", name="Guardar proceso").click()
    expect(pagina.get_by_text("Proceso guardado.")).to_be_visible()
    expect(panel).to_contain_text("Proceso ejecutivo")
    expect(panel).to_contain_text("Juzgado 12 Civil Municipal de Bogotá")
    expect(panel).to_contain_text("11001400301220260045600")
    expect(panel).to_contain_text(f"{audiencia:%d/%m/%Y} 09:30")

    # An actuación.
    panel.locator("summary", has_text="Registrar actuación").click()
    panel.locator("#pj-act-tipo").select_option("demanda")
    descripcion = "Demanda radicada con el pagaré original y la liquidación del crédito."
    panel.get_by_label("Descripción").fill(descripcion)
    panel.get_by_role("button", name="Registrar actuación").click()
    expect(pagina.get_by_text("Actuación registrada.")).to_be_visible()
    expect(panel.locator("table.actuaciones")).to_contain_text("Radicación de la demanda")
    expect(panel.locator("table.actuaciones")).to_contain_text(descripcion)

    # The expediente: queued, compiled by the worker while the page follows it.
    expediente = pagina.locator("#expediente")
    expediente.get_by_role("button", name="Generar expediente").click()
    expect(pagina.get_by_text("en preparación.").first).to_be_visible()
    barra = expediente.locator("progress")
    if barra.count():  # unless the worker was faster than the redirect
        expect(barra).to_be_visible()
    enlace = expediente.get_by_role("link", name="Descargar PDF")
    expect(enlace).to_be_visible(timeout=60_000)
    if barra.count():
        expect(barra).to_have_attribute("value", "100")
    with pagina.expect_download() as descarga:
        enlace.click()
    assert descarga.value.suggested_filename.startswith(f"expediente-caso-{caso_id}-")
    datos = Path(descarga.value.path()).read_bytes()
    assert datos.startswith(b"%PDF")
    lector = PdfReader(io.BytesIO(datos))
    texto = _texto(lector)
    for esperado in ("Pedro Páramo Ruiz", "Juzgado 12 Civil Municipal de Bogotá",
                     "11001400301220260045600", descripcion, "CONTRATO ORIGINAL FIRMADO",
                     "SEGUNDA HOJA DEL CONTRATO"):
        assert esperado in texto, esperado
    # The dossier's own pages, then the attached contract's two pages.
    assert len(lector.pages) > paginas_contrato
    assert " ".join((lector.pages[-1].extract_text() or "").split()) == "SEGUNDA HOJA DEL CONTRATO"
