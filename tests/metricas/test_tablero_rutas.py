"""The dashboard pages, exports, goals and "Mi rendimiento" as their users see them
(scenario: tests/metricas/test_tablero.py)."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.metricas.modelos import CalculoMetricas, MetaAgente
from agencia.promesas.modelos import Promesa
from agencia.tipos import ahora
from tests.conftest import ingresar, token_csrf
from tests.metricas.test_tablero import DESDE, HASTA, NOMBRE_FORMULA, sembrar

PERIODO = f"desde={DESDE.isoformat()}&hasta={HASTA.isoformat()}"


@pytest.fixture
def escenario(crear_acreedor, crear_usuario):
    datos = sembrar(crear_acreedor, crear_usuario)
    datos.supervisor = crear_usuario("super", rol="supervisor")
    datos.admin = crear_usuario("admin", rol="admin")
    return datos


def _fila(html: str, atributo: str) -> str:
    encontrada = re.search(rf'<tr {atributo}>(.*?)</tr>', html, re.S)
    assert encontrada, f"No hay fila {atributo}"
    return encontrada.group(1)


def _celda(fila: str, campo: str) -> str:
    encontrada = re.search(rf'data-campo="{campo}">(.*?)</td>', fila, re.S)
    assert encontrada, f"No hay celda {campo}"
    return re.sub(r"<[^>]+>", " ", encontrada.group(1)).split()


def test_tablero_muestra_agentes_lado_a_lado(escenario, cliente):
    ingresar(cliente, "super")
    r = cliente.get(f"/tablero/?{PERIODO}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    ana = _fila(html, f'data-agente="{escenario.ana.id}"')
    assert _celda(ana, "gestiones") == ["15"]
    assert _celda(ana, "contactos") == ["5"]
    assert _celda(ana, "tasa_contacto") == ["33,3", "%"]
    assert _celda(ana, "cumplimiento") == ["2", "/", "3", "=", "66,7", "%"]
    assert _celda(ana, "horas") == ["3.0"]
    # Each currency on its own line; never a sum of pesos and dollars.
    assert " ".join(_celda(ana, "recuperado")) == "$ 150.000 US$ 50"
    assert " ".join(_celda(ana, "prometido")) == "$ 300.000 US$ 100"
    assert "150.050" not in html
    # Progress against the goal: 15 of 60 × 5 working days, drawn as a bar.
    assert "15 / 300" in ana and "barra-grafico" in ana
    # Drill-down: the agent's casos in supervision, and the agent's days.
    assert f'/supervision/?agente={escenario.ana.id}' in ana
    assert f"/tablero/agentes/{escenario.ana.id}?" in ana
    # The formula-looking name is shown as text, escaped.
    assert "=HYPERLINK(&#34;http://malo.example&#34;" in html
    # The last computation and the button to recompute.
    assert "Las cifras aún no se han calculado" in html
    assert "Recalcular periodo" in html


def test_tablero_filtro_por_equipo_y_orden(escenario, cliente):
    ingresar(cliente, "super")
    html = cliente.get(f"/tablero/?{PERIODO}&equipo_id={escenario.equipo.id}").get_data(
        as_text=True)
    assert f'data-agente="{escenario.ana.id}"' in html
    assert f'data-agente="{escenario.beto.id}"' not in html
    html = cliente.get(f"/tablero/?{PERIODO}&orden=gestiones").get_data(as_text=True)
    assert html.index(f'data-agente="{escenario.beto.id}"') < html.index(
        f'data-agente="{escenario.ana.id}"')


def test_tablero_tendencia_y_acreedores(escenario, cliente):
    ingresar(cliente, "admin")
    html = cliente.get(f"/tablero/?{PERIODO}").get_data(as_text=True)
    dia1 = _fila(html, 'data-fecha="2026-03-02"')
    dia2 = _fila(html, 'data-fecha="2026-03-03"')
    assert _celda(dia1, "gestiones") == ["10"] and _celda(dia2, "gestiones") == ["25"]
    assert '<td class="num" data-moneda="COP">$ 150.000</td>' in dia1
    assert '<td class="num" data-moneda="USD">US$ 50</td>' in dia2
    assert html.count('class="svg-lineas"') == 3  # gestiones, COP, USD
    a = _fila(html, f'data-acreedor="{escenario.a.id}"')
    assert "$ 150.000" in a and "$ 15.000" in a and "10,0 %" in a
    rodamiento = html[html.index('id="tabla-rodamiento"'):]
    assert re.search(r"Prejurídico</td><td>Negociación</td><td class=\"num\">4<", rodamiento)


def test_detalle_de_un_agente(escenario, cliente):
    ingresar(cliente, "super")
    r = cliente.get(f"/tablero/agentes/{escenario.ana.id}?{PERIODO}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _celda(_fila(html, 'data-fecha="2026-03-02"'), "gestiones") == ["10"]
    assert " ".join(_celda(_fila(html, 'data-fecha="2026-03-03"'), "recuperado")) == "US$ 50"
    assert 'class="svg-lineas"' in html
    assert cliente.get(f"/tablero/agentes/999999?{PERIODO}").status_code == 404
    r = cliente.get(f"/tablero/agentes/{escenario.ana.id}?desde=mañana")
    assert r.status_code == 400 and "fecha válida" in r.get_data(as_text=True)


@pytest.mark.parametrize("consulta, texto", [
    ("desde=2026-02-31", "Desde: escriba una fecha válida"),
    ("desde=2026-03-09&hasta=2026-03-01", "no puede ser posterior"),
    ("desde=2024-01-01&hasta=2026-03-01", "no puede pasar de 366 días"),
    ("acreedor_id=424242", "El acreedor elegido no existe."),
    ("equipo_id=x", "El equipo elegido no existe."),
    ("agente_id=424242", "El agente elegido no existe."),
    ("orden=saldo", "No se puede ordenar por «saldo»"),
])
@pytest.mark.parametrize("ruta", ["/tablero/", "/tablero/exportar.csv", "/tablero/exportar.xlsx"])
def test_filtros_invalidos_400_con_mensaje(app, cliente, crear_usuario, ruta, consulta, texto):
    crear_usuario("super", rol="supervisor")
    ingresar(cliente, "super")
    r = cliente.get(f"{ruta}?{consulta}")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert texto in html
    assert 'name="desde"' in html  # the filter form is still there to correct it


def test_exportar_csv(escenario, cliente):
    ingresar(cliente, "super")
    r = cliente.get(f"/tablero/exportar.csv?{PERIODO}&orden=gestiones")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    filas = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))
    encabezado = filas[0]
    assert encabezado[:3] == ["Agente", "Gestiones", "Contactos titular"]
    assert encabezado[-4:] == ["Monto prometido COP", "Recuperado COP", "Monto prometido USD",
                               "Recuperado USD"]
    beto, ana = (dict(zip(encabezado, fila, strict=True)) for fila in filas[1:])
    assert beto["Agente"] == "'" + NOMBRE_FORMULA  # never a live formula
    assert (ana["Agente"], ana["Gestiones"], ana["Tasa de cumplimiento (%)"]) == (
        "Ana Agente", "15", "66.7")
    assert (ana["Recuperado COP"], ana["Recuperado USD"]) == ("150000.00", "50.00")
    assert ana["Meta de gestiones"] == "300"


def test_exportar_xlsx(escenario, cliente):
    ingresar(cliente, "admin")
    r = cliente.get(f"/tablero/exportar.xlsx?{PERIODO}")
    assert r.status_code == 200
    libro = load_workbook(io.BytesIO(r.data))
    assert libro.sheetnames == ["Agentes", "Diario"]
    filas = list(libro["Agentes"].iter_rows(values_only=True))
    encabezado = filas[0]
    por_nombre = {fila[0]: dict(zip(encabezado, fila, strict=True)) for fila in filas[1:]}
    ana = por_nombre["Ana Agente"]
    assert (ana["Gestiones"], ana["Promesas"], ana["Horas trabajadas"]) == (15, 3, 3)
    assert Decimal(str(ana["Recuperado COP"])) == 150000
    assert Decimal(str(ana["Recuperado USD"])) == 50
    assert "'" + NOMBRE_FORMULA in por_nombre  # the name is text, not a formula
    assert libro["Agentes"]["A2"].data_type == "s"
    diario = list(libro["Diario"].iter_rows(values_only=True))
    assert diario[0][:4] == ("Fecha", "Agente", "Acreedor", "Moneda")
    assert len(diario) == 4  # three rows in the period (the April one is left out)
    assert diario[1][1:5] == ("Ana Agente", "Acreedor AAA", "COP", 10)
    solo_equipo = load_workbook(io.BytesIO(cliente.get(
        f"/tablero/exportar.xlsx?{PERIODO}&equipo_id={escenario.equipo.id}").data))
    assert [f[0] for f in solo_equipo["Agentes"].iter_rows(min_row=2, values_only=True)] == [
        "Ana Agente"]


def test_acceso_agente_y_cliente(escenario, cliente, crear_usuario):
    crear_usuario("portal", rol="cliente", acreedor=escenario.a)
    ingresar(cliente, "ana")
    for url in ("/tablero/", f"/tablero/agentes/{escenario.ana.id}", "/tablero/exportar.csv",
                "/tablero/exportar.xlsx", "/tablero/metas"):
        assert cliente.get(url).status_code == 403, url
    assert "Mi rendimiento" in cliente.get("/mi-rendimiento").get_data(as_text=True)
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, "/mi-rendimiento")})
    ingresar(cliente, "portal")
    for url in ("/tablero/", f"/tablero/agentes/{escenario.ana.id}", "/tablero/exportar.xlsx",
                "/tablero/metas", "/mi-rendimiento"):
        assert cliente.get(url).status_code == 404, url


def test_metas_admin_edita_supervisor_lee(escenario, cliente):
    ingresar(cliente, "admin")
    token = token_csrf(cliente, "/tablero/metas")
    datos = {"csrf_token": token, "gestiones_dia": "50", "contactos_dia": "12",
             "promesas_dia": "4", f"a{escenario.ana.id}_gestiones_dia": "80",
             f"a{escenario.ana.id}_contactos_dia": "20", f"a{escenario.ana.id}_promesas_dia": "6"}
    r = cliente.post("/tablero/metas", data=datos)
    assert r.status_code == 302
    metas = {m.usuario_id: m for m in db.session.scalars(select(MetaAgente))}
    assert set(metas) == {None, escenario.ana.id}
    assert (metas[None].gestiones_dia, metas[escenario.ana.id].promesas_dia) == (50, 6)
    assert metas[None].actualizado_por == escenario.admin.id
    assert db.session.scalar(select(Auditoria).where(
        Auditoria.accion == "metas.actualizadas", Auditoria.entidad_id == metas[
            escenario.ana.id].id)).despues["gestiones_dia"] == 80
    # The dashboard uses them: Ana 80 × 5 days, Beto the default 50 × 5.
    html = cliente.get(f"/tablero/?{PERIODO}").get_data(as_text=True)
    assert "15 / 400" in _fila(html, f'data-agente="{escenario.ana.id}"')
    assert "20 / 250" in _fila(html, f'data-agente="{escenario.beto.id}"')
    # Emptying Ana's row removes her override.
    datos.update({f"a{escenario.ana.id}_{c}": "" for c in ("gestiones_dia", "contactos_dia",
                                                             "promesas_dia")})
    assert cliente.post("/tablero/metas", data=datos).status_code == 302
    assert db.session.scalar(select(MetaAgente).where(
        MetaAgente.usuario_id == escenario.ana.id)) is None

    cliente.post("/salir", data={"csrf_token": token})
    ingresar(cliente, "super")
    html = cliente.get("/tablero/metas").get_data(as_text=True)
    assert 'value="50"' in html and "disabled" in html
    token = token_csrf(cliente, "/tablero/")
    assert cliente.post("/tablero/metas", data={**datos, "csrf_token": token}).status_code == 403


@pytest.mark.parametrize("campo, valor", [
    ("gestiones_dia", "abc"), ("contactos_dia", "1001"), ("promesas_dia", "-1"),
    ("gestiones_dia", ""), ("a{ana}_promesas_dia", "5.5"),
])
def test_metas_invalidas_400_sin_escribir(escenario, cliente, campo, valor):
    ingresar(cliente, "admin")
    ana = escenario.ana.id
    datos = {"csrf_token": token_csrf(cliente, "/tablero/metas"), "gestiones_dia": "50",
             "contactos_dia": "12", "promesas_dia": "4", f"a{ana}_gestiones_dia": "80",
             f"a{ana}_contactos_dia": "20", f"a{ana}_promesas_dia": "6"}
    datos[campo.format(ana=ana)] = valor
    r = cliente.post("/tablero/metas", data=datos)
    assert r.status_code == 400
    assert "escriba un número entero de 0 a 1000" in r.get_data(as_text=True)
    assert db.session.scalars(select(MetaAgente)).all() == []


def test_mi_rendimiento_cuenta_hoy_en_vivo(escenario, cliente, crear_caso):
    caso = crear_caso(escenario.a, escenario.ana)
    db.session.add(MetaAgente(usuario_id=None, gestiones_dia=4, contactos_dia=2,
                              promesas_dia=1))
    db.session.commit()
    ingresar(cliente, "ana")
    html = cliente.get("/mi-rendimiento").get_data(as_text=True)
    assert '<span class="valor" data-campo="gestiones">0</span>' in html
    db.session.add_all([
        Gestion(caso_id=caso.id, usuario_id=escenario.ana.id, canal="llamada",
                resultado="promesa_pago"),
        Gestion(caso_id=caso.id, usuario_id=escenario.ana.id, canal="llamada",
                resultado="no_contesta"),
        Gestion(caso_id=caso.id, usuario_id=escenario.beto.id, canal="llamada",
                resultado="titular_contactado"),
        Promesa(acreedor_id=escenario.a.id, caso_id=caso.id, monto=Decimal("450000"),
                fecha=date.today(), creado_por=escenario.ana.id, creado_en=ahora()),
    ])
    db.session.commit()
    html = cliente.get("/mi-rendimiento").get_data(as_text=True)
    assert '<span class="valor" data-campo="gestiones">2</span>' in html
    assert '<span class="valor" data-campo="contactos">1</span>' in html
    assert '<span class="valor" data-campo="promesas">1</span>' in html
    assert "$ 450.000" in html
    assert "2 de 4 (50 %)" in html and "1 de 1 (100 %) · ¡cumplida!" in html
    assert 'class="svg-lineas"' in html and 'id="tabla-dias"' in html
    assert 'href="/tablero/"' not in html  # no dashboard link for an agent


def test_recalcular_periodo_muestra_el_avance(escenario, cliente):
    ingresar(cliente, "super")
    token = token_csrf(cliente, f"/tablero/?{PERIODO}")
    r = cliente.post("/tablero/recalcular", data={"csrf_token": token, "desde": "2026-03-02",
                                                  "hasta": "2026-03-08"})
    assert r.status_code == 302 and "/tablero/recalculo?calculo=" in r.headers["Location"]
    calculo = db.session.scalars(select(CalculoMetricas)).one()
    assert (calculo.desde, calculo.hasta, calculo.solicitado_por) == (
        DESDE, HASTA, escenario.supervisor.id)
    html = cliente.get(r.headers["Location"]).get_data(as_text=True)
    assert f'data-progreso-url="/tablero/recalculo/estado.json?calculo={calculo.id}"' in html
    assert "<progress" in html
    estado = cliente.get(f"/tablero/recalculo/estado.json?calculo={calculo.id}").get_json()
    assert estado["estado"] in ("pendiente", "calculando", "lista")
    assert 0 <= estado["progreso"] <= 100 and estado["mensaje"]
    html = cliente.get(f"/tablero/?{PERIODO}").get_data(as_text=True)
    assert f"/tablero/recalculo?calculo={calculo.id}" in html or "Último cálculo:" in html
    assert cliente.get("/tablero/recalculo?calculo=999").status_code == 404
    assert cliente.get("/tablero/recalculo/estado.json?calculo=x").status_code == 404


def test_recalcular_periodo_invalido(escenario, cliente):
    ingresar(cliente, "admin")
    token = token_csrf(cliente, "/tablero/")
    r = cliente.post("/tablero/recalcular", data={"csrf_token": token, "desde": "2026-03-09",
                                                  "hasta": "2026-03-01"})
    assert r.status_code == 400 and "no puede ser posterior" in r.get_data(as_text=True)
    assert db.session.scalars(select(CalculoMetricas)).all() == []
    mañana = date.fromordinal(date.today().toordinal() + 2).isoformat()
    r = cliente.post("/tablero/recalcular", data={"csrf_token": token, "desde": mañana,
                                                  "hasta": mañana})
    assert r.status_code == 400 and "posterior a hoy" in r.get_data(as_text=True)
    assert db.session.scalars(select(CalculoMetricas)).all() == []
