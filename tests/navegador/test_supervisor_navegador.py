"""The supervisor's day in a real browser (issue 10): an agent is absent → Supervisión moves all
their casos to the other agents of the team, evenly by count, in two clicks, and the load table
shows it → the Tablero lists the agents' figures of the daily rollups and exports them to Excel
→ an acuerdo waiting for approval is rejected with a reason (the approval path is
test_acuerdo_navegador's), which the acuerdo page keeps."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from agencia.acuerdos import servicios as acuerdos
from agencia.acuerdos.modelos import Acuerdo
from agencia.casos.modelos import Caso
from agencia.equipos.modelos import Equipo
from agencia.extensiones import db
from agencia.metricas.modelos import MetricaAgenteDia
from agencia.metricas.tablero import hoy_local

pytestmark = pytest.mark.navegador


def _ingresar(pagina, usuario):
    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill(usuario)
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()


def _carga(pagina, nombre):
    """The "Casos abiertos" cell of an agent in the load table."""
    return pagina.locator("table.cargas tr", has_text=nombre).locator("td").nth(1)


def test_supervisor_reparte_revisa_el_tablero_y_rechaza(app, pagina, crear_acreedor,
                                                        crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    ana = crear_usuario("ana", nombre="Ana Agente")
    beto = crear_usuario("beto", nombre="Beto Agente")
    carla = crear_usuario("carla", nombre="Carla Agente")
    supervisora = crear_usuario("sofia", rol="supervisor", nombre="Sofía Supervisora")
    equipo = Equipo(nombre="Equipo ACME", supervisor_id=supervisora.id)
    equipo.agentes, equipo.acreedores = [ana, beto, carla], [acme]
    db.session.add(equipo)
    db.session.commit()
    casos = [crear_caso(acme, ana, nombre=f"Deudor {n} De Ana", capitales=("1000000",)).id
             for n in range(1, 5)]
    # Yesterday's rollup of the agents' work (what the nightly job writes).
    ayer = hoy_local() - timedelta(days=1)
    db.session.add_all([
        MetricaAgenteDia(fecha=ayer, usuario_id=ana.id, acreedor_id=acme.id, gestiones=37,
                         contactos_titular=9, casos_trabajados=21, promesas=3,
                         monto_prometido=Decimal("450000"), recuperado=Decimal("125000"),
                         segundos_trabajados=6 * 3600),
        MetricaAgenteDia(fecha=ayer, usuario_id=beto.id, acreedor_id=acme.id, gestiones=12,
                         contactos_titular=2, casos_trabajados=8),
    ])
    # Ana proposed a 50 % quita (above the acreedor's threshold): it waits for supervision.
    acuerdo = acuerdos.proponer_acuerdo(
        db.session.get(Caso, casos[0]),
        {"tipo": "plan", "quita_capital_pct": Decimal("50"), "abono_inicial": Decimal("100000"),
         "numero_cuotas": 4, "frecuencia": "mensual",
         "primera_fecha": hoy_local() + timedelta(days=1)},
        ana, hoy_local(), nota="Desempleado desde marzo.").acuerdo
    db.session.commit()
    assert acuerdo.estado == "pendiente_supervisor"
    acuerdo_id = acuerdo.id

    _ingresar(pagina, "sofia")
    pagina.get_by_role("link", name="Supervisión").click()
    expect(pagina.get_by_role("heading", name="Supervisión", exact=True)).to_be_visible()
    expect(_carga(pagina, "Ana Agente")).to_have_text("4")
    expect(_carga(pagina, "Beto Agente")).to_have_text("0")
    expect(_carga(pagina, "Carla Agente")).to_have_text("0")

    # Ana is absent: choose her, press the button (the receivers default to the others).
    pagina.get_by_label("Agente ausente").select_option(label="Ana Agente")
    pagina.get_by_role("button", name="Mover sus casos a los demás").click()
    expect(pagina.get_by_text("Casos del agente ausente repartidos por cantidad: "
                              "Beto Agente: 2, Carla Agente: 2.")).to_be_visible()
    expect(_carga(pagina, "Ana Agente")).to_have_text("0")
    expect(_carga(pagina, "Beto Agente")).to_have_text("2")
    expect(_carga(pagina, "Carla Agente")).to_have_text("2")
    expect(pagina.locator("table.supervision-casos tbody")).not_to_contain_text("Ana Agente")

    # The dashboard: the agents' figures of the period, and the Excel export.
    pagina.get_by_role("link", name="Tablero").click()
    expect(pagina.get_by_role("heading", name="Tablero de supervisión")).to_be_visible()
    fila_ana = pagina.locator(f"#tabla-agentes tr[data-agente='{ana.id}']")
    expect(fila_ana.locator("[data-campo=gestiones]")).to_have_text("37")
    expect(fila_ana.locator("[data-campo=contactos]")).to_have_text("9")
    expect(fila_ana.locator("[data-campo=recuperado]")).to_contain_text("$ 125.000")
    expect(pagina.locator(f"#tabla-agentes tr[data-agente='{beto.id}'] [data-campo=gestiones]")
           ).to_have_text("12")
    with pagina.expect_download() as descarga:
        pagina.get_by_role("link", name="Exportar a Excel").click()
    assert descarga.value.suggested_filename.endswith(".xlsx")
    libro = load_workbook(io.BytesIO(Path(descarga.value.path()).read_bytes()))
    filas = {f[0]: f for f in libro["Agentes"].iter_rows(min_row=2, values_only=True)}
    assert filas["Ana Agente"][1:3] == (37, 9)
    assert filas["Beto Agente"][1] == 12
    diario = list(libro["Diario"].iter_rows(min_row=2, values_only=True))
    assert sorted((f[1], f[4]) for f in diario) == [("Ana Agente", 37), ("Beto Agente", 12)]

    # The acuerdo waiting for approval: rejected, with the reason kept on its page.
    pagina.goto("/aprobaciones")
    pagina.get_by_role("link", name=f"n.º {acuerdo_id}", exact=True).first.click()
    expect(pagina.get_by_text("Desempleado desde marzo.")).to_be_visible()
    motivo = "La quita supera lo que el acreedor acepta; ofrezca un plan sin quita."
    pagina.get_by_label("Motivo del rechazo").fill(motivo)
    pagina.get_by_role("button", name="Rechazar").click()
    expect(pagina.get_by_text(f"Acuerdo n.º {acuerdo_id} rechazado; el motivo queda registrado.")
           ).to_be_visible()
    expect(pagina.get_by_text(motivo).first).to_be_visible()
    expect(pagina.get_by_role("button", name="Rechazar")).to_have_count(0)
    pagina.goto("/aprobaciones")
    expect(pagina.get_by_role("link", name=f"n.º {acuerdo_id}", exact=True)).to_have_count(0)
    db.session.rollback()
    assert db.session.get(Acuerdo, acuerdo_id).estado == "rechazado"
