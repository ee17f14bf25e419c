"""GET /api/v1/pagos, /liquidaciones/<mes> and /cartera: the token's acreedor only, amounts
as exact decimal text, strict parameters (400 naming the field), scopes and the rate limit."""

from datetime import timedelta
from decimal import Decimal

import pytest

from agencia.api.openapi import documento
from agencia.extensiones import db
from agencia.honorarios.servicios import guardar_configuracion
from agencia.metricas.modelos import MetricaCarteraDia
from agencia.pagos.reversion import reversar_pago
from agencia.pagos.servicios import registrar_pago
from agencia.promesas.modelos import Promesa
from agencia.promesas.servicios import hoy_local
from tests.api.conftest import cabecera
from tests.pagos.ayudas import HOY, crear_acuerdo

D = Decimal
TODOS = ("casos", "pagos", "liquidaciones", "cartera")
PORCENTAJES = {"prejuridico": D("10"), "negociacion": D("12.5"), "acuerdo": D("8"),
               "juridico": D("20")}
SECRETO = "Deudor Ajeno Secreto"


def _validar(nombre: str, datos) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = documento()
    esquema = {"components": doc["components"], "$ref": f"#/components/schemas/{nombre}"}
    jsonschema.Draft202012Validator(esquema).validate(datos)


def _error(respuesta, estado: int, codigo: str | None = None) -> dict:
    assert respuesta.status_code == estado, respuesta.get_data(as_text=True)
    _validar("Error", respuesta.get_json())
    cuerpo = respuesta.get_json()["error"]
    if codigo:
        assert cuerpo["codigo"] == codigo
    return cuerpo


@pytest.fixture
def mundo(crear_acreedor, crear_caso):
    """A (USD, with cents) with three payments, one of them reversed; B with its own."""
    a = crear_acreedor("AAA", moneda="USD")
    b = crear_acreedor("BBB", moneda="USD")
    for acreedor in (a, b):
        guardar_configuracion(acreedor, PORCENTAJES, ["gastos", "intereses", "capital"], 5, None)
    hoy = hoy_local()
    mes_pasado = hoy.replace(day=1) - timedelta(days=1)
    caso1 = crear_caso(a, capitales=("1000",), documento="111", etapa="prejuridico")
    caso2 = crear_caso(a, capitales=("500.25",), documento="222", etapa="negociacion")
    ajeno = crear_caso(b, capitales=("9999",), documento="999", nombre=SECRETO)
    pagos = {
        "hoy": registrar_pago(caso1, D("100.55"), hoy, "pse", "A-HOY", None),
        "viejo": registrar_pago(caso2, D("50"), mes_pasado, "transferencia", "A-VIEJO", None),
        "reversado": registrar_pago(caso1, D("20"), hoy, "pse", "A-REV", None),
        "ajeno": registrar_pago(ajeno, D("777"), hoy, "pse", "B-SECRETO", None),
    }
    db.session.commit()
    for clave in ("viejo", "reversado"):
        reversar_pago(pagos[clave], None, "Transferencia devuelta por el banco")
    db.session.commit()
    return {"a": a, "b": b, "caso1": caso1, "caso2": caso2, "ajeno": ajeno, "hoy": hoy,
            "mes_pasado": mes_pasado, "pagos": pagos}


# ---------------------------------------------------------------- pagos


