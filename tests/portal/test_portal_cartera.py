"""The creditor's portfolio from the nightly rollups, the caso list's filters, the caso
detail (promises, plan, payments) and that no internal note ever reaches the portal."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.formato import fecha as texto_fecha
from agencia.metricas.modelos import MetricaAcreedorDia, MetricaCarteraDia, MetricaLote
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa
from agencia.promesas.servicios import hoy_local
from tests.conftest import ingresar

MARCA = "NOTA-SECRETA-7f3a9c"


@pytest.fixture
def mundo(app, crear_acreedor, crear_usuario, crear_caso):
    """ACME (cliente portal-acme) with two lotes and three casos; OTRO with its own lote,
    caso and cliente portal-otro."""
    acme = crear_acreedor("ACME", nombre="Banco Acme")
    otro = crear_acreedor("OTRO", nombre="Otro Acreedor")
    crear_usuario("portal-acme", rol="cliente", acreedor=acme)
    crear_usuario("portal-otro", rol="cliente", acreedor=otro)
    lotes = {}
    for clave, acreedor in (("enero", acme), ("febrero", acme), ("ajeno", otro)):
        lote = LoteAsignacion(acreedor_id=acreedor.id, archivo=f"{clave}.csv",
                              checksum=clave.ljust(64, "0"))
        db.session.add(lote)
        lotes[clave] = lote
    db.session.commit()
    casos = {
        "gomez": crear_caso(acme, nombre="María Gómez", capitales=("1500000",), dias_mora=20),
        "perez": crear_caso(acme, nombre="Pedro Pérez", capitales=("300000",), dias_mora=45,
                            etapa="negociacion"),
        "ruiz": crear_caso(acme, nombre="Rosa Ruiz", capitales=("800000",), dias_mora=400),
        "ajeno": crear_caso(otro, nombre="Deudor Ajeno", capitales=("700000",)),
    }
    casos["gomez"].lote_id = lotes["enero"].id
    casos["perez"].lote_id = lotes["enero"].id
    casos["ruiz"].lote_id = lotes["febrero"].id
    casos["ajeno"].lote_id = lotes["ajeno"].id
    db.session.commit()
    return acme, otro, lotes, casos


def _pagina(cliente, url, codigo=200):
    respuesta = cliente.get(url)
    assert respuesta.status_code == codigo, (url, respuesta.status_code)
    return respuesta.get_data(as_text=True)


# ---- portfolio -------------------------------------------------------------------------------

def test_sin_calculo_nocturno_muestra_cifras_en_vivo_y_lo_avisa(cliente, mundo):
    ingresar(cliente, "portal-acme")
    html = _pagina(cliente, "/portal/")
    assert "$ 2.600.000" in html  # live saldo of the three casos
    assert "La antigüedad de la mora y las curvas" in html
    assert "Casos y saldo por días de mora" not in html
    assert "Deudor Ajeno" not in html and "700.000" not in html


def test_portafolio_por_etapa_y_mora_desde_la_ultima_foto(cliente, mundo):
    acme, otro, lotes, _ = mundo
    hoy = hoy_local()
    ayer, antes = hoy - timedelta(days=1), hoy - timedelta(days=2)
    filas = [
        # An older snapshot that must not be shown.
        (antes, acme, lotes["enero"], "prejuridico", "0-30", 9, "999999"),
        (ayer, acme, lotes["enero"], "prejuridico", "0-30", 3, "1500000"),
        (ayer, acme, lotes["enero"], "negociacion", "31-60", 1, "300000"),
        (ayer, acme, lotes["febrero"], "prejuridico", "361+", 1, "800000"),
        (ayer, acme, lotes["febrero"], "prejuridico", "0-30", 1, "100000"),
        (ayer, otro, lotes["ajeno"], "juridico", "91-180", 5, "7777777"),
    ]
    for fecha, acreedor, lote, etapa, tramo, casos, saldo in filas:
        db.session.add(MetricaCarteraDia(fecha=fecha, acreedor_id=acreedor.id, lote_id=lote.id,
                                         etapa=etapa, tramo=tramo, casos=casos,
                                         saldo=Decimal(saldo)))
    db.session.commit()

    ingresar(cliente, "portal-acme")
    html = _pagina(cliente, "/portal/")
    assert f"Cartera al cierre del {texto_fecha(ayer)}" in html
    assert "La antigüedad de la mora y las curvas" not in html
    assert "Casos y saldo por días de mora" in html
    assert "$ 2.700.000" in html  # total of the latest snapshot
    assert "$ 2.400.000" in html  # prejuridico, both lotes
    assert "$ 1.600.000" in html  # 0-30 days, both lotes
    assert "361+ días" in html and "$ 800.000" in html
    assert "999.999" not in html and "7.777.777" not in html
    assert 'href="/portal/casos?tramo=31-60"' in html
    # 6 casos in all: prejuridico 5 of 6 → 83 %, 0-30 four of six → 67 %.
    assert "ancho-83" in html and "ancho-67" in html


def test_recuperado_del_mes_de_las_metricas_o_en_vivo(cliente, mundo):
    acme, otro, _, casos = mundo
    hoy = hoy_local()
    ingresar(cliente, "portal-acme")

    db.session.add(Pago(acreedor_id=acme.id, caso_id=casos["gomez"].id, monto=Decimal("120000"),
                        credito=Decimal("20000"), fecha=hoy, referencia_bancaria="B-1",
                        moneda="COP", etapa="prejuridico"))
    db.session.add(Pago(acreedor_id=acme.id, caso_id=casos["perez"].id, monto=Decimal("50000"),
                        fecha=hoy, referencia_bancaria="B-2", moneda="COP",
                        estado="reversado"))
    db.session.commit()
    html = _pagina(cliente, "/portal/")
    assert "Recuperado este mes" in html and "$ 100.000" in html  # live: applied part only

    anterior = hoy.replace(day=1) - timedelta(days=1)
    for fecha, acreedor, monto in ((hoy, acme, "345678"), (anterior, acme, "1000"),
                                   (hoy, otro, "5555555")):
        db.session.add(MetricaAcreedorDia(fecha=fecha, acreedor_id=acreedor.id,
                                          recuperado=Decimal(monto)))
    db.session.commit()
    html = _pagina(cliente, "/portal/")
    assert "$ 345.678" in html and "5.555.555" not in html


def test_curva_de_recuperacion_por_lote(cliente, mundo):
    acme, otro, lotes, _ = mundo
    db.session.add_all([
        MetricaLote(lote_id=lotes["enero"].id, acreedor_id=acme.id,
                    colocado_en=date(2026, 1, 5), casos=2, colocado=Decimal("1000000"),
                    recuperado_30=Decimal("125000"), recuperado_60=Decimal("200000"),
                    recuperado_90=Decimal("300000"), recuperado=Decimal("450000"),
                    curva=[[0, "0"], [1, "50000"], [2, "125000"], [3, "200000"]]),
        MetricaLote(lote_id=lotes["febrero"].id, acreedor_id=acme.id,
                    colocado_en=date(2026, 2, 2), casos=1, colocado=Decimal("800000"),
                    recuperado_30=Decimal("80000"), recuperado=Decimal("80000"),
                    curva=[[0, "0"], [1, "80000"]]),
        MetricaLote(lote_id=lotes["ajeno"].id, acreedor_id=otro.id,
                    colocado_en=date(2026, 1, 10), casos=9, colocado=Decimal("9000000"),
                    recuperado=Decimal("1"), curva=[[0, "0"]]),
    ])
    db.session.commit()

    ingresar(cliente, "portal-acme")
    html = _pagina(cliente, "/portal/")
    assert f"Lote {lotes['enero'].id} (05/01/2026)" in html
    assert f"Lote {lotes['febrero'].id} (02/02/2026)" in html
    assert f"Lote {lotes['ajeno'].id} " not in html and "9.000.000" not in html
    assert html.count("<polyline") == 2 and "S3" in html
    # 30/60/90 days and total as % of what was placed.
    for tasa in ("12,5 %", "20 %", "30 %", "45 %", "10 %"):
        assert tasa in html, tasa
    assert "style=" not in html and "<script>" not in html
    assert "12,5 %" in html  # the chart's axis, in Spanish


def test_tasa_de_un_plazo_que_no_se_cumple_aun(cliente, mundo):
    acme, _, lotes, _ = mundo
    hoy = hoy_local()
    db.session.add(MetricaLote(lote_id=lotes["enero"].id, acreedor_id=acme.id,
                               colocado_en=hoy - timedelta(days=40), casos=2,
                               colocado=Decimal("1000000"), recuperado_30=Decimal("100000"),
                               recuperado=Decimal("150000"), curva=[]))
    db.session.commit()
    ingresar(cliente, "portal-acme")
    html = _pagina(cliente, "/portal/")
    assert "10 %" in html and "15 %" in html
    assert html.count("Aún no se cumple el plazo") == 2  # 60 and 90 days
    assert "<polyline" not in html  # no curve points: table only


# ---- caso list filters -------------------------------------------------------------------------

def test_filtros_por_lote_tramo_y_saldo(cliente, mundo):
    _, _, lotes, _ = mundo
    ingresar(cliente, "portal-acme")

    html = _pagina(cliente, f"/portal/casos?lote={lotes['enero'].id}")
    assert "María Gómez" in html and "Pedro Pérez" in html and "Rosa Ruiz" not in html
    assert "febrero.csv" in html and "ajeno.csv" not in html  # the lote choices

    html = _pagina(cliente, "/portal/casos?tramo=31-60")
    assert "Pedro Pérez" in html and "María Gómez" not in html and "Rosa Ruiz" not in html
    html = _pagina(cliente, "/portal/casos?tramo=361%2B")
    assert "Rosa Ruiz" in html and "Pedro Pérez" not in html
    html = _pagina(cliente, "/portal/casos?tramo=0-30")
    assert "María Gómez" in html and "Pedro Pérez" not in html

    html = _pagina(cliente, "/portal/casos?saldo_minimo=800.000")
    assert "María Gómez" in html and "Rosa Ruiz" in html and "Pedro Pérez" not in html

    html = _pagina(cliente, f"/portal/casos?lote={lotes['enero'].id}&saldo_minimo=500000"
                            "&etapa=prejuridico&q=gomez")
    assert "María Gómez" in html and "Pedro Pérez" not in html
    html = _pagina(cliente, "/portal/casos?tramo=91-180")
    assert "No hay casos con esos filtros" in html


@pytest.mark.parametrize("consulta, mensaje", [
    ("etapa=inventada", "Esa etapa no existe"),
    ("tramo=1-2", "Ese tramo de mora no existe"),
    ("lote=abc", "El lote debe ser uno de la lista"),
    ("saldo_minimo=-5", "El saldo mínimo debe ser un monto positivo"),
    ("saldo_minimo=mucho", "El saldo mínimo debe ser un monto positivo"),
])
def test_filtro_invalido_da_400_con_mensaje(cliente, mundo, consulta, mensaje):
    ingresar(cliente, "portal-acme")
    html = _pagina(cliente, f"/portal/casos?{consulta}", 400)
    assert mensaje in html
    assert "María Gómez" not in html


def test_lote_de_otro_acreedor_da_404(cliente, mundo):
    _, _, lotes, _ = mundo
    ingresar(cliente, "portal-otro")
    for lote in (lotes["enero"].id, 999999):
        html = _pagina(cliente, f"/portal/casos?lote={lote}", 404)
        assert "María Gómez" not in html and "enero.csv" not in html
    html = _pagina(cliente, f"/portal/casos?lote={lotes['ajeno'].id}")
    assert "Deudor Ajeno" in html


# ---- caso detail -----------------------------------------------------------------------------

def _historia(acme, caso, agente):
    hoy = hoy_local()
    db.session.add(Gestion(caso_id=caso.id, usuario_id=agente.id, canal="llamada",
                           resultado="promesa_pago", nota=f"{MARCA} deudor molesto"))
    db.session.add(Gestion(caso_id=caso.id, usuario_id=agente.id, canal="sms",
                           resultado="no_contesta", nota=f"{MARCA} otra"))
    db.session.add(Promesa(acreedor_id=acme.id, caso_id=caso.id, monto=Decimal("250000"),
                           fecha=date(2026, 3, 14), estado="incumplida"))
    acuerdo = Acuerdo(acreedor_id=acme.id, caso_id=caso.id, tipo="plan", estado="vigente",
                      moneda="COP", deuda_capital=Decimal("1500000"), deuda_intereses=0,
                      deuda_gastos=0, total_acordado=Decimal("900000"),
                      pagado=Decimal("300000"), numero_cuotas=3, primera_fecha=date(2026, 4, 1))
    acuerdo.cuotas = [Cuota(numero=i, fecha=date(2026, 3 + i, 1), monto=Decimal("300000"),
                            pagado=Decimal("300000") if i == 1 else Decimal("0"))
                      for i in (1, 2, 3)]
    db.session.add(acuerdo)
    db.session.add(Pago(acreedor_id=acme.id, caso_id=caso.id, monto=Decimal("300000"),
                        fecha=hoy, referencia_bancaria="TRX-1", moneda="COP",
                        motivo_reversion=f"{MARCA} motivo"))
    db.session.add(Pago(acreedor_id=acme.id, caso_id=caso.id, monto=Decimal("77000"),
                        fecha=hoy, referencia_bancaria="TRX-2", moneda="COP", estado="reversado"))
    db.session.commit()
    return acuerdo


def test_detalle_con_promesas_plan_y_pagos(cliente, mundo, crear_usuario):
    acme, _, _, casos = mundo
    agente = crear_usuario("ana", nombre="Ana Agente")
    _historia(acme, casos["gomez"], agente)
    ingresar(cliente, "portal-acme")
    html = _pagina(cliente, f"/portal/casos/{casos['gomez'].id}")
    assert "Prejurídico" in html
    assert "Promesa de pago: 1" in html and "No contesta: 1" in html and "SMS" in html
    assert "14/03/2026" in html and "$ 250.000" in html and "Incumplida" in html
    assert "Vigente" in html and "$ 900.000" in html and "Pagada" in html
    assert "01/06/2026" in html and "Pendiente" in html
    assert "$ 300.000" in html and "$ 77.000" in html and "Reversado" in html
    assert MARCA not in html and "Ana Agente" not in html


def test_una_nota_interna_no_aparece_en_ninguna_pagina_del_portal(cliente, mundo, crear_usuario):
    acme, _, _, casos = mundo
    agente = crear_usuario("ana", nombre="Ana Agente")
    _historia(acme, casos["gomez"], agente)
    ingresar(cliente, "portal-acme")
    paginas = ["/portal/", "/portal/casos", "/portal/casos?q=gomez",
               f"/portal/casos/{casos['gomez'].id}", "/portal/aprobaciones",
               "/portal/liquidacion", f"/portal/liquidacion?mes={hoy_local():%Y-%m}",
               f"/portal/liquidacion.csv?mes={hoy_local():%Y-%m}"]
    for url in paginas:
        assert MARCA not in _pagina(cliente, url), url
    xlsx = cliente.get(f"/portal/liquidacion.xlsx?mes={hoy_local():%Y-%m}").data
    hoja = load_workbook(io.BytesIO(xlsx)).active
    assert MARCA not in " ".join(str(c) for fila in hoja.iter_rows(values_only=True) for c in fila)


def test_caso_de_otro_acreedor_da_404(cliente, mundo):
    _, _, _, casos = mundo
    ingresar(cliente, "portal-otro")
    assert cliente.get(f"/portal/casos/{casos['gomez'].id}").status_code == 404
    html = _pagina(cliente, "/portal/casos")
    assert "Deudor Ajeno" in html and "María Gómez" not in html
