"""The supervision page as a supervisor uses it: filter, reassign, spread, absent agent."""

import re

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf

URL = "/supervision/"


def _conteo(html: str) -> int:
    return int(re.search(r'id="conteo-filtro">([\d.]+)<', html).group(1).replace(".", ""))


@pytest.fixture
def cartera(agencia, crear_caso):
    """Five ACME casos and one of Beta, with different saldo, mora and agents."""
    return {
        "ana_chico": crear_caso(agencia.acme, agencia.ana, capitales=("100000",), dias_mora=10),
        "ana_grande": crear_caso(agencia.acme, agencia.ana, capitales=("5000000",), dias_mora=200),
        "beto": crear_caso(agencia.acme, agencia.beto, capitales=("800000",), dias_mora=60,
                           etapa="negociacion"),
        "libre": crear_caso(agencia.acme, capitales=("300000",), dias_mora=95),
        "cerrado": crear_caso(agencia.acme, agencia.ana, etapa="pagado"),
        "beta": crear_caso(agencia.beta, agencia.dani, capitales=("700000",), dias_mora=30),
    }


@pytest.mark.parametrize("filtro, esperados", [
    ({}, {"ana_chico", "ana_grande", "beto", "libre", "beta"}),
    ({"acreedor": "beta"}, {"beta"}),
    ({"etapa": "negociacion"}, {"beto"}),
    ({"agente": "ana"}, {"ana_chico", "ana_grande"}),
    ({"agente": "sin"}, {"libre"}),
    ({"mora_min": "60"}, {"ana_grande", "beto", "libre"}),
    ({"mora_max": "60"}, {"ana_chico", "beto", "beta"}),
    ({"saldo_min": "700.000"}, {"ana_grande", "beto", "beta"}),
    ({"saldo_max": "300000,00"}, {"ana_chico", "libre"}),
])
def test_cada_filtro(cliente, agencia, cartera, filtro, esperados):
    if filtro.get("acreedor") == "beta":
        filtro = {"acreedor_id": agencia.beta.id}
    if filtro.get("agente") == "ana":
        filtro = {"agente": agencia.ana.id}
    ingresar(cliente, "sofia")
    respuesta = cliente.get(URL, query_string=filtro)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    assert _conteo(html) == len(esperados)
    vistos = {nombre for nombre, caso in cartera.items() if f'name="caso_ids" value="{caso.id}"' in html}
    assert vistos == esperados


def test_saldo_total_del_filtro(cliente, agencia, cartera):
    ingresar(cliente, "sofia")
    html = cliente.get(URL, query_string={"agente": agencia.ana.id}).get_data(as_text=True)
    assert "$ 5.100.000" in html


@pytest.mark.parametrize("filtro, mensaje", [
    ({"etapa": "volando"}, "Etapa desconocida"),
    ({"mora_min": "treinta"}, "Días de mora mínimos"),
    ({"mora_min": "90", "mora_max": "30"}, "el mínimo no puede ser mayor que el máximo"),
    ({"saldo_min": "500", "saldo_max": "100"}, "el mínimo no puede ser mayor que el máximo"),
    ({"saldo_max": "mucho"}, "Saldo máximo"),
    ({"acreedor_id": "999999"}, "El acreedor elegido no existe"),
    ({"agente": "999999"}, "El agente elegido no existe"),
])
def test_filtro_invalido_da_400_con_mensaje(cliente, agencia, filtro, mensaje):
    ingresar(cliente, "sofia")
    respuesta = cliente.get(URL, query_string=filtro)
    assert respuesta.status_code == 400
    assert mensaje in respuesta.get_data(as_text=True)


def test_agente_recibe_403_y_cliente_404(cliente, agencia):
    ingresar(cliente, "ana")
    assert cliente.get(URL).status_code == 403
    token = token_csrf(cliente, "/mi-dia")
    assert cliente.post(f"{URL}reasignar", data={"csrf_token": token}).status_code == 403
    cliente.post("/salir", data={"csrf_token": token})
    ingresar(cliente, "cliente-acme")
    assert cliente.get(URL).status_code == 404


def test_el_menu_muestra_supervision_al_supervisor(cliente, agencia):
    ingresar(cliente, "sofia")
    assert 'href="/supervision/"' in cliente.get("/mi-dia").get_data(as_text=True)


def _post(cliente, url, datos):
    return cliente.post(url, data={"csrf_token": token_csrf(cliente, URL), **datos})


def test_reasignar_seleccionados(cliente, agencia, cartera):
    ingresar(cliente, "sofia")
    ids = [cartera["ana_chico"].id, cartera["libre"].id]
    respuesta = _post(cliente, f"{URL}reasignar", {
        "caso_ids": ids, "agente_id": agencia.carla.id, "alcance": "seleccion",
        "motivo": "Carga alta", "agente": agencia.ana.id})
    assert respuesta.status_code == 302
    assert f"agente={agencia.ana.id}" in respuesta.headers["Location"]
    assert "2 casos reasignados" in cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert set(db.session.scalars(select(Caso.agente_id).where(Caso.id.in_(ids)))) == {agencia.carla.id}
    # The caso's history has the reassignment, with its reason.
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "caso.reasignar", Auditoria.entidad_id == ids[0])).one()
    assert entrada.despues["motivo"] == "Carga alta"