def test_pagos_del_acreedor_por_paginas_sin_los_de_otro(app, cliente, mundo, crear_token):
    encabezado = cabecera(crear_token(mundo["a"], alcances=["pagos"]))
    anterior = app.config.get("API_POR_PAGINA")
    app.config["API_POR_PAGINA"] = 2
    try:
        primera = cliente.get("/api/v1/pagos", headers=encabezado)
        assert primera.status_code == 200
        datos = primera.get_json()
        _validar("ListaPagos", datos)
        assert (datos["pagina"], datos["por_pagina"], datos["total"]) == (1, 2, 3)
        # Newest first: today's two (latest id first), then last month's.
        assert [p["referencia_bancaria"] for p in datos["pagos"]] == ["A-REV", "A-HOY"]
        assert datos["siguiente"].startswith("/api/v1/pagos?") and "pagina=2" in datos["siguiente"]
        segunda = cliente.get(datos["siguiente"], headers=encabezado).get_json()
        assert [p["referencia_bancaria"] for p in segunda["pagos"]] == ["A-VIEJO"]
        assert segunda["siguiente"] is None
        vacia = cliente.get("/api/v1/pagos?pagina=3", headers=encabezado).get_json()
        assert vacia["pagos"] == [] and vacia["total"] == 3 and vacia["siguiente"] is None
        grande = cliente.get("/api/v1/pagos?por_pagina=3", headers=encabezado)
        _error(grande, 400, "parametro_invalido")
    finally:
        if anterior is None:
            del app.config["API_POR_PAGINA"]
        else:
            app.config["API_POR_PAGINA"] = anterior

    todo = cliente.get("/api/v1/pagos", headers=encabezado)
    texto = todo.get_data(as_text=True)
    assert "B-SECRETO" not in texto and "999" not in texto and "777" not in texto
    hoy = {p["referencia_bancaria"]: p for p in todo.get_json()["pagos"]}["A-HOY"]
    assert hoy == {
        "id": mundo["pagos"]["hoy"].id, "fecha": mundo["hoy"].isoformat(), "monto": "100.55",
        "aplicado": "100.55", "credito": "0.00", "moneda": "USD", "estado": "aplicado",
        "metodo": "pse", "referencia_bancaria": "A-HOY", "etapa": "prejuridico",
        "reversado_en": None,
        "caso": {"id": mundo["caso1"].id, "referencias": [mundo["caso1"].obligaciones[0]
                                                          .referencia],
                 "deudor": {"tipo_documento": "CC", "numero_documento": "111"}},
    }
    viejo = {p["referencia_bancaria"]: p for p in todo.get_json()["pagos"]}["A-VIEJO"]
    assert viejo["estado"] == "reversado" and viejo["reversado_en"] is not None


def test_pagos_filtrados_por_fechas(cliente, mundo, crear_token):
    encabezado = cabecera(crear_token(mundo["a"], alcances=["pagos"]))
    hoy, pasado = mundo["hoy"].isoformat(), mundo["mes_pasado"].isoformat()

    def referencias(consulta):
        respuesta = cliente.get(f"/api/v1/pagos?{consulta}", headers=encabezado)
        assert respuesta.status_code == 200, respuesta.get_data(as_text=True)
        return sorted(p["referencia_bancaria"] for p in respuesta.get_json()["pagos"])

    assert referencias(f"desde={hoy}") == ["A-HOY", "A-REV"]
    assert referencias(f"hasta={pasado}") == ["A-VIEJO"]
    assert referencias(f"desde={pasado}&hasta={pasado}") == ["A-VIEJO"]
    assert referencias(f"desde={pasado}&hasta={hoy}") == ["A-HOY", "A-REV", "A-VIEJO"]
    siguiente = cliente.get(f"/api/v1/pagos?desde={pasado}&por_pagina=1",
                            headers=encabezado).get_json()["siguiente"]
    assert f"desde={pasado}" in siguiente and "por_pagina=1" in siguiente


@pytest.mark.parametrize(("consulta", "campo"), [
    ("desde=2025-13-01", "desde"),
    ("desde=2025-02-30", "desde"),
    ("hasta=20250101", "hasta"),
    ("desde=ayer", "desde"),
    ("desde=2025-03-01&hasta=2025-02-01", "desde"),
    ("pagina=0", "pagina"),
    ("pagina=dos", "pagina"),
    ("pagina=-1", "pagina"),
    ("por_pagina=0", "por_pagina"),
    ("por_pagina=101", "por_pagina"),
    ("desde=2025-01-01&desde=2025-02-01", "desde"),
    ("fecha=2025-01-01", "fecha"),
])
def test_pagos_con_parametros_invalidos_dan_400(cliente, crear_acreedor, crear_token,
                                                consulta, campo):
    encabezado = cabecera(crear_token(crear_acreedor(), alcances=["pagos"]))
    cuerpo = _error(cliente.get(f"/api/v1/pagos?{consulta}", headers=encabezado), 400,
                    "parametro_invalido")
    assert cuerpo["detalles"][0]["campo"] == campo
    assert f"«{campo}»" in cuerpo["mensaje"]


