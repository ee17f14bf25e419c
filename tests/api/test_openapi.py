"""The OpenAPI document: served without a token, describing every /api/v1 route."""

import json
import re

import pytest

from agencia.api.openapi import documento


def test_se_sirve_sin_token(cliente):
    respuesta = cliente.get("/api/v1/openapi.json")
    assert respuesta.status_code == 200 and respuesta.is_json
    assert respuesta.get_json()["openapi"].startswith("3.1")


def test_describe_cada_ruta_y_metodo(app):
    doc = documento()
    faltan = []
    for regla in app.url_map.iter_rules():
        if not regla.rule.startswith("/api/v1/"):
            continue
        ruta = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", regla.rule[len("/api/v1"):])
        for metodo in regla.methods - {"HEAD", "OPTIONS"}:
            if metodo.lower() not in doc["paths"].get(ruta, {}):
                faltan.append(f"{metodo} {ruta}")
    assert not faltan, "Rutas sin describir en agencia/api/openapi.py: " + ", ".join(faltan)
    descritas = {(ruta, metodo) for ruta, ops in doc["paths"].items() for metodo in ops}
    assert len(descritas) == sum(
        len(r.methods - {"HEAD", "OPTIONS"}) for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/"))


def _refs(nodo):
    if isinstance(nodo, dict):
        for clave, valor in nodo.items():
            if clave == "$ref":
                yield valor
            else:
                yield from _refs(valor)
    elif isinstance(nodo, list):
        for valor in nodo:
            yield from _refs(valor)


def test_referencias_resuelven_y_seguridad_declarada():
    doc = documento()
    json.dumps(doc)  # plain JSON
    for ref in _refs(doc):
        nodo = doc
        for parte in ref.removeprefix("#/").split("/"):
            assert parte in nodo, f"$ref sin destino: {ref}"
            nodo = nodo[parte]
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["codigo", "mensaje", "detalles"]
    for ruta, operaciones in doc["paths"].items():
        for operacion in operaciones.values():
            assert operacion["responses"], ruta
            if ruta != "/openapi.json":
                assert "401" in operacion["responses"] and "429" in operacion["responses"]


def test_esquemas_son_json_schema_validos():
    jsonschema = pytest.importorskip("jsonschema")
    for esquema in documento()["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(esquema)


def test_respuestas_reales_cumplen_sus_esquemas(cliente, crear_acreedor, crear_token,
                                                crear_caso):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.api.conftest import cabecera

    doc = documento()

    def validar(nombre, datos):
        esquema = {"components": doc["components"], "$ref": f"#/components/schemas/{nombre}"}
        jsonschema.Draft202012Validator(esquema).validate(datos)

    acme = crear_acreedor()
    caso = crear_caso(acme)
    encabezado = cabecera(crear_token(acme))
    fila = {"referencia": "S-1", "numero_documento": "5", "nombre": "Ana",
            "fecha_vencimiento": "2025-01-31", "capital": 100}
    validar("SolicitudAsignacion", {"filas": [fila]})
    validar("ReporteAsignacion", cliente.post("/api/v1/asignaciones", json={"filas": [fila]},
                                              headers=encabezado).get_json())
    malo = cliente.post("/api/v1/asignaciones", json={"filas": [{**fila, "capital": "x"}]},
                        headers=encabezado)
    validar("Error", malo.get_json())
    validar("ReporteDevolucion", cliente.post(
        "/api/v1/devoluciones", json={"referencias": [caso.obligaciones[0].referencia, "Z"]},
        headers=encabezado).get_json())
    validar("Caso", cliente.get(f"/api/v1/casos/{caso.obligaciones[0].referencia}",
                                headers=encabezado).get_json())
