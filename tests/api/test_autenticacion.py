"""API authentication, scopes, tenancy and the JSON error shape."""

from datetime import timedelta

from agencia.api.modelos import TokenApi
from agencia.extensiones import db
from agencia.tipos import ahora
from tests.api.conftest import cabecera


def _error(respuesta, estado: int, codigo: str | None = None):
    assert respuesta.status_code == estado, respuesta.get_data(as_text=True)
    assert respuesta.is_json
    cuerpo = respuesta.get_json()["error"]
    assert set(cuerpo) == {"codigo", "mensaje", "detalles"}
    if codigo:
        assert cuerpo["codigo"] == codigo
    return cuerpo


def test_sin_token_token_malo_y_revocado_dan_401(cliente, crear_acreedor, crear_token,
                                                 crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    url = f"/api/v1/casos/{caso.obligaciones[0].referencia}"
    sin = cliente.get(url)
    assert "Authorization" in _error(sin, 401, "no_autenticado")["mensaje"]
    assert sin.headers["WWW-Authenticate"].startswith("Bearer")
    _error(cliente.get(url, headers=cabecera("agc_inventado")), 401, "token_invalido")
    _error(cliente.get(url, headers={"Authorization": "Basic abc"}), 401, "token_invalido")

    texto = crear_token(acme)
    assert cliente.get(url, headers=cabecera(texto)).status_code == 200
    token = db.session.query(TokenApi).one()
    token.revocado_en = ahora()
    db.session.commit()
    _error(cliente.get(url, headers=cabecera(texto)), 401, "token_revocado")


def test_falta_de_alcance_da_403(cliente, crear_acreedor, crear_token, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    texto = crear_token(acme, alcances=["asignaciones"])
    cuerpo = _error(cliente.get(f"/api/v1/casos/{caso.obligaciones[0].referencia}",
                                headers=cabecera(texto)), 403, "sin_alcance")
    assert "casos" in cuerpo["mensaje"]
    _error(cliente.post("/api/v1/devoluciones", json={"referencias": ["X"]},
                        headers=cabecera(texto)), 403, "sin_alcance")


def test_token_de_a_no_toca_casos_de_b(cliente, crear_acreedor, crear_token, crear_caso):
    a, b = crear_acreedor("AAA"), crear_acreedor("BBB")
    caso_b = crear_caso(b)
    referencia_b = caso_b.obligaciones[0].referencia
    texto_a = crear_token(a)

    _error(cliente.get(f"/api/v1/casos/{referencia_b}", headers=cabecera(texto_a)), 404,
           "no_encontrado")
    respuesta = cliente.post("/api/v1/devoluciones", json={"referencias": [referencia_b]},
                             headers=cabecera(texto_a))
    assert respuesta.status_code == 200
    linea = respuesta.get_json()["lineas"][0]
    assert linea["resultado"] == "no_encontrada" and linea["caso_id"] is None
    db.session.expire_all()
    assert db.session.get(type(caso_b), caso_b.id).etapa == "prejuridico"


def test_consulta_de_caso(cliente, crear_acreedor, crear_token, crear_caso, crear_usuario):
    from agencia.casos.modelos import Gestion

    acme = crear_acreedor()
    caso = crear_caso(acme, capitales=("1000.50", "20"))
    agente = crear_usuario("ana")
    db.session.add(Gestion(caso_id=caso.id, usuario_id=agente.id, canal="llamada",
                           resultado="no_contesta", nota="NOTA INTERNA SECRETA"))
    db.session.commit()
    respuesta = cliente.get(f"/api/v1/casos/{caso.obligaciones[0].referencia}",
                            headers=cabecera(crear_token(acme)))
    assert respuesta.status_code == 200
    datos = respuesta.get_json()
    assert datos["caso"]["etapa"] == "prejuridico"
    assert datos["caso"]["saldo"] == "1020.50"
    assert datos["caso"]["ultima_gestion_en"] is not None
    assert len(datos["obligaciones"]) == 2
    assert "NOTA INTERNA" not in respuesta.get_data(as_text=True)


def test_ultimo_uso_se_anota_a_lo_sumo_una_vez_por_minuto(cliente, crear_acreedor,
                                                          crear_token, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    texto = crear_token(acme)
    url = f"/api/v1/casos/{caso.obligaciones[0].referencia}"
    cliente.get(url, headers=cabecera(texto))
    token = db.session.query(TokenApi).one()
    primero = token.ultimo_uso_en
    assert primero is not None
    cliente.get(url, headers=cabecera(texto))
    db.session.expire_all()
    assert db.session.query(TokenApi).one().ultimo_uso_en == primero
    token = db.session.query(TokenApi).one()
    token.ultimo_uso_en = primero - timedelta(minutes=2)
    db.session.commit()
    cliente.get(url, headers=cabecera(texto))
    db.session.expire_all()
    assert db.session.query(TokenApi).one().ultimo_uso_en > primero - timedelta(minutes=1)


def test_json_mal_formado_da_400_json(cliente, crear_acreedor, crear_token):
    texto = crear_token(crear_acreedor())
    for url in ("/api/v1/asignaciones", "/api/v1/devoluciones"):
        _error(cliente.post(url, data="{no es json", headers={
            **cabecera(texto), "Content-Type": "application/json"}), 400, "json_invalido")
        _error(cliente.post(url, data="", headers=cabecera(texto)), 400, "cuerpo_vacio")
        _error(cliente.post(url, json=[1, 2], headers=cabecera(texto)), 400, "json_invalido")


def test_rutas_desconocidas_y_metodos_responden_json(cliente, crear_acreedor, crear_token):
    texto = crear_token(crear_acreedor())
    _error(cliente.get("/api/v1/no-existe", headers=cabecera(texto)), 404)
    _error(cliente.get("/api/v1/asignaciones", headers=cabecera(texto)), 405)


def test_limite_de_solicitudes_por_token(app, cliente, crear_acreedor, crear_token, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    texto, otro = crear_token(acme), crear_token(acme, nombre="Otro")
    url = f"/api/v1/casos/{caso.obligaciones[0].referencia}"
    anterior = app.config.get("API_RATELIMIT")
    app.config["API_RATELIMIT"] = "3 per minute"
    try:
        codigos = [cliente.get(url, headers=cabecera(texto)).status_code for _ in range(4)]
        assert codigos == [200, 200, 200, 429]
        agotado = cliente.get(url, headers=cabecera(texto))
        _error(agotado, 429, "demasiadas_solicitudes")
        assert "Retry-After" in agotado.headers
        # Another token has its own budget.
        assert cliente.get(url, headers=cabecera(otro)).status_code == 200
    finally:
        app.config["API_RATELIMIT"] = anterior


def test_la_sesion_del_navegador_no_sirve_en_la_api(cliente, crear_acreedor, crear_usuario,
                                                   crear_caso):
    from tests.conftest import ingresar

    acme = crear_acreedor()
    crear_usuario("marcela", rol="cliente", acreedor=acme)
    caso = crear_caso(acme)
    ingresar(cliente, "marcela")
    _error(cliente.get(f"/api/v1/casos/{caso.obligaciones[0].referencia}"), 401)
    _error(cliente.post("/api/v1/devoluciones",
                        json={"referencias": [caso.obligaciones[0].referencia]}), 401)


def test_token_de_acreedor_inactivo_da_403(cliente, crear_acreedor, crear_token):
    acme = crear_acreedor()
    texto = crear_token(acme)
    acme.activo = False
    db.session.commit()
    _error(cliente.post("/api/v1/devoluciones", json={"referencias": ["X"]},
                        headers=cabecera(texto)), 403, "acreedor_inactivo")
