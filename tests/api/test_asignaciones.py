"""POST /api/v1/asignaciones: the file importer's validation, for JSON rows."""

from sqlalchemy import func, select

from agencia.casos.modelos import Caso, Obligacion
from agencia.extensiones import db
from tests.api.conftest import cabecera


def _fila(n: int, **extra) -> dict:
    return {"referencia": f"API-{n}", "tipo_documento": "CC", "numero_documento": f"7000{n}",
            "nombre": f"Deudor Api {n}", "fecha_vencimiento": "2025-12-31",
            "capital": "1.234.567,89", "telefono": "3001234567", **extra}


def _contar(modelo, acreedor_id):
    return db.session.scalar(select(func.count(modelo.id)).where(
        modelo.acreedor_id == acreedor_id))


def test_crea_casos_del_acreedor_del_token_y_repetir_no_cambia_nada(
        cliente, crear_acreedor, crear_token, crear_usuario):
    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    crear_usuario("ana")
    texto = crear_token(acme)
    cuerpo = {"filas": [_fila(1), _fila(2, capital=1500000),
                        {**_fila(3), "cedula": None, "numero_documento": "70001",
                         "Valor": None}],
              "referencia_lote": "L-2026-01", "acreedor_id": otro.id}
    cuerpo["filas"][2] = {k: v for k, v in cuerpo["filas"][2].items() if v is not None}

    respuesta = cliente.post("/api/v1/asignaciones", json=cuerpo, headers=cabecera(texto))
    assert respuesta.status_code == 201, respuesta.get_data(as_text=True)
    datos = respuesta.get_json()
    assert datos["importado"] and not datos["ya_importado"]
    assert datos["obligaciones_nuevas"] == 3 and datos["casos_nuevos"] == 2
    assert datos["referencia_lote"] == "L-2026-01" and datos["rechazos"] == []
    assert _contar(Caso, acme.id) == 2 and _contar(Obligacion, acme.id) == 3
    assert _contar(Caso, otro.id) == 0  # the acreedor comes from the token, never the body
    capital = db.session.scalar(select(Obligacion.capital).where(
        Obligacion.referencia == "API-1"))
    assert str(capital) == "1234567.89"

    otra_vez = cliente.post("/api/v1/asignaciones", json=cuerpo, headers=cabecera(texto))
    assert otra_vez.status_code == 200
    assert otra_vez.get_json()["ya_importado"] is True
    assert otra_vez.get_json()["lote_id"] == datos["lote_id"]
    assert _contar(Caso, acme.id) == 2 and _contar(Obligacion, acme.id) == 3


def test_filas_invalidas_dan_422_con_fila_columna_y_motivo(cliente, crear_acreedor,
                                                          crear_token):
    acme = crear_acreedor()
    texto = crear_token(acme)
    filas = [_fila(1), _fila(2, capital="-5"), _fila(3, fecha_vencimiento="31/02/2026"),
             {k: v for k, v in _fila(4).items() if k != "nombre"}]
    respuesta = cliente.post("/api/v1/asignaciones", json={"filas": filas},
                             headers=cabecera(texto))
    assert respuesta.status_code == 422
    error = respuesta.get_json()["error"]
    assert error["codigo"] == "filas_rechazadas"
    por_fila = {(d["fila"], d["columna"]) for d in error["detalles"]}
    assert {(2, "capital"), (3, "fecha_vencimiento"), (4, "nombre")} <= por_fila
    assert all(d["motivo"] for d in error["detalles"])
    assert _contar(Obligacion, acme.id) == 0  # all or nothing

    parcial = cliente.post("/api/v1/asignaciones", json={"filas": filas, "todo_o_nada": False},
                           headers=cabecera(texto))
    assert parcial.status_code == 201
    assert parcial.get_json()["filas_rechazadas"] == 3
    assert _contar(Obligacion, acme.id) == 1


def test_forma_del_cuerpo(app, cliente, crear_acreedor, crear_token):
    texto = crear_token(crear_acreedor())

    def enviar(cuerpo):
        return cliente.post("/api/v1/asignaciones", json=cuerpo, headers=cabecera(texto))

    assert enviar({}).status_code == 400
    assert enviar({"filas": "no"}).get_json()["error"]["detalles"][0]["campo"] == "filas"
    assert enviar({"filas": []}).status_code == 422
    assert enviar({"filas": [1]}).status_code == 400
    anidado = enviar({"filas": [_fila(1, nombre={"a": 1})]})
    assert anidado.status_code == 400
    assert anidado.get_json()["error"]["detalles"][0] == {
        "fila": 1, "columna": "nombre", "motivo": "el valor debe ser texto o número"}
    assert enviar({"filas": [_fila(1)], "todo_o_nada": "si"}).status_code == 400
    app.config["API_MAXIMO_FILAS"] = 2
    try:
        grande = enviar({"filas": [_fila(n) for n in range(3)]})
    finally:
        del app.config["API_MAXIMO_FILAS"]
    assert grande.status_code == 413
    assert grande.get_json()["error"]["codigo"] == "demasiadas_filas"


def test_cuerpo_de_mas_de_10000_filas_da_413(cliente, crear_acreedor, crear_token):
    texto = crear_token(crear_acreedor())
    filas = [{"referencia": f"R{n}"} for n in range(10_001)]
    respuesta = cliente.post("/api/v1/asignaciones", json={"filas": filas},
                             headers=cabecera(texto))
    assert respuesta.status_code == 413
