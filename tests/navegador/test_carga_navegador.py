"""Placement upload in a real browser (issue 6): a supervisor uploads a file with one bad row,
sees the detected columns and the rejected line, imports the valid rows, and a real RQ worker
imports them while the page shows the progress bar, ending on the lote's casos."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.navegador

CARTERA = Path(__file__).resolve().parent.parent / "datos" / "cartera_ejemplo.csv"


def test_carga_con_vista_previa_y_barra_de_avance(pagina, worker_rq, tmp_path, crear_acreedor,
                                                  crear_usuario):
    crear_acreedor("ACME", "Banco Acme")
    crear_usuario("super", rol="supervisor")
    crear_usuario("agente1")
    archivo = tmp_path / "cartera.csv"
    archivo.write_bytes(CARTERA.read_bytes()
                        + b"ACME-0999,CC,55555555,Fila Mala,,,,,,31/02/2026,100,,,COP,\n")

    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill("super")
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()
    pagina.get_by_role("link", name="Cargar cartera").click()
    pagina.get_by_label("Acreedor").select_option(label="ACME · Banco Acme (COP)")
    pagina.get_by_label("Archivo de la cartera").set_input_files(str(archivo))
    pagina.get_by_label("Importar las filas válidas", exact=False).check()
    pagina.get_by_role("button", name="Revisar archivo").click()

    # The preview: detected columns, first rows, and the rejected line with its reason.
    expect(pagina.get_by_text("fecha inexistente «31/02/2026»")).to_be_visible()
    expect(pagina.get_by_text("María Fernanda Gómez Rojas").first).to_be_visible()
    pagina.get_by_role("button", name="Confirmar e importar").click()

    # The worker imports; the page follows the progress and then shows the result.
    expect(pagina.locator("progress").first).to_be_visible()
    for _ in range(40):
        if pagina.get_by_text("Importación terminada").count():
            break
        pagina.wait_for_timeout(500)
        if pagina.locator("[data-progreso-enlace]:not([hidden])").count():
            pagina.locator("[data-progreso-enlace]").click()
    expect(pagina.get_by_text("Importación terminada")).to_be_visible()
    casos_del_lote = pagina.locator("h3:has-text('Casos del lote') + table")
    expect(casos_del_lote).to_contain_text("Juan Carlos Rodríguez Peña")
    expect(casos_del_lote).not_to_contain_text("Fila Mala")
