"""The acreedor's cliente on the portal, in a real browser (issue 10).

1. The portfolio from the nightly rollups (etapas, the days-past-due table, the recovery curve
   of a placement batch as an SVG chart) → the caso list filtered by etapa and by text → one
   caso, without the agents' internal notes → the monthly statement (liquidación) with its PDF
   and XLSX → another acreedor's caso is a 404 page.
2. A placement upload from the portal: a file with one bad row, the preview with the rejected
   line, the valid rows imported by a real RQ worker while the page follows the progress, and
   the new casos in the cliente's list.
"""

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from agencia.asignaciones.modelos import LoteAsignacion
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.honorarios import servicios as honorarios
from agencia.honorarios.liquidacion import mes_anterior
from agencia.honorarios.modelos import TarifaHonorario
from agencia.metricas.modelos import MetricaCarteraDia, MetricaLote
from agencia.pagos.modelos import Pago
from agencia.promesas.servicios import hoy_local

pytestmark = pytest.mark.navegador

CARTERA = Path(__file__).resolve().parent.parent / "datos" / "cartera_ejemplo.csv"
NOTA_INTERNA = "NOTA-INTERNA-7731: el titular amenazó con cambiarse de ciudad"


def _ingresar(pagina, usuario):
    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill(usuario)
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()


def _seccion(pagina, titulo):
    return pagina.locator("section", has=pagina.get_by_role("heading", name=titulo))


