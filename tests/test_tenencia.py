"""Tenancy across every route of the app, present and future.

For each URL rule that takes an argument, this test fills it with the id of acreedor A's
data and requests it, with every method the rule accepts, as the cliente of acreedor B: the
answer must be 404 every time. Staff routes must also answer 404 to A's own cliente.

An agent is confined too: outside the teams of the caso's acreedor, and not assigned to it,
every route about that caso answers 404; inside the team, the caso opens.

A new route whose argument this file cannot fill makes the suite fail: add the argument to
VALORES (or, for a route a cliente may legitimately use with its own ids, to COMPARTIDAS).
"""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.api.modelos import TokenApi
from agencia.asignaciones.modelos import CargaCartera, LoteAsignacion
from agencia.cartas.modelos import Carta, LoteCartas
from agencia.casos.modelos import Gestion
from agencia.documentos.modelos import Documento
from agencia.equipos.modelos import Equipo
from agencia.estrategias.modelos import Estrategia, PasoEstrategia
from agencia.extensiones import db
from agencia.juridico.modelos import Expediente, ProcesoJuridico, Remision
from agencia.mensajes.modelos import Mensaje
from agencia.pagos.modelos import LotePagos, Pago
from tests.conftest import ingresar, token_csrf


@dataclass
class Mundo:
    """Acreedor A's data, the ids every route argument is filled with."""

    acreedor_id: int
    caso_id: int
    deudor_id: int
    obligacion_id: int
    contacto_id: int
    gestion_id: int
    carta_id: int
    lote_id: int
    usuario_id: int
    equipo_id: int
    acuerdo_id: int
    pago_id: int
    lote_pagos_id: int
    carga_id: int
    documento_id: int
    token_id: int
    lote_cartas_id: int
    mensaje_id: int
    estrategia_id: int
    remision_id: int
    proceso_id: int
    expediente_id: int


# Route argument name -> which of A's ids to put in it.
VALORES = {
    "caso_id": lambda m: m.caso_id,
    "deudor_id": lambda m: m.deudor_id,
    "obligacion_id": lambda m: m.obligacion_id,
    "contacto_id": lambda m: m.contacto_id,
    "gestion_id": lambda m: m.gestion_id,
    "carta_id": lambda m: m.carta_id,
    "lote_id": lambda m: m.lote_id,
    "acreedor_id": lambda m: m.acreedor_id,
    "usuario_id": lambda m: m.usuario_id,
    "equipo_id": lambda m: m.equipo_id,
    "acuerdo_id": lambda m: m.acuerdo_id,
    "pago_id": lambda m: m.pago_id,
    "lote_pagos_id": lambda m: m.lote_pagos_id,
    "carga_id": lambda m: m.carga_id,
    "documento_id": lambda m: m.documento_id,
    "token_id": lambda m: m.token_id,
    "lote_cartas_id": lambda m: m.lote_cartas_id,
    "mensaje_id": lambda m: m.mensaje_id,
    "estrategia_id": lambda m: m.estrategia_id,
    "remision_id": lambda m: m.remision_id,
    "proceso_id": lambda m: m.proceso_id,
    "expediente_id": lambda m: m.expediente_id,
    "clave": lambda m: "recordatorio_amistoso",  # a template key: not tenant data by itself
    "pais": lambda m: "CO",  # contact policy administration: a country preset, not tenant data
}
# Endpoints whose arguments are not tenant data.
SIN_DATOS = {"static"}
# Blueprints authenticated by bearer token, not by the session: a cookie gets 401 there, and
# their tenancy (token of A, ids of B) is tested with tokens in tests/api.
POR_TOKEN = {"api"}
# Blueprints of the cliente's own area (they must 404 only for *another* acreedor's ids).
AREAS_DEL_CLIENTE = {"portal"}
# Staff endpoints a cliente may deliberately use with its own ids (none yet).
COMPARTIDAS: set[str] = set()
METODOS_IGNORADOS = {"HEAD", "OPTIONS"}


def _reglas_con_argumentos(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.arguments and r.endpoint not in SIN_DATOS
         and r.endpoint.split(".")[0] not in POR_TOKEN),
        key=lambda r: r.rule,
    )


