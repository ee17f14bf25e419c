"""Security headers on every kind of answer: HTML pages, the JSON API, a PDF download and
the error pages; HSTS when served over HTTPS."""

import io

import pytest
from sqlalchemy import select

from agencia.documentos.modelos import Documento
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _revisar(respuesta, https: bool = False) -> None:
    cabeceras = respuesta.headers
    csp = cabeceras.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert cabeceras.get("X-Content-Type-Options") == "nosniff"
    assert cabeceras.get("X-Frame-Options") == "DENY" or "frame-ancestors 'none'" in csp
    assert cabeceras.get("Referrer-Policy") in ("same-origin", "no-referrer",
                                                "strict-origin-when-cross-origin")
    if https:
        assert "max-age=31536000" in cabeceras.get("Strict-Transport-Security", "")
    else:
        assert "Strict-Transport-Security" not in cabeceras


@pytest.fixture
def documento(app, tmp_path, monkeypatch, cliente, crear_acreedor, crear_usuario, crear_caso):
    """A PDF attached to a caso by its agent (logged in on `cliente`): its download URL."""
    monkeypatch.setitem(app.config, "ALMACEN_ARCHIVOS", tmp_path / "archivos")
    acme = crear_acreedor("ACME")
    caso = crear_caso(acme, crear_usuario("ana"))
    ingresar(cliente, "ana")
    datos = {"documento-tipo": "contrato", "documento-obligacion_id": "",
             "documento-csrf_token": token_csrf(cliente, f"/casos/{caso.id}"),
             "documento-archivo": (io.BytesIO(PDF), "contrato.pdf")}
    subida = cliente.post(f"/casos/{caso.id}/documentos", data=datos,
                          content_type="multipart/form-data")
    assert subida.status_code == 302
    return f"/documentos/{db.session.scalar(select(Documento.id))}"


def test_pagina_html(cliente):
    respuesta = cliente.get("/ingresar")
    assert respuesta.status_code == 200 and respuesta.mimetype == "text/html"
    _revisar(respuesta)


def test_api_json(cliente):
    respuesta = cliente.get("/api/v1/pagos")
    assert respuesta.status_code == 401 and respuesta.is_json
    _revisar(respuesta)


def test_descarga_pdf(cliente, documento):
    respuesta = cliente.get(documento)
    assert respuesta.status_code == 200 and respuesta.mimetype == "application/pdf"
    assert respuesta.data == PDF
    _revisar(respuesta)


def test_paginas_de_error(cliente):
    no_existe = cliente.get("/no-existe")
    assert no_existe.status_code == 404
    _revisar(no_existe)
    sin_token = cliente.post("/ingresar", data={"usuario": "x", "clave": "y"})
    assert sin_token.status_code == 400
    _revisar(sin_token)


def test_hsts_solo_por_https(cliente):
    _revisar(cliente.get("/ingresar", base_url="https://agencia.example"), https=True)
    _revisar(cliente.get("/ingresar"), https=False)
    _revisar(cliente.get("/no-existe", base_url="https://agencia.example"), https=True)


def test_detras_de_un_proxy_https_se_envia_hsts(app):
    """With PROXY_SALTOS=1 (nginx in front), X-Forwarded-Proto: https makes the request
    secure, so HSTS is sent; without the setting the header is not trusted."""
    from agencia import create_app
    from agencia.config import ConfigPruebas

    for saltos, esperado in ((1, True), (0, False)):
        otra = create_app(ConfigPruebas, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          REDIS_URL=app.config["REDIS_URL"], PROXY_SALTOS=saltos)
        respuesta = otra.test_client().get("/ingresar", headers={"X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in respuesta.headers) is esperado, saltos
