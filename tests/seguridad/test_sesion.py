"""Sessions: renewed at login (no fixation), bound to the browser (strong protection), and
login attempts limited per address with a Spanish message."""

from tests.conftest import CLAVE, ingresar, token_csrf


def _cookie_de_sesion(cliente) -> str | None:
    cookie = cliente.get_cookie("session")
    return cookie.value if cookie else None


def test_la_sesion_se_renueva_al_ingresar(app, cliente, crear_usuario):
    crear_usuario("agente1")
    token_anonimo = token_csrf(cliente, "/ingresar")
    cookie_anonima = _cookie_de_sesion(cliente)
    assert cookie_anonima
    ingresar(cliente, "agente1")
    assert _cookie_de_sesion(cliente) != cookie_anonima
    # The anonymous session's CSRF token died with it.
    assert cliente.post("/salir", data={"csrf_token": token_anonimo}).status_code == 400

    # Whoever planted or kept the anonymous cookie is not logged in by the victim's login.
    atacante = app.test_client()
    atacante.set_cookie("session", cookie_anonima)
    assert atacante.get("/mi-dia").status_code == 302
    assert cliente.get("/mi-dia").status_code == 200


def test_cookie_robada_no_sirve_en_otro_navegador(app, crear_usuario):
    """login_manager.session_protection = "strong": a session used from another browser
    (another address or User-Agent) is dropped."""
    crear_usuario("agente1")
    propio = app.test_client()
    ingresar(propio, "agente1")
    assert propio.get("/mi-dia").status_code == 200
    ladron = app.test_client()
    ladron.set_cookie("session", _cookie_de_sesion(propio))
    respuesta = ladron.get("/mi-dia", headers={"User-Agent": "OtroNavegador/9.9"})
    assert respuesta.status_code == 302 and "/ingresar" in respuesta.headers["Location"]


def _intento(cliente, clave: str, ip: str = "10.0.0.1"):
    return cliente.post("/ingresar", data={"usuario": "agente1", "clave": clave,
                                           "csrf_token": token_csrf(cliente)},
                        environ_base={"REMOTE_ADDR": ip})


def test_ingresos_fallidos_repetidos_dan_429_en_espanol(app, cliente, crear_usuario):
    crear_usuario("agente1")
    limite = int(app.config["RATELIMIT_LOGIN"].split()[0])
    codigos = [_intento(cliente, "mala-clave").status_code for _ in range(limite)]
    assert codigos == [401] * limite
    bloqueado = _intento(cliente, "mala-clave")
    assert bloqueado.status_code == 429
    html = bloqueado.get_data(as_text=True)
    assert "Demasiados intentos" in html and "Espere un minuto" in html
    assert "Retry-After" in bloqueado.headers
    # Even the right password waits: guessing cannot go on.
    assert _intento(cliente, CLAVE).status_code == 429
    # Another address is not blocked by this one.
    assert _intento(app.test_client(), CLAVE, ip="10.0.0.2").status_code == 302


def test_una_cookie_copiada_no_sirve_despues_de_salir(app, crear_usuario):
    """Logging out ends the session on the server too: a copy of the cookie taken before
    (a shared computer, a stolen cookie) no longer opens the user's pages."""
    crear_usuario("ana")
    propio = app.test_client()
    ingresar(propio, "ana")
    assert propio.get("/mi-dia").status_code == 200
    cookie = propio.get_cookie("session").value
    copia = app.test_client()
    copia.set_cookie("session", cookie)
    assert copia.get("/mi-dia").status_code == 200  # the copy works while the session lives
    propio.post("/salir", data={"csrf_token": token_csrf(propio, "/mi-dia")})
    assert copia.get("/mi-dia").status_code == 302  # back to the login page
    ingresar(propio, "ana")  # logging in again works, with a new cookie
    assert propio.get("/mi-dia").status_code == 200
    assert copia.get("/mi-dia").status_code == 302
