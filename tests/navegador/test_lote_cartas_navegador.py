"""Letter batches in a real browser (issue 7): a supervisor chooses casos by filter, counts
them, creates the batch → a real RQ worker renders one PDF per letter and the merged print
file while the page follows its progress → the supervisor downloads the print file (its pages
are exactly the letters' pages) and one letter; each letter is a gestion in its caso's history,
a caso the filter left out has no letter, and a caso whose deudor has no address is omitted
with its reason. A deudor named like an HTML script is shown as text everywhere and printed
literally in the PDF.

The worker evaluates the contact policy when it runs, at the real wall-clock time. The
deudores are in Mexico (contact allowed 07:00–22:00 every day, no holidays, no caps on
letters) and their time zone is chosen so that their local time is about 14:00 now: the
letters are allowed whatever the hour the test runs at.
"""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select

from agencia.cartas.modelos import Carta, LoteCartas
from agencia.casos.modelos import Caso, Gestion
from agencia.cumplimiento.motor import evaluar
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from tests.navegador.conftest import zona_de_las_14

pytestmark = pytest.mark.navegador

PELIGROSO = "<script>alert(1)</script> Pérez"


def _texto(datos: bytes) -> tuple[int, str]:
    lector = PdfReader(io.BytesIO(datos))
    return len(lector.pages), " ".join(" ".join(p.extract_text() for p in lector.pages).split())


def _caso(crear_caso, acreedor, nombre, capitales, *, direccion=True, etapa="prejuridico"):
    caso = crear_caso(acreedor, nombre=nombre, capitales=capitales, etapa=etapa)
    caso.deudor.pais = "MX"
    caso.deudor.zona_horaria = zona_de_las_14()
    if direccion:
        caso.deudor.contactos.append(Contacto(
            tipo="direccion", valor="Av. Reforma 222, Ciudad de México", valido=True,
            consentimientos=["carta"]))
    db.session.commit()
    return caso.id


def _gestiones_carta(caso_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Gestion).where(
        Gestion.caso_id == caso_id, Gestion.canal == "carta",
        Gestion.resultado == "carta_generada"))


