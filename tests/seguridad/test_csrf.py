"""CSRF: every form route of the staff and the portal refuses a POST without its token,
even from a logged-in user, and writes nothing. The API (bearer tokens) is exempt."""

from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Gestion
from agencia.extensiones import db
from agencia.pagos.modelos import Pago
from tests.conftest import ingresar, token_csrf
from tests.test_tenencia import VALORES, mundo  # noqa: F401  (mundo is a fixture)

METODOS_QUE_ESCRIBEN = {"POST", "PUT", "PATCH", "DELETE"}
EXENTOS = {"api"}  # bearer tokens, never cookies


def _rutas_que_escriben(app, datos, area: str):
    """(method, url) of every writing rule of the staff (area "personal") or the portal."""
    from flask import url_for

    for regla in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        blueprint = regla.endpoint.split(".")[0]
        if blueprint in EXENTOS or (blueprint == "portal") != (area == "portal"):
            continue
        for metodo in sorted(regla.methods & METODOS_QUE_ESCRIBEN):
            with app.test_request_context():
                url = url_for(regla.endpoint, **{n: VALORES[n](datos) for n in regla.arguments})
            yield metodo, url


def _conteos():
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (Auditoria, Gestion, Caso, Acuerdo, Pago)]


def _sin_token_da_400(app, cliente, solicitudes):
    antes = _conteos()
    fallas = []
    for metodo, url in solicitudes:
        respuesta = cliente.open(url, method=metodo, data={"nota": "x", "monto": "1"})
        if respuesta.status_code != 400 or "código de seguridad" not in respuesta.get_data(
                as_text=True):
            fallas.append(f"{metodo} {url} -> {respuesta.status_code}")
    assert not fallas, "Aceptaron un formulario sin token CSRF:\n  " + "\n  ".join(fallas)
    assert _conteos() == antes


def test_personal_sin_token_csrf_recibe_400_en_toda_ruta(app, cliente, mundo):  # noqa: F811
    solicitudes = list(_rutas_que_escriben(app, mundo, "personal"))
    assert len(solicitudes) > 50 and ("POST", "/salir") in solicitudes
    ingresar(cliente, "admin")
    _sin_token_da_400(app, cliente, solicitudes)
    assert cliente.get("/mi-dia").status_code == 200  # still logged in: the 400s were CSRF


def test_portal_sin_token_csrf_recibe_400_en_toda_ruta(app, cliente, mundo):  # noqa: F811
    solicitudes = list(_rutas_que_escriben(app, mundo, "portal"))
    assert solicitudes
    ingresar(cliente, "cliente-a")
    _sin_token_da_400(app, cliente, solicitudes)


def test_token_de_otra_sesion_no_sirve(app, cliente, mundo):  # noqa: F811
    otro = app.test_client()
    ajeno = token_csrf(otro, "/ingresar")
    ingresar(cliente, "admin")
    antes = _conteos()
    respuesta = cliente.post(f"/casos/{mundo.caso_id}/gestiones",
                             data={"csrf_token": ajeno, "canal": "llamada"})
    assert respuesta.status_code == 400 and _conteos() == antes


def test_la_api_no_usa_csrf_sino_token_bearer(cliente):
    respuesta = cliente.post("/api/v1/asignaciones", json={"filas": []})
    assert respuesta.status_code == 401
