"""Every form of the staff pages and the portal, posted with random data: never a 500.

The POST routes come from app.url_map (a new route is covered the day it appears); their
ids are filled with a real world (tests/test_tenencia.py's `mundo`). The field names come
from the forms the app itself renders (every GET page is read as the roles that see it);
a route whose form is not found gets a generic set of names. Each route is posted by the
first role it lets in, with a valid CSRF token, a few times (deterministic seed): the answer
must be below 500 every time. The filter forms (method GET) get random query strings too.
"""

import io
import os
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ClienteAislado, ingresar, token_csrf
from tests.test_tenencia import VALORES, mundo  # noqa: F401  (mundo is a fixture)

# Blueprints never posted here: the API has its own fuzzing (schemathesis) and the session
# routes would log the test out.
EXCLUIDOS = {"api", "auth"}
ROLES_PERSONAL = ("admin", "supervisor", "abogado", "agente")
# A deeper run, now and then: FUZZ_EJEMPLOS=50 pytest tests/fuzz/test_formularios.py
EJEMPLOS_POR_RUTA = int(os.environ.get("FUZZ_EJEMPLOS", "4"))
CAMPOS_GENERICOS = ("motivo", "nota", "monto", "fecha", "nombre", "texto", "estado", "canal",
                    "agente_id", "caso_ids", "valor", "comentario")

# ------------------------------------------------------------------ reading the forms