def _url(app, regla, mundo: Mundo) -> str:
    valores = {nombre: VALORES[nombre](mundo) for nombre in regla.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(regla.endpoint, **valores)


def _solicitudes(app, mundo: Mundo, reglas):
    """(method, url, endpoint) for every rule and method."""
    for regla in reglas:
        url = _url(app, regla, mundo)
        for metodo in sorted(regla.methods - METODOS_IGNORADOS):
            yield metodo, url, regla.endpoint


def _pedir(cliente, metodo: str, url: str, token: str):
    if metodo == "GET":
        return cliente.get(url)
    return cliente.open(url, method=metodo, data={"csrf_token": token},
                        headers={"X-CSRFToken": token})


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso) -> Mundo:
    a, b = crear_acreedor("AAA"), crear_acreedor("BBB")
    cliente_a = crear_usuario("cliente-a", rol="cliente", acreedor=a)
    crear_usuario("cliente-b", rol="cliente", acreedor=b)
    crear_usuario("admin", rol="admin")
    agente = crear_usuario("agente")
    caso = crear_caso(a, agente, nombre="Deudor De A", documento="111111")
    crear_caso(b, agente, nombre="Deudor De B", documento="222222")
    gestion = Gestion(caso_id=caso.id, usuario_id=agente.id, canal="llamada",
                      direccion="saliente", resultado="no_contesta", nota="nota interna")
    carta = Carta(acreedor_id=a.id, caso_id=caso.id, plantilla="recordatorio_amistoso")
    lote = LoteAsignacion(acreedor_id=a.id, archivo="cartera.csv", checksum="0" * 64)
    equipo = Equipo(nombre="Equipo A")
    equipo.agentes, equipo.acreedores = [crear_usuario("agente-equipo")], [a]
    crear_usuario("forastero")  # an agent in no team, assigned nothing
    acuerdo = Acuerdo(
        acreedor_id=a.id, caso_id=caso.id, tipo="plan", estado="pendiente_acreedor",
        moneda="COP", deuda_capital=caso.saldo, deuda_intereses=0, deuda_gastos=0,
        quita_capital=0, quita_intereses=0, quita_gastos=0, total_acordado=caso.saldo,
        numero_cuotas=1, primera_fecha=date(2030, 1, 1), nivel_aprobacion="acreedor")
    acuerdo.cuotas = [Cuota(numero=1, fecha=date(2030, 1, 1), monto=caso.saldo)]
    pago = Pago(acreedor_id=a.id, caso_id=caso.id, monto=1000, fecha=date(2026, 1, 2),
                referencia_bancaria="REF-A", moneda="COP")
    lote_pagos = LotePagos(acreedor_id=a.id, archivo="banco.csv", sha256="0" * 64)
    carga = CargaCartera(acreedor_id=a.id, nombre_archivo="cartera.csv", ruta="cargas/x.csv",
                         sha256="1" * 64)
    documento = Documento(acreedor_id=a.id, caso_id=caso.id, nombre_archivo="contrato.pdf",
                          tipo_contenido="application/pdf", tamano=10, sha256="2" * 64,
                          ruta="documentos/x.pdf")
    token = TokenApi(acreedor_id=a.id, nombre="ERP", prefijo="agc_1234", hash="3" * 64,
                     alcances=["asignaciones"])
    lote_cartas = LoteCartas(acreedor_id=a.id, plantilla="recordatorio_amistoso")
    mensaje = Mensaje(acreedor_id=a.id, caso_id=caso.id, canal="email", plantilla="x",
                      clave="prueba:1", destino="maria@example.com")
    estrategia = Estrategia(acreedor_id=a.id, etapa="prejuridico", nombre="Plan de A")
    estrategia.pasos = [PasoEstrategia(dia=0, canal="email", plantilla="email_recordatorio")]
    remision = Remision(acreedor_id=a.id, caso_id=caso.id, origen="supervisor",
                        estado="pendiente_acreedor", motivo="Negociación agotada sin acuerdo.")
    proceso = ProcesoJuridico(acreedor_id=a.id, caso_id=caso.id, radicado="11001-2026-001")
    expediente = Expediente(acreedor_id=a.id, caso_id=caso.id)
    db.session.add_all([gestion, carta, lote, equipo, acuerdo, pago, lote_pagos, carga,
                        documento, token, lote_cartas, mensaje, estrategia, remision, proceso,
                        expediente])
    db.session.commit()
    return Mundo(
        acreedor_id=a.id, caso_id=caso.id, deudor_id=caso.deudor_id,
        obligacion_id=caso.obligaciones[0].id, contacto_id=caso.deudor.contactos[0].id,
        gestion_id=gestion.id, carta_id=carta.id, lote_id=lote.id, usuario_id=cliente_a.id,
        equipo_id=equipo.id, acuerdo_id=acuerdo.id, pago_id=pago.id,
        lote_pagos_id=lote_pagos.id, carga_id=carga.id, documento_id=documento.id,
        token_id=token.id, lote_cartas_id=lote_cartas.id, mensaje_id=mensaje.id,
        estrategia_id=estrategia.id, remision_id=remision.id, proceso_id=proceso.id,
        expediente_id=expediente.id,
    )


def _conteos() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Gestion.id))),
            db.session.scalar(select(func.count(Carta.id))))


def test_toda_ruta_con_argumentos_tiene_con_que_probarse(app):
    desconocidos = sorted(
        f"{regla.rule} ({regla.endpoint}): {nombre}"
        for regla in _reglas_con_argumentos(app)
        for nombre in regla.arguments
        if nombre not in VALORES
    )
    assert not desconocidos, (
        "Rutas con argumentos que tests/test_tenencia.py no sabe llenar; agregue el nombre a "
        "VALORES para que la prueba de tenencia las cubra:\n  " + "\n  ".join(desconocidos)
    )


