"""Dashboard queries over the daily rollups (agencia.metricas.tablero).

Scenario (week of Monday 2026-03-02 to Sunday 2026-03-08: five working days), rows inserted
directly in the rollup tables:
- acreedor A in COP, acreedor B in USD; team E holds only Ana.
- Ana, A, 03-02: 10 gestiones, 4 contactos, 8 casos, 2 promesas for 300.000, 2 due / 1 kept,
  150.000 recovered, 2 h.   Ana, B, 03-03: 5 gestiones, 1 contacto, 5 casos, 1 promesa for
  US$ 100, 1 due / 1 kept, US$ 50 recovered, 1 h.   Ana, A, 04-01: outside the period.
- Beto (named like a spreadsheet formula), A, 03-03: 20 gestiones, 10 contactos, 15 casos, 5 h.
- Acreedor rows: A 03-02 (150.000 recovered, 15.000 fees, 2 acuerdos, quita 100.000 over
  1.000.000, 3 prejuridico>negociacion), A 03-03 (1 prejuridico>negociacion, 2
  negociacion>juridico), B 03-03 (US$ 50, fees US$ 5).
"""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from agencia.casos.modelos import Gestion
from agencia.equipos.modelos import Equipo
from agencia.extensiones import db
from agencia.metricas import tablero as t
from agencia.metricas.modelos import MetaAgente, MetricaAcreedorDia, MetricaAgenteDia
from agencia.promesas.modelos import Promesa
from agencia.tipos import ahora

DESDE, HASTA = date(2026, 3, 2), date(2026, 3, 8)
NOMBRE_FORMULA = '=HYPERLINK("http://malo.example","Beto")'


def _fila_agente(usuario, acreedor, fecha, **cifras):
    db.session.add(MetricaAgenteDia(fecha=fecha, usuario_id=usuario.id, acreedor_id=acreedor.id,
                                    **cifras))


def sembrar(crear_acreedor, crear_usuario) -> SimpleNamespace:
    a = crear_acreedor("AAA", moneda="COP")
    b = crear_acreedor("BBB", pais="US", moneda="USD")
    ana = crear_usuario("ana", nombre="Ana Agente")
    beto = crear_usuario("beto", nombre=NOMBRE_FORMULA)
    equipo = Equipo(nombre="Equipo E")
    equipo.agentes = [ana]
    db.session.add(equipo)
    _fila_agente(ana, a, DESDE, gestiones=10, contactos_titular=4, casos_trabajados=8,
                 promesas=2, monto_prometido=Decimal("300000"), promesas_vencidas=2,
                 promesas_cumplidas=1, recuperado=Decimal("150000"), segundos_trabajados=7200)
    _fila_agente(ana, b, date(2026, 3, 3), gestiones=5, contactos_titular=1, casos_trabajados=5,
                 promesas=1, monto_prometido=Decimal("100"), promesas_vencidas=1,
                 promesas_cumplidas=1, recuperado=Decimal("50"), segundos_trabajados=3600)
    _fila_agente(ana, a, date(2026, 4, 1), gestiones=99, contactos_titular=99)
    _fila_agente(beto, a, date(2026, 3, 3), gestiones=20, contactos_titular=10,
                 casos_trabajados=15, segundos_trabajados=18000)
    db.session.add_all([
        MetricaAcreedorDia(fecha=DESDE, acreedor_id=a.id, recuperado=Decimal("150000"),
                           honorarios=Decimal("15000"), acuerdos=2,
                           quita_total=Decimal("100000"), deuda_acordada=Decimal("1000000"),
                           transiciones={"prejuridico>negociacion": 3}, gestiones=10),
        MetricaAcreedorDia(fecha=date(2026, 3, 3), acreedor_id=a.id, gestiones=20,
                           transiciones={"prejuridico>negociacion": 1,
                                         "negociacion>juridico": 2}),
        MetricaAcreedorDia(fecha=date(2026, 3, 3), acreedor_id=b.id, recuperado=Decimal("50"),
                           honorarios=Decimal("5"), gestiones=5),
    ])
    db.session.commit()
    return SimpleNamespace(a=a, b=b, ana=ana, beto=beto, equipo=equipo)


@pytest.fixture
def escenario(crear_acreedor, crear_usuario):
    return sembrar(crear_acreedor, crear_usuario)


def _filtro(**valores) -> t.FiltroTablero:
    return t.leer_filtros({"desde": DESDE.isoformat(), "hasta": HASTA.isoformat(),
                           **{k: str(v) for k, v in valores.items()}})


