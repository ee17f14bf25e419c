"""The admin's template edit in a real browser (issue 10): the admin opens an acreedor's
carta prejurídica, changes a paragraph and sees it in the preview on sample data → a wording
that imitates a judicial document and threatens is refused before saving, with the reasons
shown and nothing saved → the correct edit saves as the acreedor's own version → a letter a
real RQ worker renders for a caso of that acreedor has the new wording (the other acreedor's
letters keep the default).

The worker evaluates the contact policy at the real hour: the deudor is in Mexico, in a time
zone where it is about 14:00 now (see zona_de_las_14)."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select

from agencia.cartas.modelos import PlantillaAcreedor
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from tests.navegador.conftest import zona_de_las_14

pytestmark = pytest.mark.navegador

ORIGINAL = "Preferimos, y le proponemos, una solución directa y amistosa."
NUEVA = "En Banco Acme queremos escucharle: llámenos y buscaremos juntos una cuota a su medida."
PROHIBIDA = "Si no paga, embargaremos su casa y el juzgado lo citará."


def _ingresar(pagina, usuario):
    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill(usuario)
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()


def _caso(crear_caso, acreedor, nombre):
    caso = crear_caso(acreedor, nombre=nombre, capitales=("2000000",))
    caso.deudor.pais, caso.deudor.zona_horaria = "MX", zona_de_las_14()
    caso.deudor.contactos.append(Contacto(
        tipo="direccion", valor="Av. Reforma 222, Ciudad de México", valido=True,
        consentimientos=["carta"]))
    db.session.commit()
    return caso.id


def _carta(pagina, caso_id) -> str:
    """Asks for a carta prejurídica on the caso page and returns the PDF's text."""
    pagina.goto(f"/casos/{caso_id}")
    pagina.locator("#cartas").get_by_label("Plantilla").select_option("carta_prejuridica")
    pagina.get_by_role("button", name="Generar carta").click()
    enlace = pagina.locator("#cartas").get_by_role("link", name="Descargar PDF")
    expect(enlace).to_be_visible(timeout=60_000)
    with pagina.expect_download() as descarga:
        enlace.click()
    lector = PdfReader(io.BytesIO(Path(descarga.value.path()).read_bytes()))
    return " ".join(" ".join(p.extract_text() for p in lector.pages).split())


def _versiones() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(PlantillaAcreedor))


def test_admin_edita_la_carta_con_vista_previa_y_revision(app, pagina, worker_rq,
                                                         crear_acreedor, crear_usuario,
                                                         crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    otro = crear_acreedor("OTRO", "Otro Banco")
    crear_usuario("admin", rol="admin")
    caso_acme = _caso(crear_caso, acme, "Rosa Elena Pardo")
    caso_otro = _caso(crear_caso, otro, "Ernesto Ajeno")
    consola = []
    pagina.on("console", lambda mensaje: consola.append(mensaje.text))

    _ingresar(pagina, "admin")
    pagina.goto("/admin/plantillas")
    seccion = pagina.locator("section", has=pagina.get_by_role("heading", name="Banco Acme"))
    expect(seccion.locator("tr", has_text="Carta prejurídica")).to_contain_text("Predeterminada")
    seccion.get_by_role("link", name="Carta prejurídica").click()
    expect(pagina.get_by_role("heading", name="Carta prejurídica · Banco Acme")).to_be_visible()
    vista = pagina.frame_locator("iframe[name=vista-previa]")
    expect(vista.locator("body")).to_contain_text("Preferimos, y le proponemos")

    # The preview follows the text being edited (nothing is saved).
    editor = pagina.get_by_label("Contenido (Jinja)")
    fuente = editor.input_value()
    assert ORIGINAL in fuente
    editada = fuente.replace(ORIGINAL, NUEVA)
    editor.fill(editada)
    pagina.get_by_role("button", name="Vista previa", exact=True).click()
    expect(vista.locator("body")).to_contain_text(NUEVA)
    expect(vista.locator("body")).not_to_contain_text("Preferimos, y le proponemos")
    assert _versiones() == 0
    assert not [texto for texto in consola if "Content Security Policy" in texto], consola

    # A wording that imitates a court and threatens: refused, with the reasons, not saved.
    editor.fill(editada.replace(NUEVA, f"{NUEVA} {PROHIBIDA}"))
    pagina.get_by_role("button", name="Guardar").click()
    aviso = pagina.get_by_role("alert")
    expect(aviso).to_contain_text("No se guardó")
    expect(aviso).to_contain_text("Anunciar embargos intimida")
    expect(aviso).to_contain_text("Menciona un juzgado")
    expect(pagina.get_by_label("Contenido (Jinja)")).to_have_value(
        editada.replace(NUEVA, f"{NUEVA} {PROHIBIDA}"))
    assert _versiones() == 0

    # The correct edit saves as ACME's own version.
    pagina.get_by_label("Contenido (Jinja)").fill(editada)
    pagina.get_by_role("button", name="Guardar").click()
    expect(pagina.get_by_text("Plantilla «Carta prejurídica» guardada para Banco Acme.")
           ).to_be_visible()
    expect(pagina.get_by_text("Versión propia n.º 1.")).to_be_visible()
    expect(pagina.get_by_role("alert")).to_have_count(0)
    assert _versiones() == 1
    pagina.goto("/admin/plantillas")
    expect(seccion.locator("tr", has_text="Carta prejurídica")).to_contain_text("Propia · v1")

    # The worker's letters: ACME's has the new wording, the other acreedor's the default.
    texto = _carta(pagina, caso_acme)
    assert "Rosa Elena Pardo" in texto
    assert NUEVA in texto and "Preferimos, y le proponemos" not in texto
    texto = _carta(pagina, caso_otro)
    assert "Ernesto Ajeno" in texto
    assert NUEVA not in texto and ORIGINAL in texto