def test_cliente_ve_su_portafolio_casos_y_liquidacion(app, pagina, crear_acreedor,
                                                      crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    otro = crear_acreedor("OTRO", "Otro Banco")
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("cliente-acme", rol="cliente", acreedor=acme)
    db.session.add(TarifaHonorario(acreedor_id=acme.id, etapa="prejuridico",
                                   porcentaje=Decimal("15")))
    rosa = crear_caso(acme, ana, nombre="Rosa Elena Pardo", capitales=("2000000",))
    crear_caso(acme, ana, nombre="Marta Lucía Quintero", capitales=("800000",))
    crear_caso(acme, ana, nombre="Luis Negociando Díaz", capitales=("1200000",),
               etapa="negociacion", dias_mora=75)
    ajeno = crear_caso(otro, nombre="Ernesto Ajeno", capitales=("5000000",))
    rosa_id, ajeno_id = rosa.id, ajeno.id
    db.session.add(Gestion(caso_id=rosa.id, usuario_id=ana.id, canal="llamada",
                           direccion="saliente", resultado="titular_contactado",
                           nota=NOTA_INTERNA))
    # Last month: a payment of Rosa's, with the agency's fee.
    anio, mes = mes_anterior()
    pago = Pago(acreedor_id=acme.id, caso_id=rosa.id, monto=Decimal("300000"),
                credito=Decimal("0"), fecha=date(anio, mes, 10), referencia_bancaria="TRX-55",
                moneda="COP", etapa="prejuridico")
    db.session.add(pago)
    db.session.flush()
    honorarios.registrar_cargo(pago)
    # Last night's rollups: the portfolio by etapa and days past due, and one placement batch.
    ayer = hoy_local() - timedelta(days=1)
    lote = LoteAsignacion(acreedor_id=acme.id, archivo="cartera-agosto.csv", checksum="a" * 64,
                          filas=3, casos_nuevos=3)
    db.session.add(lote)
    db.session.flush()
    db.session.add_all([
        MetricaCarteraDia(fecha=ayer, acreedor_id=acme.id, lote_id=lote.id, etapa="prejuridico",
                          tramo="31-60", casos=2, saldo=Decimal("2800000")),
        MetricaCarteraDia(fecha=ayer, acreedor_id=acme.id, lote_id=lote.id, etapa="negociacion",
                          tramo="61-90", casos=1, saldo=Decimal("1200000")),
        MetricaLote(lote_id=lote.id, acreedor_id=acme.id, colocado_en=hoy_local() - timedelta(
            days=70), casos=3, colocado=Decimal("4000000"), recuperado_30=Decimal("200000"),
            recuperado_60=Decimal("300000"), recuperado=Decimal("300000"),
            curva=[[0, "0"], [1, "100000"], [2, "200000"], [5, "300000"]]),
    ])
    db.session.commit()

    _ingresar(pagina, "cliente-acme")
    expect(pagina.get_by_role("heading", name="Portafolio de Banco Acme")).to_be_visible()
    expect(pagina.get_by_text(f"Cartera al cierre del {ayer:%d/%m/%Y}.")).to_be_visible()
    etapas = _seccion(pagina, "Casos y saldo por etapa")
    expect(etapas.locator("tr", has_text="Prejurídico").locator("td.num").first).to_have_text("2")
    expect(etapas.locator("tr", has_text="Negociación").locator("td.num").first).to_have_text("1")
    mora = _seccion(pagina, "Casos y saldo por días de mora")
    expect(mora.locator("tr", has_text="31-60 días").locator("td.num").first).to_have_text("2")
    expect(mora.locator("tr", has_text="31-60 días")).to_contain_text("$ 2.800.000")
    expect(mora.locator("tr", has_text="61-90 días").locator("td.num").first).to_have_text("1")
    curvas = _seccion(pagina, "Recuperación por lote de asignación")
    grafico = curvas.locator("svg.svg-lineas")
    expect(grafico).to_be_visible()
    linea = grafico.locator("polyline")
    expect(linea).to_have_count(1)
    assert len(linea.get_attribute("points").split()) == 4  # weeks 0, 1, 2 and 5
    colocado_en = hoy_local() - timedelta(days=70)
    expect(linea.locator("title")).to_have_text(f"Lote {lote.id} ({colocado_en:%d/%m/%Y})")
    fila_lote = curvas.locator("table.curvas-lotes tbody tr")
    expect(fila_lote).to_contain_text("$ 4.000.000")
    expect(fila_lote).to_contain_text("$ 300.000")

    # The caso list, filtered by etapa and by text.
    pagina.get_by_role("link", name="Casos", exact=True).click()
    filas = pagina.locator("table.casos-portal tbody tr")
    expect(filas).to_have_count(3)
    expect(pagina.get_by_text("Ernesto Ajeno")).to_have_count(0)
    pagina.get_by_label("Etapa").select_option("negociacion")
    pagina.get_by_role("button", name="Filtrar").click()
    expect(filas).to_have_count(1)
    expect(filas.first).to_contain_text("Luis Negociando Díaz")
    pagina.get_by_label("Etapa").select_option("")
    pagina.get_by_label("Deudor, documento o referencia").fill("Quintero")
    pagina.get_by_role("button", name="Filtrar").click()
    expect(filas).to_have_count(1)
    expect(filas.first).to_contain_text("Marta Lucía Quintero")
    pagina.get_by_label("Deudor, documento o referencia").fill("Rosa")
    pagina.get_by_role("button", name="Filtrar").click()
    expect(filas).to_have_count(1)

    # One caso: the gestion is listed, the agent's note is not.
    filas.first.get_by_role("link").click()
    expect(pagina.locator("h1").first).to_contain_text("Rosa Elena Pardo")
    expect(pagina.locator("table.gestiones")).to_contain_text("Titular contactado")
    assert "NOTA-INTERNA-7731" not in pagina.content()

    # The statement of last month, on the page and in its PDF and XLSX.
    pagina.get_by_role("link", name="Liquidación", exact=True).click()
    pagina.get_by_label("Mes (AAAA-MM)").fill(f"{anio}-{mes:02d}")
    pagina.get_by_role("button", name="Ver").click()
    detalle = pagina.locator("table.liquidacion")
    expect(detalle).to_contain_text("Rosa Elena Pardo")
    expect(detalle).to_contain_text("$ 300.000")
    expect(detalle).to_contain_text("$ 45.000")  # 15 % of the payment
    with pagina.expect_download() as descarga:
        pagina.get_by_role("link", name="PDF", exact=True).click()
    assert descarga.value.suggested_filename == f"liquidacion-{anio}-{mes:02d}.pdf"
    pdf = Path(descarga.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    texto = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Rosa Elena Pardo" in texto and "Ernesto Ajeno" not in texto
    with pagina.expect_download() as descarga:
        pagina.get_by_role("link", name="Excel (XLSX)").click()
    assert descarga.value.suggested_filename == f"liquidacion-{anio}-{mes:02d}.xlsx"
    libro = load_workbook(io.BytesIO(Path(descarga.value.path()).read_bytes()))
    celdas = [c for fila in libro.active.iter_rows(values_only=True) for c in fila]
    assert "Rosa Elena Pardo" in celdas
    assert Decimal("300000") in [Decimal(str(c)) for c in celdas if isinstance(c, int | float)]
    assert "Ernesto Ajeno" not in celdas

    # Another acreedor's caso, by its URL: the 404 page.
    respuesta = pagina.goto(f"/portal/casos/{ajeno_id}")
    assert respuesta.status == 404
    expect(pagina.get_by_role("heading", name="Página no encontrada")).to_be_visible()
    expect(pagina.get_by_text("Ernesto Ajeno")).to_have_count(0)
    assert pagina.goto(f"/portal/casos/{rosa_id}").status == 200


def test_cliente_carga_su_cartera_desde_el_portal(pagina, worker_rq, tmp_path, crear_acreedor,
                                                  crear_usuario):
    acme = crear_acreedor("ACME", "Banco Acme")
    crear_usuario("agente1")
    crear_usuario("cliente-acme", rol="cliente", acreedor=acme)
    archivo = tmp_path / "cartera.csv"
    archivo.write_bytes(CARTERA.read_bytes()
                        + b"ACME-0999,CC,55555555,Fila Mala,,,,,,31/02/2026,100,,,COP,\n")

    _ingresar(pagina, "cliente-acme")
    pagina.get_by_role("link", name="Cargar cartera").click()
    expect(pagina.get_by_role("heading", name="Cargar cartera de Banco Acme")).to_be_visible()
    expect(pagina.get_by_label("Acreedor")).to_have_count(0)  # always its own
    pagina.get_by_label("Archivo de la cartera").set_input_files(str(archivo))
    pagina.get_by_label("Importar las filas válidas", exact=False).check()
    pagina.get_by_role("button", name="Revisar archivo").click()

    expect(pagina.get_by_text("fecha inexistente «31/02/2026»")).to_be_visible()
    expect(pagina.get_by_text("María Fernanda Gómez Rojas").first).to_be_visible()
    pagina.get_by_role("button", name="Confirmar e importar").click()

    # The worker imports; the page follows it (unless the worker was faster than the redirect).
    terminada = pagina.get_by_role("status").filter(has_text="Importación terminada el")
    resultado = pagina.get_by_role("link", name="Ver el resultado")
    expect(terminada.or_(resultado)).to_be_visible(timeout=60_000)
    if not terminada.count():
        resultado.click()
    expect(terminada).to_be_visible()
    casos_del_lote = pagina.locator("h3:has-text('Casos del lote') + table")
    expect(casos_del_lote).to_contain_text("Juan Carlos Rodríguez Peña")
    expect(casos_del_lote).not_to_contain_text("Fila Mala")

    pagina.get_by_role("link", name="Casos", exact=True).click()
    expect(pagina.get_by_text("Juan Carlos Rodríguez Peña").first).to_be_visible()
    expect(pagina.get_by_text("Fila Mala")).to_have_count(0)