def test_lote_de_cartas_del_filtro_al_archivo_para_imprimir(
        app, pagina, worker_rq, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    otro = crear_acreedor("OTRO", "Otro Acreedor")
    crear_usuario("super", rol="supervisor")
    # Chosen by the filter (prejurídico, saldo from 1.000.000):
    rosa = _caso(crear_caso, acme, "Rosa Elena Pardo", ("2000000",))
    largo = _caso(crear_caso, acme, "Bernardo Díaz Mora", ("60000",) * 40)  # a two-page letter
    peligroso = _caso(crear_caso, acme, PELIGROSO, ("1500000",))
    sin_direccion = _caso(crear_caso, acme, PELIGROSO, ("1200000",), direccion=False)
    # Left out: a small saldo, another etapa, another acreedor.
    bajo = _caso(crear_caso, acme, "Carlos Bajo Saldo", ("300000",))
    negociando = _caso(crear_caso, acme, "Diana Negociación", ("3000000",), etapa="negociacion")
    ajeno = _caso(crear_caso, otro, "Ernesto Ajeno", ("5000000",))
    elegidos = [rosa, largo, peligroso]
    # What the worker will find (checked here so a policy surprise fails with a clear reason).
    for caso_id in elegidos:
        decision = evaluar(db.session.get(Caso, caso_id), "carta")
        assert decision.permitido, decision.motivos

    dialogos = []
    pagina.on("dialog", lambda dialogo: (dialogos.append(dialogo.message), dialogo.dismiss()))

    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill("super")
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()

    # The filter, counted first (nothing is written), then the batch.
    pagina.goto("/cartas/lotes")
    expect(pagina.get_by_text("Aún no hay lotes de cartas.")).to_be_visible()
    pagina.get_by_label("Acreedor").select_option(label="Banco Acme")
    pagina.get_by_label("Plantilla").select_option("carta_prejuridica")
    pagina.get_by_label("Etapa").select_option("prejuridico")
    pagina.locator("#saldo_min").fill("1000000")
    pagina.get_by_role("button", name="Contar casos").click()
    expect(pagina.locator("#conteo-lote")).to_have_text("4")
    assert db.session.scalar(select(func.count()).select_from(LoteCartas)) == 0
    # The form keeps the choices for the next step.
    expect(pagina.get_by_label("Plantilla")).to_have_value("carta_prejuridica")
    pagina.get_by_role("button", name="Crear lote").click()

    expect(pagina.get_by_role("heading", name="Lote de cartas n.º")).to_be_visible()
    lote_id = int(pagina.url.rstrip("/").rsplit("/", 1)[1])
    expect(pagina.get_by_text("Banco Acme · Carta prejurídica")).to_be_visible()
    # The page follows the job: a progress bar while it runs (unless the worker was faster
    # than the redirect), then the result without reloading.
    barra = pagina.locator("progress")
    if barra.count():
        expect(barra).to_be_visible()
    expect(pagina.get_by_text("Listo: 3 cartas generadas, 1 omitidas.")).to_be_visible(
        timeout=90_000)
    if barra.count():
        expect(barra).to_have_attribute("value", "100")
    enlace = pagina.get_by_role("link", name="Descargar archivo para imprimir")
    expect(enlace).to_be_visible()

    # The merged print file: every letter's pages, nothing else.
    with pagina.expect_download() as descarga:
        enlace.click()
    assert descarga.value.suggested_filename == f"lote-cartas-{lote_id}-carta_prejuridica.pdf"
    combinado = Path(descarga.value.path()).read_bytes()
    assert combinado.startswith(b"%PDF")
    paginas_combinado, texto_combinado = _texto(combinado)

    db.session.rollback()  # see what the server and the worker wrote
    cartas = db.session.scalars(select(Carta).where(Carta.lote_cartas_id == lote_id)
                                .order_by(Carta.caso_id)).all()
    assert [c.caso_id for c in cartas] == elegidos
    assert all(c.estado == "lista" for c in cartas)
    paginas_cartas = []
    for carta in cartas:
        respuesta = pagina.request.get(f"/cartas/{carta.id}/descargar")
        assert respuesta.ok and respuesta.headers["content-type"] == "application/pdf"
        paginas_cartas.append(_texto(respuesta.body())[0])
    assert paginas_cartas[1] >= 2  # the forty obligaciones take a second page
    assert paginas_combinado == sum(paginas_cartas)
    for nombre in ("Rosa Elena Pardo", "Bernardo Díaz Mora", PELIGROSO):
        assert nombre in texto_combinado

    # The omitted caso, with its reason and the deudor's name shown as text.
    pagina.reload()
    fila = pagina.locator("tr", has=pagina.get_by_role("link", name=str(sin_direccion),
                                                         exact=True))
    expect(fila).to_contain_text(PELIGROSO)
    expect(fila).to_contain_text("no hay una dirección válida")
    expect(pagina.locator("#lote-generadas")).to_have_text("3")
    expect(pagina.locator("#lote-omitidas")).to_have_text("1")
    assert pagina.locator("script", has_text="alert(1)").count() == 0

    # The selected caso with the dangerous name: the letter in its panel and its history.
    pagina.goto(f"/casos/{peligroso}")
    expect(pagina.locator("h1").first).to_contain_text(PELIGROSO)
    panel = pagina.locator("#cartas")
    expect(panel).to_contain_text("Carta prejurídica")
    carta = next(c for c in cartas if c.caso_id == peligroso)
    expect(pagina.locator("#historial")).to_contain_text(
        f"Carta «Carta prejurídica» generada (carta n.º {carta.id}")
    with pagina.expect_download() as descarga:
        panel.get_by_role("link", name="Descargar PDF").click()
    _, texto = _texto(Path(descarga.value.path()).read_bytes())
    assert PELIGROSO in texto
    assert pagina.locator("script", has_text="alert(1)").count() == 0

    # A caso the filter left out has no letter.
    pagina.goto(f"/casos/{bajo}")
    expect(pagina.locator("#cartas")).to_contain_text("Este caso aún no tiene cartas.")
    expect(pagina.locator("#historial")).not_to_contain_text("Carta «")

    # Each letter is one gestion; the omitted and the left-out casos have none.
    db.session.rollback()
    assert [_gestiones_carta(i) for i in elegidos] == [1, 1, 1]
    assert [_gestiones_carta(i) for i in (sin_direccion, bajo, negociando, ajeno)] == [0] * 4
    assert dialogos == []