def test_filtro_por_defecto_los_ultimos_30_dias(app):
    filtro = t.leer_filtros({}, hoy=date(2026, 3, 31))
    assert (filtro.desde, filtro.hasta, filtro.orden) == (date(2026, 3, 2), date(2026, 3, 31),
                                                          "nombre")
    assert len(filtro.dias) == 30


@pytest.mark.parametrize("valores, campo, texto", [
    ({"desde": "2026-02-30"}, "desde", "fecha válida"),
    ({"hasta": "ayer"}, "hasta", "fecha válida"),
    ({"desde": "2026-03-09", "hasta": "2026-03-08"}, "desde", "posterior"),
    ({"desde": "2025-01-01", "hasta": "2026-03-08"}, "desde", "366 días"),
    ({"acreedor_id": "999999"}, "acreedor_id", "acreedor elegido no existe"),
    ({"acreedor_id": "abc"}, "acreedor_id", "acreedor elegido no existe"),
    ({"equipo_id": "-1"}, "equipo_id", "equipo elegido no existe"),
    ({"agente_id": "99999999999999999999"}, "agente_id", "agente elegido no existe"),
    ({"orden": "nombre; drop table"}, "orden", "No se puede ordenar"),
])
def test_filtros_invalidos(app, valores, campo, texto):
    with pytest.raises(t.FiltroInvalido) as error:
        t.leer_filtros(valores, hoy=date(2026, 3, 8))
    assert error.value.campo == campo and texto in error.value.mensaje


def test_un_cliente_no_es_un_agente_del_filtro(app, crear_acreedor, crear_usuario):
    portal = crear_usuario("portal", rol="cliente", acreedor=crear_acreedor())
    with pytest.raises(t.FiltroInvalido):
        t.leer_filtros({"agente_id": str(portal.id)})


def test_dias_laborables():
    assert t.dias_laborables(DESDE, HASTA) == 5
    assert t.dias_laborables(date(2026, 3, 7), date(2026, 3, 8)) == 0  # a weekend


def test_agentes_lado_a_lado(escenario):
    filas = {f.usuario_id: f for f in t.agentes(_filtro())}
    ana, beto = filas[escenario.ana.id], filas[escenario.beto.id]
    assert (ana.gestiones, ana.contactos, ana.casos, ana.promesas) == (15, 5, 13, 3)
    assert ana.tasa_contacto == 33.3
    assert (ana.cumplidas, ana.vencidas, ana.cumplimiento) == (2, 3, 66.7)
    # Money stays per currency: pesos and dollars are never added together.
    assert ana.prometido == {"COP": Decimal("300000"), "USD": Decimal("100")}
    assert ana.recuperado == {"COP": Decimal("150000"), "USD": Decimal("50")}
    assert ana.horas == 3.0
    # Default goals (60/15/5 a day) × 5 working days.
    assert ana.metas == {"gestiones_dia": 300, "contactos_dia": 75, "promesas_dia": 25}
    assert ana.avance == 5
    assert (beto.gestiones, beto.tasa_contacto, beto.cumplimiento, beto.horas) == (20, 50.0, 0, 5.0)
    assert beto.recuperado == {"COP": Decimal("0")}


def test_filtros_de_acreedor_equipo_y_agente(escenario):
    solo_b = {f.usuario_id: f for f in t.agentes(_filtro(acreedor_id=escenario.b.id))}
    assert solo_b[escenario.ana.id].gestiones == 5
    assert solo_b[escenario.ana.id].recuperado == {"USD": Decimal("50")}
    assert solo_b[escenario.beto.id].gestiones == 0  # an active agent shows with no activity
    assert [f.usuario_id for f in t.agentes(_filtro(equipo_id=escenario.equipo.id))] == [
        escenario.ana.id]
    assert [f.usuario_id for f in t.agentes(_filtro(agente_id=escenario.beto.id))] == [
        escenario.beto.id]
    # Team and agent together: Beto is not in the team, nobody is left.
    assert t.agentes(_filtro(equipo_id=escenario.equipo.id, agente_id=escenario.beto.id)) == []


def test_orden_por_columna(escenario):
    assert [f.usuario_id for f in t.agentes(_filtro(orden="gestiones"))] == [
        escenario.beto.id, escenario.ana.id]
    assert [f.usuario_id for f in t.agentes(_filtro(orden="cumplimiento"))] == [
        escenario.ana.id, escenario.beto.id]