def test_cliente_de_otro_acreedor_recibe_404_en_toda_ruta_con_id(app, cliente, mundo):
    reglas = [r for r in _reglas_con_argumentos(app) if set(r.arguments) <= set(VALORES)]
    assert any(r.endpoint == "portal.caso" for r in reglas)
    antes = _conteos()

    ingresar(cliente, "cliente-b")
    token = token_csrf(cliente, "/portal/")
    fallas = [
        f"{metodo} {url} ({endpoint}) -> {respuesta.status_code}"
        for metodo, url, endpoint in _solicitudes(app, mundo, reglas)
        if (respuesta := _pedir(cliente, metodo, url, token)).status_code != 404
    ]
    assert not fallas, "El cliente de B alcanzó datos de A:\n  " + "\n  ".join(fallas)
    assert _conteos() == antes


def test_rutas_del_personal_dan_404_al_cliente_aun_con_sus_propios_ids(app, cliente, mundo):
    reglas = [
        r for r in _reglas_con_argumentos(app)
        if set(r.arguments) <= set(VALORES)
        and r.endpoint.split(".")[0] not in AREAS_DEL_CLIENTE and r.endpoint not in COMPARTIDAS
    ]
    assert any(r.endpoint == "casos.detalle" for r in reglas)
    antes = _conteos()

    ingresar(cliente, "cliente-a")
    token = token_csrf(cliente, "/portal/")
    assert cliente.get(f"/portal/casos/{mundo.caso_id}").status_code == 200  # ids are real
    fallas = [
        f"{metodo} {url} ({endpoint}) -> {respuesta.status_code}"
        for metodo, url, endpoint in _solicitudes(app, mundo, reglas)
        if (respuesta := _pedir(cliente, metodo, url, token)).status_code != 404
    ]
    assert not fallas, "Rutas del personal respondieron al cliente:\n  " + "\n  ".join(fallas)
    assert _conteos() == antes


def test_los_ids_son_reales_para_quien_si_tiene_acceso(cliente, mundo):
    """Without this the 404s above could come from ids that do not exist."""
    ingresar(cliente, "admin")
    html = cliente.get(f"/casos/{mundo.caso_id}").get_data(as_text=True)
    assert "Deudor De A" in html


# Arguments naming a caso or something hanging from it.
DATOS_DE_CASO = {"caso_id", "deudor_id", "obligacion_id", "contacto_id", "gestion_id", "carta_id"}


def test_agente_fuera_de_los_equipos_del_acreedor_recibe_404(app, cliente, mundo):
    reglas = [
        r for r in _reglas_con_argumentos(app)
        if set(r.arguments) <= set(VALORES) and set(r.arguments) & DATOS_DE_CASO
        and r.endpoint.split(".")[0] not in AREAS_DEL_CLIENTE
    ]
    assert any(r.endpoint == "casos.detalle" for r in reglas)
    antes = _conteos()

    ingresar(cliente, "forastero")
    token = token_csrf(cliente, "/mi-dia")
    respuestas = [(metodo, url, endpoint, _pedir(cliente, metodo, url, token).status_code)
                  for metodo, url, endpoint in _solicitudes(app, mundo, reglas)]
    # A 403 is fine where the role alone is refused: the assigned agent gets it too.
    asignado = app.test_client()
    ingresar(asignado, "agente")
    token_asignado = token_csrf(asignado, "/mi-dia")
    fallas = [
        f"{metodo} {url} ({endpoint}) -> {codigo}"
        for metodo, url, endpoint, codigo in respuestas
        if codigo != 404 and not (
            codigo == 403 and _pedir(asignado, metodo, url, token_asignado).status_code == 403)
    ]
    assert not fallas, "Un agente fuera del equipo alcanzó el caso:\n  " + "\n  ".join(fallas)
    assert _conteos() == antes
    html = cliente.get("/casos/buscar", query_string={"q": "Deudor De A"}).get_data(as_text=True)
    assert f'href="/casos/{mundo.caso_id}"' not in html


def test_agente_del_equipo_y_agente_asignado_abren_el_caso(app, cliente, mundo):
    ingresar(cliente, "agente-equipo")
    assert "Deudor De A" in cliente.get(f"/casos/{mundo.caso_id}").get_data(as_text=True)
    html = cliente.get("/casos/buscar", query_string={"q": "Deudor De"}).get_data(as_text=True)
    enlaces = re.findall(r'href="/casos/(\d+)"', html)
    assert enlaces == [str(mundo.caso_id)]  # not B's caso: B is not in the team
    otro = app.test_client()
    ingresar(otro, "agente")  # in no team, but both casos are assigned to them
    assert otro.get(f"/casos/{mundo.caso_id}").status_code == 200
