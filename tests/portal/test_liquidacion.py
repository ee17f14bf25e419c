"""The monthly statement (liquidación): the service, the page and its PDF, XLSX and CSV."""

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from agencia.auth.modelos import Usuario
from agencia.extensiones import db
from agencia.honorarios import servicios as honorarios
from agencia.honorarios.liquidacion import (
    Liquidacion,
    MesInvalido,
    a_csv,
    html_pdf,
    leer_mes,
    liquidacion,
    mes_anterior,
)
from agencia.honorarios.modelos import TarifaHonorario
from agencia.pagos.modelos import Pago
from agencia.promesas.servicios import hoy_local
from tests.conftest import ingresar

NOMBRE_PELIGROSO = '=HYPERLINK("http://x.example","clic") <script>alert(1)</script>'


def _pago(acreedor, caso, monto, fecha, referencia, etapa="prejuridico", credito="0"):
    pago = Pago(acreedor_id=acreedor.id, caso_id=caso.id, monto=Decimal(monto),
                credito=Decimal(credito), fecha=fecha, referencia_bancaria=referencia,
                moneda=acreedor.moneda, etapa=etapa)
    db.session.add(pago)
    db.session.flush()
    honorarios.registrar_cargo(pago)
    return pago


@pytest.fixture
def libro(app, crear_acreedor, crear_usuario, crear_caso):
    """ACME (15 % prejurídico, 20 % negociación) with payments in March 2026, one reversed
    in April; OTRO with a payment in March that must never show."""
    acme = crear_acreedor("ACME", nombre="Banco Acme")
    otro = crear_acreedor("OTRO", nombre="Otro Acreedor")
    crear_usuario("portal-acme", rol="cliente", acreedor=acme)
    crear_usuario("portal-otro", rol="cliente", acreedor=otro)
    for acreedor in (acme, otro):
        db.session.add_all([
            TarifaHonorario(acreedor_id=acreedor.id, etapa="prejuridico",
                            porcentaje=Decimal("15")),
            TarifaHonorario(acreedor_id=acreedor.id, etapa="negociacion",
                            porcentaje=Decimal("20")),
        ])
    gomez = crear_caso(acme, nombre="María Gómez", documento="1020304050")
    raro = crear_caso(acme, nombre=NOMBRE_PELIGROSO)
    ajeno = crear_caso(otro, nombre="Deudor Ajeno")
    _pago(acme, gomez, "100000", date(2026, 3, 3), "B-1")
    _pago(acme, gomez, "250000", date(2026, 3, 20), "B-2", credito="50000")  # 200000 applied
    devuelto = _pago(acme, raro, "80000", date(2026, 3, 25), "B-3", etapa="negociacion")
    _pago(otro, ajeno, "999000", date(2026, 3, 10), "X-1")
    honorarios.registrar_reversa(devuelto, date(2026, 4, 2))
    db.session.commit()
    return acme, otro, gomez, raro


# ---- the month -------------------------------------------------------------------------------

def test_leer_mes_valido():
    hoy = date(2026, 11, 23)
    assert leer_mes("2026-03", hoy) == (2026, 3)
    assert leer_mes(" 2026-11 ", hoy) == (2026, 11)  # the current month, still open
    assert leer_mes("2000-01", hoy) == (2000, 1)
    assert mes_anterior(date(2026, 1, 15)) == (2025, 12)
    assert mes_anterior(date(2026, 11, 1)) == (2026, 10)


@pytest.mark.parametrize("texto, mensaje", [
    ("", "AAAA-MM"), ("marzo", "AAAA-MM"), ("2026-3", "AAAA-MM"), ("2026/03", "AAAA-MM"),
    ("2026-03-01", "AAAA-MM"), ("2026-13", "01 a 12"), ("2026-00", "01 a 12"),
    ("1999-12", "antes de 2000"), ("2026-12", "aún no ha empezado"),
    ("2031-01", "aún no ha empezado"),
])
def test_leer_mes_invalido(texto, mensaje):
    with pytest.raises(MesInvalido) as error:
        leer_mes(texto, date(2026, 11, 23))
    assert mensaje in error.value.mensaje and error.value.campo == "mes"


# ---- the service -----------------------------------------------------------------------------