def test_metas_propias_y_por_defecto(escenario):
    assert t.metas_de(escenario.ana.id) == t.METAS_DEFECTO
    db.session.add_all([MetaAgente(usuario_id=None, gestiones_dia=40, contactos_dia=10,
                                   promesas_dia=3),
                        MetaAgente(usuario_id=escenario.ana.id, gestiones_dia=80,
                                   contactos_dia=20, promesas_dia=6)])
    db.session.commit()
    assert t.metas_de(escenario.ana.id)["gestiones_dia"] == 80
    assert t.metas_de(escenario.beto.id)["gestiones_dia"] == 40
    filas = {f.usuario_id: f for f in t.agentes(_filtro())}
    assert filas[escenario.ana.id].metas["gestiones_dia"] == 400
    assert filas[escenario.beto.id].metas["promesas_dia"] == 15


def test_tendencia_por_dia_y_por_acreedor(escenario):
    datos = t.tendencia(_filtro())
    assert datos["dias"][0] == DESDE and len(datos["dias"]) == 7
    assert datos["gestiones"] == [10, 25, 0, 0, 0, 0, 0]
    assert datos["recuperado"]["COP"][:2] == [Decimal("150000"), Decimal("0")]
    assert datos["recuperado"]["USD"][:2] == [Decimal("0"), Decimal("50")]
    por_nombre = {s["nombre"]: s for s in datos["acreedores"]}
    assert por_nombre["Acreedor AAA"]["gestiones"][:2] == [10, 20]
    assert por_nombre["Acreedor BBB"]["moneda"] == "USD"
    assert t.tendencia(_filtro(acreedor_id=escenario.a.id))["acreedores"] == []


def test_por_acreedor_y_cambios_de_etapa(escenario):
    acreedores, rodamiento = t.por_acreedor(_filtro())
    a, b = acreedores
    assert (a["nombre"], a["recuperado"], a["honorarios"], a["acuerdos"]) == (
        "Acreedor AAA", Decimal("150000"), Decimal("15000"), 2)
    assert a["quita_promedio"] == 10.0
    assert (b["moneda"], b["recuperado"], b["quita_promedio"]) == ("USD", Decimal("50"), None)
    assert rodamiento == [("prejuridico", "negociacion", 4), ("negociacion", "juridico", 2)]
    assert t.por_acreedor(_filtro(acreedor_id=escenario.b.id))[1] == []


def test_dias_de_un_agente(escenario):
    dias = t.dias_del_agente(escenario.ana.id, _filtro())
    assert len(dias) == 7
    assert (dias[0]["gestiones"], dias[0]["prometido"], dias[0]["horas"]) == (
        10, {"COP": Decimal("300000")}, 2.0)
    assert dias[1]["recuperado"] == {"USD": Decimal("50")}
    assert dias[2]["gestiones"] == 0


def test_hoy_en_vivo_cuenta_solo_lo_del_usuario_y_de_hoy(app, crear_acreedor, crear_usuario,
                                                         crear_caso):
    a = crear_acreedor()
    ana, otro = crear_usuario("ana"), crear_usuario("otro")
    caso = crear_caso(a, ana)
    antes_de_hoy = t.inicio_del_dia() - timedelta(minutes=5)
    db.session.add_all([
        Gestion(caso_id=caso.id, usuario_id=ana.id, canal="llamada", resultado="promesa_pago"),
        Gestion(caso_id=caso.id, usuario_id=ana.id, canal="llamada", resultado="no_contesta"),
        Gestion(caso_id=caso.id, usuario_id=ana.id, canal="llamada", resultado="titular_contactado",
                creado_en=antes_de_hoy),
        Gestion(caso_id=caso.id, usuario_id=otro.id, canal="llamada", resultado="negativa"),
        Promesa(acreedor_id=a.id, caso_id=caso.id, monto=Decimal("250000"), fecha=date.today(),
                creado_por=ana.id, creado_en=ahora()),
        Promesa(acreedor_id=a.id, caso_id=caso.id, monto=Decimal("999"), fecha=date.today(),
                creado_por=ana.id, creado_en=antes_de_hoy),
    ])
    db.session.commit()
    vivo = t.hoy_en_vivo(ana.id)
    assert (vivo["gestiones"], vivo["contactos"], vivo["promesas"]) == (2, 1, 1)
    assert vivo["prometido"] == {"COP": Decimal("250000")}