class _Formularios(HTMLParser):
    """Forms of a page: {(method, action path): {field name: (type, [candidate values])}}."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.formularios: dict[str, dict[str, tuple[str, list[str]]]] = {}
        self._actual: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, etiqueta, atributos):
        a = dict(atributos)
        if etiqueta == "form":
            metodo = (a.get("method") or "get").lower()
            ruta = urlsplit(a.get("action") or self.url).path or urlsplit(self.url).path
            self._actual = self.formularios.setdefault((metodo, ruta), {})
            return
        campos = self._actual
        nombre = a.get("name")
        if campos is None or not nombre:
            if etiqueta == "option" and campos is not None and self._select:
                campos[self._select][1].append(a.get("value") or "")
            return
        if etiqueta in ("input", "textarea", "select", "button"):
            tipo = "select" if etiqueta == "select" else (a.get("type") or "text").lower()
            _, valores = campos.setdefault(nombre, (tipo, []))
            if a.get("value"):
                valores.append(a["value"])
            self._select = nombre if etiqueta == "select" else self._select

    def handle_endtag(self, etiqueta):
        if etiqueta == "form":
            self._actual = None
        elif etiqueta == "select":
            self._select = None


def _leer_formularios(html: str, url: str) -> dict:
    lector = _Formularios(url)
    lector.feed(html)
    return lector.formularios


def _url(app, regla, mundo_) -> str:
    with app.test_request_context():
        return url_for(regla.endpoint, **{n: VALORES[n](mundo_) for n in regla.arguments})


def _reglas(app, metodo: str):
    return sorted((r for r in app.url_map.iter_rules()
                   if metodo in r.methods and r.endpoint != "static"
                   and r.endpoint.split(".")[0] not in EXCLUIDOS
                   and set(r.arguments) <= set(VALORES)), key=lambda r: r.rule)


# ------------------------------------------------------------------ random values

_TEXTO = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "9" * 40, "1.234.567,89", "15/01/2026",
                     "2026-02-30", "<script>x</script>", "'; DROP TABLE casos;--", "\x00",
                     "ñandú €", "x" * 5000, "²", "9" * 4400]),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)


def _valor(tipo: str, candidatos: list[str]):
    if tipo == "file":
        return st.tuples(st.binary(max_size=200), st.text(max_size=20)).map(
            lambda par: (io.BytesIO(par[0]), par[1] or "archivo.csv"))
    if candidatos:
        return st.one_of(st.sampled_from(candidatos), _TEXTO)
    return _TEXTO


def _datos(campos: dict[str, tuple[str, list[str]]]):
    """Random form data: every field, or a random subset of them, maybe repeated."""
    return st.fixed_dictionaries(
        {}, optional={nombre: st.one_of(_valor(tipo, candidatos),
                                        st.lists(_valor(tipo, candidatos), max_size=3))
                      for nombre, (tipo, candidatos) in campos.items()
                      if not nombre.endswith("csrf_token")})


# ------------------------------------------------------------------ the test


def _sesiones(app, crear_usuario) -> dict:
    """A logged-in client per role (the world's users, plus a supervisor and an abogado)."""
    app.test_client_class = ClienteAislado
    crear_usuario("supervisor", rol="supervisor")
    crear_usuario("abogado", rol="abogado")
    sesiones = {}
    for rol, usuario in (("admin", "admin"), ("supervisor", "supervisor"),
                         ("abogado", "abogado"), ("agente", "agente"), ("cliente", "cliente-a")):
        sesiones[rol] = app.test_client()
        ingresar(sesiones[rol], usuario)
    return sesiones


def test_todo_formulario_con_datos_al_azar_nunca_da_500(app, mundo, crear_usuario,  # noqa: F811
                                                       ajustes_temporales):
    ajustes_temporales(RATELIMIT_LOGIN="1000 per minute", API_RATELIMIT="100000 per minute")
    sesiones = _sesiones(app, crear_usuario)
    fallas: list[str] = []

    # 1. The forms, as each role sees them (portal pages as the cliente).
    formularios: dict[str, dict] = {}  # POST forms by action
    busquedas: dict[str, dict[str, dict]] = {}  # GET forms (filters) by role, then action
    for regla in _reglas(app, "GET"):
        portal = regla.endpoint.startswith("portal.")
        url = _url(app, regla, mundo)
        for rol in (("cliente",) if portal else ("admin", "abogado")):
            try:
                respuesta = sesiones[rol].get(url)
            except Exception as error:  # noqa: BLE001  (the tests propagate the app's errors)
                fallas.append(f"GET {url} como {rol} -> {type(error).__name__}: {error}")
                continue
            if respuesta.status_code == 500:  # (/salud answers 503 without a worker: fine)
                fallas.append(f"GET {url} como {rol} -> 500")
            if "html" in (respuesta.content_type or ""):
                for (metodo, accion), campos in _leer_formularios(
                        respuesta.get_data(as_text=True), url).items():
                    destino = formularios if metodo == "post" else busquedas.setdefault(rol, {})
                    for nombre, (tipo, valores) in campos.items():
                        destino.setdefault(accion, {}).setdefault(
                            nombre, (tipo, []))[1].extend(valores)
    # A route whose form was not found (its page shows it only in some states) gets the
    # names of every form seen, and some more: each example posts a random subset of them.
    genericos = {n: ("text", []) for n in CAMPOS_GENERICOS}
    for campos in formularios.values():
        genericos.update((n, (t, [])) for n, (t, _) in campos.items() if "-" not in n)
    tokens = {rol: token_csrf(s, "/portal/" if rol == "cliente" else "/mi-dia")
              for rol, s in sesiones.items()}

    # 2. Every POST route, with random data.
    for regla in _reglas(app, "POST"):
        url = _url(app, regla, mundo)
        campos = formularios.get(url) or genericos
        roles = ("cliente",) if regla.endpoint.startswith("portal.") else ROLES_PERSONAL
        _publicar_al_azar(sesiones, tokens, url, roles, campos, fallas)

    # 3. The filter forms (method GET), with random query strings.
    for rol, acciones in busquedas.items():
        for accion, campos in sorted(acciones.items()):
            _buscar_al_azar(sesiones[rol], rol, accion, campos, fallas)

    assert not fallas, "Respuestas 5xx:\n  " + "\n  ".join(fallas)


def _publicar_al_azar(sesiones, tokens, url, roles, campos, fallas):
    """Posts random data to one route EJEMPLOS_POR_RUTA times, noting every 5xx."""
    elegido: list[str] = []  # the first role the route lets in

    def publicar(datos, rol):
        # Prefixed forms carry their token as "<prefijo>-csrf_token": always a valid one.
        cuerpo = {n: tokens[rol] for n in ["csrf_token", *campos] if n.endswith("csrf_token")}
        for nombre, valor in datos.items():
            cuerpo[nombre] = ([_copiar(v) for v in valor] if isinstance(valor, list)
                              else _copiar(valor))
        return sesiones[rol].post(url, data=cuerpo, content_type="multipart/form-data")

    @settings(max_examples=EJEMPLOS_POR_RUTA, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(_datos(campos))
    def probar(datos):
        # A 403 is the role check, made before the form is read: try the next role.
        for rol in elegido or roles:
            try:
                codigo = publicar(datos, rol).status_code
            except Exception as error:  # noqa: BLE001  (the tests propagate the app's errors)
                codigo = f"500 ({type(error).__name__}: {str(error)[:200]})"
            if codigo != 403:
                elegido[:] = [rol]
                break
        if not isinstance(codigo, int) or codigo >= 500:
            fallas.append(f"POST {url} como {rol} con {_resumen(datos)} -> {codigo}")

    probar()


def _buscar_al_azar(sesion, rol, url, campos, fallas):
    """Submits a filter form with random values EJEMPLOS_POR_RUTA times, noting every 5xx."""
    campos = {n: (t, v) for n, (t, v) in campos.items() if t != "file"}

    @settings(max_examples=EJEMPLOS_POR_RUTA, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(_datos(campos))
    def probar(datos):
        try:
            codigo = sesion.get(url, query_string=datos).status_code
        except Exception as error:  # noqa: BLE001  (the tests propagate the app's errors)
            codigo = f"500 ({type(error).__name__}: {str(error)[:200]})"
        if not isinstance(codigo, int) or codigo == 500:
            fallas.append(f"GET {url} como {rol} con {_resumen(datos)} -> {codigo}")

    probar()


def _copiar(valor):
    """A fresh file object for each post (the client consumes it)."""
    if isinstance(valor, tuple):
        contenido, nombre = valor
        return io.BytesIO(contenido.getvalue()), nombre
    return valor


def _resumen(datos: dict) -> str:
    texto = repr({k: (v[1] if isinstance(v, tuple) else v) for k, v in datos.items()})
    return re.sub(r"x{50,}", "x…", texto)[:300]


def test_honorarios_sin_el_orden_de_imputacion_es_un_400_con_motivo(cliente, crear_acreedor,
                                                                    crear_usuario):
    """Regression: a form without orden_1..3 compared None with None (TypeError, a 500)."""
    acreedor = crear_acreedor()
    crear_usuario("admin", rol="admin")
    ingresar(cliente, "admin")
    url = f"/admin/acreedores/{acreedor.id}/honorarios"
    respuesta = cliente.post(url, data={"csrf_token": token_csrf(cliente, url),
                                        "dias_gracia_cuota": "5"})
    assert respuesta.status_code == 400
    assert "El orden debe nombrar gastos, intereses y capital" in respuesta.get_data(as_text=True)


# Numbers str.isdigit() accepts but int() or the database cannot take: a superscript digit,
# more digits than int() reads (4300), more than a database integer holds.
ILEGIBLES = ["²", "9" * 5000, "9" * 30]
PEDIDOS_CON_NUMEROS = [
    ("admin", "GET", "/supervision/", "acreedor_id"),
    ("admin", "GET", "/supervision/", "mora_min"),
    ("admin", "GET", "/tablero/", "acreedor_id"),
    ("admin", "GET", "/tablero/recalculo", "calculo"),
    ("admin", "POST", "/tablero/metas", "*"),
    ("admin", "POST", "/casos/{caso_id}/acuerdos", "numero_cuotas"),
    ("admin", "GET", "/juridico/remisiones/", "acreedor_id"),
    ("admin", "GET", "/mensajes/efectividad", "dias"),
    ("admin", "GET", "/mensajes/efectividad", "acreedor_id"),
    ("admin", "GET", "/mensajes/", "acreedor_id"),
    ("admin", "GET", "/mensajes/", "caso_id"),
    ("admin", "GET", "/cartas/lotes", "acreedor_id"),
    ("admin", "POST", "/cartas/lotes", "acreedor_id"),
    ("admin", "POST", "/supervision/reasignar", "agente_id"),
    ("admin", "POST", "/supervision/reasignar", "caso_ids"),
    ("admin", "POST", "/supervision/ausente", "agente_ausente_id"),
    ("admin", "GET", "/juridico/", "abogado"),
    ("admin", "GET", "/juridico/", "acreedor_id"),
    ("admin", "POST", "/juridico/mover", "desde_id"),
    ("admin", "POST", "/juridico/reasignar", "abogado_id"),
    ("admin", "POST", "/juridico/reasignar", "caso_ids"),
    ("cliente-a", "GET", "/portal/casos", "lote"),
]


def test_numeros_ilegibles_en_filtros_y_formularios_no_dan_500(app, mundo):  # noqa: F811
    """Regression of the 500s the fuzzing found: each is now a 4xx (or the value ignored)."""
    app.test_client_class = ClienteAislado
    sesiones = {}
    fallas = []
    for usuario, metodo, ruta, campo in PEDIDOS_CON_NUMEROS:
        if usuario not in sesiones:
            sesiones[usuario] = app.test_client()
            ingresar(sesiones[usuario], usuario)
        sesion = sesiones[usuario]
        url = ruta.format(caso_id=mundo.caso_id)
        for valor in ILEGIBLES:
            if metodo == "GET":
                datos = {campo: valor}
            else:
                pagina = sesion.get(url).get_data(as_text=True) if campo == "*" else ""
                campos = [n for c in _leer_formularios(pagina, url).values() for n in c]
                datos = {n: valor for n in (campos if campo == "*" else [campo])}
                datos["csrf_token"] = token_csrf(sesion, "/portal/" if usuario == "cliente-a"
                                                 else "/mi-dia")
            try:
                codigo = (sesion.get(url, query_string=datos) if metodo == "GET"
                          else sesion.post(url, data=datos)).status_code
            except Exception as error:  # noqa: BLE001  (the tests propagate the app's errors)
                codigo = f"500 ({type(error).__name__}: {str(error)[:80]})"
            if not isinstance(codigo, int) or codigo >= 500:
                fallas.append(f"{metodo} {url} {campo}={valor[:12]}… -> {codigo}")
    assert not fallas, "\n".join(fallas)


def test_un_caracter_nulo_en_un_formulario_o_un_filtro_es_un_400(app, mundo):  # noqa: F811
    """Regression: PostgreSQL text cannot hold NUL; saving a motivo or a template with it was
    a 500 (psycopg DataError). Now every form and query value with NUL is a 400."""
    app.test_client_class = ClienteAislado
    sesion = app.test_client()
    ingresar(sesion, "admin")
    token = token_csrf(sesion, "/mi-dia")
    plantilla = f"/admin/acreedores/{mundo.acreedor_id}/plantillas/recordatorio_amistoso"
    assert sesion.post(plantilla, data={"csrf_token": token, "cuerpo": "Hola\x00"}
                       ).status_code == 400
    assert sesion.post(f"/mensajes/{mundo.mensaje_id}/cancelar",
                       data={"csrf_token": token, "motivo": "\x00"}).status_code == 400
    assert sesion.get("/casos/buscar", query_string={"q": "Deudor\x00"}).status_code == 400