# ---------------------------------------------------------------- liquidaciones


def test_liquidacion_del_mes(cliente, mundo, crear_token):
    hoy = mundo["hoy"]
    respuesta = cliente.get(f"/api/v1/liquidaciones/{hoy:%Y-%m}",
                            headers=cabecera(crear_token(mundo["a"], alcances=["liquidaciones"])))
    assert respuesta.status_code == 200, respuesta.get_data(as_text=True)
    datos = respuesta.get_json()
    _validar("Liquidacion", datos)
    assert SECRETO not in respuesta.get_data(as_text=True)
    assert "777" not in respuesta.get_data(as_text=True)
    assert (datos["mes"], datos["moneda"], datos["desde"]) == (
        f"{hoy:%Y-%m}", "USD", hoy.replace(day=1).isoformat())
    # 100.55 and 20 at 10% (10.06 rounded half up, 2.00); 20 reversed today; last month's
    # 50 (12.5%, negociacion) reversed today too.
    lineas = sorted((ln["tipo"], ln["monto"], ln["porcentaje"], ln["honorario"])
                    for ln in datos["lineas"])
    assert lineas == [("pago", "100.55", "10.00", "10.06"), ("pago", "20.00", "10.00", "2.00"),
                      ("reversa", "-20.00", "10.00", "-2.00"),
                      ("reversa", "-50.00", "12.50", "-6.25")]
    assert (datos["recuperado"], datos["honorarios"], datos["neto"]) == (
        "50.55", "3.81", "46.74")
    linea = next(ln for ln in datos["lineas"] if ln["monto"] == "100.55")
    assert linea["caso_id"] == mundo["caso1"].id and linea["documento"] == "CC 111"
    assert linea["referencias"] == [mundo["caso1"].obligaciones[0].referencia]


def test_liquidacion_de_un_mes_sin_movimientos(cliente, mundo, crear_token):
    respuesta = cliente.get("/api/v1/liquidaciones/2020-01",
                            headers=cabecera(crear_token(mundo["a"], alcances=["liquidaciones"])))
    assert respuesta.status_code == 200
    datos = respuesta.get_json()
    _validar("Liquidacion", datos)
    assert (datos["recuperado"], datos["honorarios"], datos["neto"]) == ("0.00", "0.00", "0.00")
    assert datos["lineas"] == [] and datos["hasta"] == "2020-01-31"


@pytest.mark.parametrize("mes", ["2026-13", "2026-1", "enero", "1999-12", "9999-01",
                                 "2026-01-01"])
def test_liquidacion_con_mes_invalido_da_400(cliente, crear_acreedor, crear_token, mes):
    encabezado = cabecera(crear_token(crear_acreedor(), alcances=["liquidaciones"]))
    cuerpo = _error(cliente.get(f"/api/v1/liquidaciones/{mes}", headers=encabezado), 400,
                    "parametro_invalido")
    assert cuerpo["detalles"] == [{"campo": "mes", "motivo": cuerpo["mensaje"]}]


# ---------------------------------------------------------------- cartera


