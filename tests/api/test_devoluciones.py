"""POST /api/v1/devoluciones: the recall report, for the token's acreedor only."""

from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from tests.api.conftest import cabecera
from tests.conftest import ingresar


def test_devolucion_por_api(app, cliente, crear_acreedor, crear_token, crear_caso,
                            crear_usuario):
    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    ana = crear_usuario("ana")
    caso, queda = crear_caso(acme, ana, nombre="Deudor Devuelto"), crear_caso(acme, ana)
    ajeno = crear_caso(otro, ana)
    texto = crear_token(acme, nombre="ERP Acme")
    cuerpo = {"referencias": [caso.obligaciones[0].referencia, ajeno.obligaciones[0].referencia,
                              "NO-EXISTE"], "motivo": "Pagó directamente al acreedor"}

    respuesta = cliente.post("/api/v1/devoluciones", json=cuerpo, headers=cabecera(texto))
    assert respuesta.status_code == 200
    datos = respuesta.get_json()
    assert datos["casos_devueltos"] == 1 and datos["no_encontradas"] == 2
    assert [ln["resultado"] for ln in datos["lineas"]] == ["devuelto", "no_encontrada",
                                                          "no_encontrada"]
    db.session.expire_all()
    assert db.session.get(Caso, caso.id).etapa == "devuelto"
    assert db.session.get(Caso, queda.id).etapa == "prejuridico"
    assert db.session.get(Caso, ajeno.id).etapa == "prejuridico"
    entrada = db.session.scalar(select(Auditoria).where(Auditoria.accion == "caso.devolver"))
    assert entrada.usuario_id is None and entrada.despues["origen"] == "api"

    agente = app.test_client()
    ingresar(agente, "ana")
    assert "Deudor Devuelto" not in agente.get("/mi-dia").get_data(as_text=True)

    otra_vez = cliente.post("/api/v1/devoluciones", json=cuerpo, headers=cabecera(texto))
    assert otra_vez.get_json()["lineas"][0]["resultado"] == "ya_devuelto"
    assert otra_vez.get_json()["casos_devueltos"] == 0


def test_validacion_del_cuerpo(cliente, crear_acreedor, crear_token):
    texto = crear_token(crear_acreedor())

    def enviar(cuerpo):
        return cliente.post("/api/v1/devoluciones", json=cuerpo, headers=cabecera(texto))

    assert enviar({}).status_code == 400
    assert enviar({"referencias": "R1"}).status_code == 400
    assert enviar({"referencias": [{"r": 1}]}).status_code == 400
    vacia = enviar({"referencias": []})
    assert vacia.status_code == 422 and vacia.get_json()["error"]["codigo"] == "validacion"
    assert enviar({"referencias": ["R"], "motivo": 5}).status_code == 400
    assert enviar({"referencias": ["R"], "motivo": "x" * 501}).status_code == 422
    assert enviar({"referencias": [f"R{n}" for n in range(5001)]}).status_code == 413