def test_liquidacion_del_mes_linea_por_linea(libro):
    acme, _, gomez, raro = libro
    liq = liquidacion(acme.id, 2026, 3)
    assert (liq.desde, liq.hasta, liq.moneda, liq.acreedor_nombre) == (
        date(2026, 3, 1), date(2026, 3, 31), "COP", "Banco Acme")
    assert [(x.fecha, x.caso_id, x.tipo, x.etapa, x.monto, x.porcentaje, x.honorario)
            for x in liq.lineas] == [
        (date(2026, 3, 3), gomez.id, "pago", "prejuridico", Decimal("100000.00"),
         Decimal("15"), Decimal("15000.00")),
        (date(2026, 3, 20), gomez.id, "pago", "prejuridico", Decimal("200000.00"),
         Decimal("15"), Decimal("30000.00")),
        (date(2026, 3, 25), raro.id, "pago", "negociacion", Decimal("80000.00"),
         Decimal("20"), Decimal("16000.00")),
    ]
    primera = liq.lineas[0]
    assert primera.deudor == "María Gómez" and primera.documento == "CC 1020304050"
    assert primera.referencias == ", ".join(o.referencia for o in gomez.obligaciones)
    assert (liq.recuperado, liq.honorarios, liq.neto) == (
        Decimal("380000.00"), Decimal("61000.00"), Decimal("319000.00"))
    assert all(isinstance(v, Decimal) for v in (liq.recuperado, liq.honorarios, liq.neto))
    assert honorarios.resumen(acme.id, liq.desde, liq.hasta)["COP"] == {
        "recuperado": liq.recuperado, "honorarios": liq.honorarios, "neto": liq.neto}


def test_la_reversa_resta_en_su_propio_mes(libro):
    acme, _, _, raro = libro
    liq = liquidacion(acme.id, 2026, 4)
    assert [(x.fecha, x.caso_id, x.tipo, x.monto, x.honorario) for x in liq.lineas] == [
        (date(2026, 4, 2), raro.id, "reversa", Decimal("-80000.00"), Decimal("-16000.00"))]
    assert (liq.recuperado, liq.honorarios, liq.neto) == (
        Decimal("-80000.00"), Decimal("-16000.00"), Decimal("-64000.00"))
    assert honorarios.resumen(acme.id, liq.desde, liq.hasta)["COP"]["neto"] == liq.neto


def test_mes_sin_movimiento_es_una_liquidacion_vacia(libro):
    acme, _, _, _ = libro
    liq = liquidacion(acme.id, 2026, 2)
    assert isinstance(liq, Liquidacion) and liq.lineas == []
    assert (liq.recuperado, liq.honorarios, liq.neto) == (Decimal("0"),) * 3
    assert liq.hasta == date(2026, 2, 28)


def test_solo_el_acreedor_pedido(libro):
    _, otro, _, _ = libro
    liq = liquidacion(otro.id, 2026, 3)
    assert [x.deudor for x in liq.lineas] == ["Deudor Ajeno"]
    assert liq.recuperado == Decimal("999000.00")


# ---- the page and the files --------------------------------------------------------------------

def test_pagina_de_la_liquidacion(cliente, libro):
    ingresar(cliente, "portal-acme")
    respuesta = cliente.get("/portal/liquidacion?mes=2026-03")
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    assert "Marzo de 2026" in html
    assert "$ 380.000" in html and "$ 61.000" in html and "$ 319.000" in html
    assert "María Gómez" in html and "CC 1020304050" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    for ext in ("pdf", "xlsx", "csv"):
        assert f'href="/portal/liquidacion.{ext}?mes=2026-03"' in html
    assert "Deudor Ajeno" not in html and "999.000" not in html


def test_por_defecto_el_mes_anterior(cliente, libro):
    ingresar(cliente, "portal-acme")
    anio, mes = mes_anterior(hoy_local())
    html = cliente.get("/portal/liquidacion").get_data(as_text=True)
    assert f'value="{anio:04d}-{mes:02d}"' in html


def test_mes_vacio_muestra_ceros(cliente, libro):
    ingresar(cliente, "portal-acme")
    respuesta = cliente.get("/portal/liquidacion?mes=2026-02")
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    assert "No hubo pagos ni reversas en este mes" in html and "$ 0" in html
    csv = cliente.get("/portal/liquidacion.csv?mes=2026-02").get_data(as_text=True)
    assert "Neto a transferir;;;;;;;0,00" in csv


@pytest.mark.parametrize("mes", ["2026-13", "abc", "1999-01", f"{date.today().year + 1}-01"])
def test_mes_invalido_da_400(cliente, libro, mes):
    ingresar(cliente, "portal-acme")
    respuesta = cliente.get(f"/portal/liquidacion?mes={mes}")
    assert respuesta.status_code == 400
    assert "aviso-error" in respuesta.get_data(as_text=True)
    for ext in ("pdf", "xlsx", "csv"):
        respuesta = cliente.get(f"/portal/liquidacion.{ext}?mes={mes}")
        assert respuesta.status_code == 400, ext
        assert respuesta.mimetype == "text/plain"
        assert respuesta.get_data(as_text=True).startswith(("Indique", "El mes", "No hay", "Ese"))