def test_resumen_de_cartera(cliente, mundo, crear_token):
    a, b, hoy = mundo["a"], mundo["b"], mundo["hoy"]
    db.session.add_all([
        MetricaCarteraDia(fecha=hoy - timedelta(days=5), acreedor_id=a.id, etapa="prejuridico",
                          tramo="0-30", casos=99, saldo=D("1")),
        MetricaCarteraDia(fecha=hoy - timedelta(days=1), acreedor_id=a.id, etapa="prejuridico",
                          tramo="31-60", casos=1, saldo=D("899.45")),
        MetricaCarteraDia(fecha=hoy - timedelta(days=1), acreedor_id=a.id, etapa="negociacion",
                          tramo="31-60", casos=1, saldo=D("500.25")),
        MetricaCarteraDia(fecha=hoy - timedelta(days=1), acreedor_id=a.id, etapa="negociacion",
                          tramo="361+", casos=3, saldo=D("10.10")),
        MetricaCarteraDia(fecha=hoy, acreedor_id=b.id, etapa="prejuridico", tramo="0-30",
                          casos=7, saldo=D("9999")),
    ])
    db.session.commit()
    respuesta = cliente.get("/api/v1/cartera",
                            headers=cabecera(crear_token(a, alcances=["cartera"])))
    assert respuesta.status_code == 200, respuesta.get_data(as_text=True)
    datos = respuesta.get_json()
    _validar("Cartera", datos)
    assert "9999" not in respuesta.get_data(as_text=True)
    assert (datos["moneda"], datos["casos"], datos["saldo"]) == ("USD", 2, "1399.70")
    etapas = {e["etapa"]: (e["casos"], e["saldo"]) for e in datos["etapas"]}
    assert etapas["prejuridico"] == (1, "899.45") and etapas["negociacion"] == (1, "500.25")
    assert etapas["juridico"] == (0, "0.00")
    assert datos["mora"]["fecha"] == (hoy - timedelta(days=1)).isoformat()
    tramos = {t["tramo"]: (t["casos"], t["saldo"]) for t in datos["mora"]["tramos"]}
    assert tramos == {"0-30": (0, "0.00"), "31-60": (2, "1399.70"), "61-90": (0, "0.00"),
                      "91-180": (0, "0.00"), "181-360": (0, "0.00"), "361+": (3, "10.10")}
    # Received this month: 100.55 + 20; reversed this month: 20 and last month's 50.
    assert datos["recuperado_mes"] == {
        "desde": hoy.replace(day=1).isoformat(), "hasta": hoy.isoformat(),
        "recibido": "120.55", "reversado": "70.00", "recuperado": "50.55"}


def test_cartera_sin_foto_ni_pagos(cliente, crear_acreedor, crear_token, crear_caso):
    acme = crear_acreedor()
    crear_caso(acme, capitales=("1234567",))
    respuesta = cliente.get("/api/v1/cartera",
                            headers=cabecera(crear_token(acme, alcances=["cartera"])))
    datos = respuesta.get_json()
    _validar("Cartera", datos)
    assert datos["mora"] is None and datos["saldo"] == "1234567.00" and datos["casos"] == 1
    assert datos["recuperado_mes"]["recuperado"] == "0.00"
    _error(cliente.get("/api/v1/cartera?etapa=x",
                       headers=cabecera(crear_token(acme, alcances=["cartera"]))), 400)


# ---------------------------------------------------------------- scopes, limits, caso


@pytest.mark.parametrize(("url", "falta"), [("/api/v1/pagos", "pagos"),
                                            ("/api/v1/liquidaciones/2025-01", "liquidaciones"),
                                            ("/api/v1/cartera", "cartera")])
def test_sin_el_alcance_da_403(cliente, crear_acreedor, crear_token, url, falta):
    acme = crear_acreedor()
    texto = crear_token(acme, alcances=[a for a in TODOS if a != falta])
    cuerpo = _error(cliente.get(url, headers=cabecera(texto)), 403, "sin_alcance")
    assert cuerpo["detalles"] == [{"alcance_requerido": falta}]
    _error(cliente.get(url), 401, "no_autenticado")


