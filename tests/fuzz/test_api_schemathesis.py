"""Schemathesis against the API's own OpenAPI document (/api/v1/openapi.json).

Each operation gets generated requests, valid ones (positive) and junk (negative), with a
token holding every alcance: the API must never answer 5xx, and what it answers must be what
the document says (status codes, content type and, for valid requests, the body's schema).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencia.api.openapi import documento
from tests.fuzz.conftest import WsgiAislada

_DOCUMENTO = documento()["paths"]
OPERACIONES = sorted(f"{metodo.upper()} {ruta}" for ruta, operaciones in _DOCUMENTO.items()
                     for metodo in operaciones)
# Junk needs something to spoil: a parameter or a body.
CON_ENTRADA = sorted(f"{metodo.upper()} {ruta}" for ruta, operaciones in _DOCUMENTO.items()
                     for metodo, operacion in operaciones.items()
                     if operacion.get("parameters") or operacion.get("requestBody"))
CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, status_code_conformance,
                              content_type_conformance, response_schema_conformance],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance,
                              content_type_conformance],
}
AJUSTES = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(("etiqueta", "modo"), [
    *[pytest.param(e, GenerationMode.POSITIVE, id=f"{e} validos") for e in OPERACIONES],
    *[pytest.param(e, GenerationMode.NEGATIVE, id=f"{e} basura") for e in CON_ENTRADA],
])
def test_la_api_nunca_responde_5xx_y_cumple_su_documento(app, api_sin_limite, token_total,
                                                         etiqueta, modo):
    esquema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WsgiAislada(app))
    operacion = esquema.find_operation_by_label(etiqueta)
    assert operacion is not None, f"{etiqueta} no está en el documento servido"
    cabeceras = {"Authorization": f"Bearer {token_total}"}

    @AJUSTES
    @given(operacion.as_strategy(generation_mode=modo, headers=cabeceras))
    def probar(case):
        case.call_and_validate(headers=cabeceras, checks=CHECKS[modo])

    probar()


@pytest.mark.parametrize(("etiqueta", "parametros"), [
    ("GET /casos/{referencia}", {"referencia": "FUZ-1-0"}),
    ("GET /liquidaciones/{mes}", {"mes": "2026-01"}),
])
def test_las_respuestas_200_cumplen_el_esquema_documentado(app, api_sin_limite, token_total,
                                                         etiqueta, parametros):
    """Random path values mostly miss (404, 400): these hit real data, so the 200 body is
    checked against the document too."""
    esquema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WsgiAislada(app))
    operacion = esquema.find_operation_by_label(etiqueta)
    cabeceras = {"Authorization": f"Bearer {token_total}"}
    caso = operacion.Case(path_parameters=parametros, headers=cabeceras)
    respuesta = caso.call_and_validate(headers=cabeceras, checks=CHECKS[GenerationMode.POSITIVE])
    assert respuesta.status_code == 200


def test_un_caracter_nulo_o_un_json_muy_anidado_no_dan_500(cliente, api_sin_limite, token_total):
    """Regression: PostgreSQL text cannot hold NUL (a JSON string with \\u0000 was a 500 there),
    and json.loads gives up on very deep nesting with RecursionError (a 500 everywhere)."""
    cabeceras = {"Authorization": f"Bearer {token_total}"}
    fila = {"referencia": "X\u0000", "numero_documento": "123", "nombre": "Ana\u0000",
            "fecha_vencimiento": "2026-01-15", "capital": "1000"}
    asignacion = cliente.post("/api/v1/asignaciones", json={"filas": [fila]}, headers=cabeceras)
    devolucion = cliente.post("/api/v1/devoluciones", json={"referencias": ["FUZ-1-0\u0000"],
                                                            "motivo": "\u0000"}, headers=cabeceras)
    caso = cliente.get("/api/v1/casos/FUZ%00", headers=cabeceras)
    anidado = cliente.post("/api/v1/devoluciones", data="[" * 100_000 + "]" * 100_000,
                           headers=cabeceras, content_type="application/json")
    assert asignacion.status_code == 400 and asignacion.json["error"]["codigo"] == "cuerpo_invalido"
    assert devolucion.status_code == 400
    assert caso.status_code == 404
    assert anidado.status_code == 400 and anidado.json["error"]["codigo"] == "json_invalido"