def test_csv_para_excel_en_espanol(cliente, libro):
    ingresar(cliente, "portal-acme")
    respuesta = cliente.get("/portal/liquidacion.csv?mes=2026-03")
    assert respuesta.status_code == 200
    assert respuesta.mimetype == "text/csv"
    assert 'filename="liquidacion-2026-03.csv"' in respuesta.headers["Content-Disposition"]
    texto = respuesta.data.decode("utf-8")
    assert texto.startswith("\ufeffFecha;Caso;Deudor")
    assert "2026-03-20;" in texto and ";200000,00;15,00;30000,00" in texto
    assert "'=HYPERLINK" in texto and ";=HYPERLINK" not in texto
    assert "Total recuperado;;;;;;;380000,00" in texto
    assert "Neto a transferir;;;;;;;319000,00" in texto
    assert "Deudor Ajeno" not in texto


def test_csv_de_abril_con_la_reversa_negativa(libro):
    acme, _, _, _ = libro
    texto = a_csv(liquidacion(acme.id, 2026, 4))
    assert ";Reversa;Negociación;-80000,00;20,00;-16000,00" in texto


def test_xlsx_con_numeros_y_sin_formulas(cliente, libro):
    ingresar(cliente, "portal-acme")
    respuesta = cliente.get("/portal/liquidacion.xlsx?mes=2026-03")
    assert respuesta.status_code == 200
    assert respuesta.mimetype.endswith("spreadsheetml.sheet")
    hoja = load_workbook(io.BytesIO(respuesta.data)).active
    filas = list(hoja.iter_rows(values_only=True))
    assert filas[0][0] == "Liquidación de Banco Acme"
    titulos = filas.index(("Fecha", "Caso", "Deudor", "Documento", "Referencias", "Tipo",
                           "Etapa", "Monto recuperado", "Porcentaje", "Honorario"))
    lineas = filas[titulos + 1:titulos + 4]
    assert lineas[0][2] == "María Gómez" and lineas[0][7] == 100000 and lineas[0][9] == 15000
    assert lineas[0][0].date() == date(2026, 3, 3)
    assert lineas[2][2].startswith("'=HYPERLINK")
    for fila in hoja.iter_rows():
        for celda in fila:
            assert celda.data_type != "f"
    totales = {fila[0]: fila[7] for fila in filas
               if fila and str(fila[0]).startswith(("Total", "Neto"))}
    assert totales == {"Total recuperado": 380000, "Total honorarios": 61000,
                       "Neto a transferir": 319000}


def test_pdf_de_la_liquidacion(cliente, libro):
    ingresar(cliente, "portal-acme")
    respuesta = cliente.get("/portal/liquidacion.pdf?mes=2026-03")
    assert respuesta.status_code == 200, respuesta.get_data(as_text=True)
    assert respuesta.mimetype == "application/pdf"
    assert respuesta.data.startswith(b"%PDF")
    assert 'filename="liquidacion-2026-03.pdf"' in respuesta.headers["Content-Disposition"]
    if shutil.which("pdftotext"):  # the name with <script> is printed as text
        texto = subprocess.run(["pdftotext", "-", "-"], input=respuesta.data,
                               capture_output=True, check=True).stdout.decode()
        assert "<script>alert(1)" in texto and "$ 319.000" in texto and "15 %" in texto


def test_html_del_pdf_escapa_los_nombres(app, libro):
    acme, _, _, _ = libro
    with app.test_request_context():
        html = html_pdf(liquidacion(acme.id, 2026, 3))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "$ 319.000" in html and "Marzo".lower() in html


# ---- tenancy ---------------------------------------------------------------------------------

def test_otro_cliente_que_pide_otro_acreedor_recibe_404(cliente, libro):
    acme, _, _, _ = libro
    ingresar(cliente, "portal-otro")
    for url in ("/portal/liquidacion?mes=2026-03&", "/portal/liquidacion.pdf?mes=2026-03&",
                "/portal/liquidacion.csv?mes=2026-03&", "/portal/liquidacion.xlsx?mes=2026-03&",
                "/portal/?", "/portal/casos?", "/portal/aprobaciones?"):
        respuesta = cliente.get(f"{url}acreedor_id={acme.id}")
        assert respuesta.status_code == 404, url
        assert "María Gómez" not in respuesta.get_data(as_text=True)
    # Its own acreedor named explicitly is fine.
    propio = db.session.scalar(select(Usuario.acreedor_id).where(Usuario.usuario == "portal-otro"))
    html = cliente.get(f"/portal/liquidacion?mes=2026-03&acreedor_id={propio}").get_data(
        as_text=True)
    assert "Deudor Ajeno" in html and "María Gómez" not in html


def test_personal_de_la_agencia_no_entra(cliente, libro, crear_usuario):
    crear_usuario("ana")
    ingresar(cliente, "ana")
    for url in ("/portal/liquidacion", "/portal/liquidacion.csv", "/portal/liquidacion.pdf"):
        assert cliente.get(url).status_code == 403