def test_limite_de_solicitudes_en_consultas(app, cliente, crear_acreedor, crear_token):
    texto = crear_token(crear_acreedor(), alcances=TODOS)
    anterior = app.config.get("API_RATELIMIT")
    app.config["API_RATELIMIT"] = "3 per minute"
    try:
        codigos = [cliente.get(url, headers=cabecera(texto)).status_code
                   for url in ("/api/v1/pagos", "/api/v1/cartera",
                               "/api/v1/liquidaciones/2025-01", "/api/v1/pagos")]
        assert codigos == [200, 200, 200, 429]
    finally:
        app.config["API_RATELIMIT"] = anterior


def test_caso_informa_acuerdo_y_promesa(cliente, crear_acreedor, crear_token, crear_caso):
    acme = crear_acreedor()
    con_acuerdo, con_promesa = crear_caso(acme), crear_caso(acme)
    crear_acuerdo(con_acuerdo, ["100", "200", "300"])
    hoy = hoy_local()
    db.session.add_all([
        Promesa(acreedor_id=acme.id, caso_id=con_promesa.id, monto=D("5000"),
                fecha=hoy + timedelta(days=9), estado="pendiente"),
        Promesa(acreedor_id=acme.id, caso_id=con_promesa.id, monto=D("4000"),
                fecha=hoy + timedelta(days=3), estado="pendiente"),
        Promesa(acreedor_id=acme.id, caso_id=con_promesa.id, monto=D("1"),
                fecha=hoy - timedelta(days=3), estado="incumplida"),
    ])
    db.session.commit()
    encabezado = cabecera(crear_token(acme, alcances=["casos"]))

    datos = cliente.get(f"/api/v1/casos/{con_acuerdo.obligaciones[0].referencia}",
                        headers=encabezado).get_json()
    _validar("Caso", datos)
    assert datos["caso"]["etapa"] == "acuerdo" and datos["promesa"] is None
    acuerdo = datos["acuerdo"]
    assert (acuerdo["estado"], acuerdo["total_acordado"], acuerdo["pagado"],
            acuerdo["pendiente"], acuerdo["numero_cuotas"]) == (
        "vigente", "600.00", "0.00", "600.00", 2)
    assert acuerdo["proxima_cuota"] == {"fecha": HOY.isoformat(), "monto": "100.00"}

    datos = cliente.get(f"/api/v1/casos/{con_promesa.obligaciones[0].referencia}",
                        headers=encabezado).get_json()
    _validar("Caso", datos)
    assert datos["acuerdo"] is None
    assert datos["promesa"] == {"fecha": (hoy + timedelta(days=3)).isoformat(),
                                "monto": "4000.00"}


def test_cada_ruta_del_blueprint_esta_documentada_con_su_alcance(app):
    from agencia.api.modelos import ALCANCES

    doc = documento()
    consultas = {"/pagos": "pagos", "/liquidaciones/{mes}": "liquidaciones",
                 "/cartera": "cartera"}
    for ruta, alcance in consultas.items():
        operacion = doc["paths"][ruta]["get"]
        assert operacion["x-alcance"] == alcance and alcance in ALCANCES
        assert {"200", "400", "401", "403", "429"} <= set(operacion["responses"])
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    documentadas = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
    assert len(endpoints) == len(documentadas)
    assert all(r.rule.startswith("/api/v1/") for r in app.url_map.iter_rules()
               if r.endpoint.startswith("api."))


@pytest.mark.parametrize("url", ["/api/v1/pagos", "/api/v1/cartera",
                                 "/api/v1/liquidaciones/2026-03"])
def test_pedir_otro_acreedor_por_parametro_da_404(cliente, mundo, crear_token, url):
    encabezado = cabecera(crear_token(mundo["a"], alcances=TODOS))
    respuesta = cliente.get(f"{url}?acreedor_id={mundo['b'].id}", headers=encabezado)
    cuerpo = _error(respuesta, 404, "no_encontrado")
    assert SECRETO not in str(cuerpo) and "B-SECRETO" not in respuesta.get_data(as_text=True)