def test_reasignar_todo_el_filtro(cliente, agencia, cartera):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, f"{URL}reasignar", {
        "agente_id": agencia.beto.id, "alcance": "filtro", "mora_min": "60",
        "acreedor_id": agencia.acme.id})
    assert respuesta.status_code == 302
    duenos = {c.id: c.agente_id for c in db.session.scalars(select(Caso))}
    assert duenos[cartera["ana_grande"].id] == duenos[cartera["libre"].id] == agencia.beto.id
    assert duenos[cartera["ana_chico"].id] == agencia.ana.id


def test_reasignar_a_agente_fuera_del_equipo_da_400_con_nombres(cliente, agencia, cartera):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, f"{URL}reasignar", {
        "caso_ids": [cartera["ana_chico"].id], "agente_id": agencia.dani.id,
        "alcance": "seleccion"})
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert "Dani Agente no está en un equipo de: Acreedor ACME" in html
    assert db.session.get(Caso, cartera["ana_chico"].id).agente_id == agencia.ana.id


def test_reasignar_sin_seleccion_da_400(cliente, agencia, cartera):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, f"{URL}reasignar", {"agente_id": agencia.beto.id,
                                                   "alcance": "seleccion"})
    assert respuesta.status_code == 400
    assert "No hay casos seleccionados" in respuesta.get_data(as_text=True)


def test_repartir_el_filtro_por_cantidad(cliente, agencia, crear_caso):
    for _ in range(7):
        crear_caso(agencia.acme, agencia.ana)
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, f"{URL}repartir", {
        "agente_ids": [agencia.beto.id, agencia.carla.id], "modo": "cantidad",
        "acreedor_id": agencia.acme.id})
    assert respuesta.status_code == 302
    conteos = dict(db.session.execute(
        select(Caso.agente_id, func.count()).group_by(Caso.agente_id)).all())
    assert sorted(conteos.values()) == [3, 4] and agencia.ana.id not in conteos


def test_agente_ausente_en_dos_clics(cliente, agencia, crear_caso):
    for capital in ("100", "200", "300", "400"):
        crear_caso(agencia.acme, agencia.ana, capitales=(capital,))
    ingresar(cliente, "sofia")
    html = cliente.get(URL).get_data(as_text=True)
    assert 'name="agente_ausente_id"' in html
    respuesta = _post(cliente, f"{URL}ausente", {"agente_ausente_id": agencia.ana.id,
                                                 "modo": "saldo"})
    assert respuesta.status_code == 302
    duenos = set(db.session.scalars(select(Caso.agente_id)))
    assert duenos == {agencia.beto.id, agencia.carla.id}  # not Dani: not in ACME's team


def test_post_sin_csrf_da_400(cliente, agencia, cartera):
    ingresar(cliente, "sofia")
    for accion in ("reasignar", "repartir", "ausente"):
        respuesta = cliente.post(f"{URL}{accion}", data={
            "caso_ids": [cartera["ana_chico"].id], "agente_id": agencia.beto.id,
            "agente_ausente_id": agencia.ana.id, "agente_ids": [agencia.beto.id]})
        assert respuesta.status_code == 400
    assert db.session.scalar(select(func.count(Auditoria.id)).where(
        Auditoria.accion == "caso.reasignar")) == 0


def _carga_de(html: str, nombre: str) -> int:
    tabla = html.split('<table class="cargas">')[1].split("</table>")[0]
    fila = re.search(rf"<td>{nombre}</td><td class=\"num\">([\d.]+)<", tabla)
    return int(fila.group(1).replace(".", ""))


def test_la_carga_por_agente_se_guarda_un_minuto_y_una_reasignacion_la_renueva(
        app, cliente, agencia, cartera, monkeypatch):
    """The load per agent groups every open caso: it is kept in Redis for CIFRAS_CACHE_S
    seconds, and a reassignment shows its effect at once."""
    monkeypatch.setitem(app.config, "CIFRAS_CACHE_S", 60)
    ingresar(cliente, "sofia")
    html = cliente.get(URL).get_data(as_text=True)
    assert _carga_de(html, agencia.ana.nombre) == 2
    # A change behind the page's back (e.g. an import) shows when the minute is up.
    cartera["beto"].agente_id = agencia.ana.id
    db.session.commit()
    assert _carga_de(cliente.get(URL).get_data(as_text=True), agencia.ana.nombre) == 2
    # A reassignment through the product forgets the cached load.
    _post(cliente, f"{URL}reasignar", {"caso_ids": [cartera["ana_chico"].id],
                                       "agente_id": agencia.carla.id, "alcance": "seleccion"})
    html = cliente.get(URL).get_data(as_text=True)
    assert _carga_de(html, agencia.ana.nombre) == 2  # 3 of hers now, minus the one moved
    assert _carga_de(html, agencia.carla.nombre) == 1
    assert _conteo(html) == 5  # the filter's count (and the pagination) comes from the summary
