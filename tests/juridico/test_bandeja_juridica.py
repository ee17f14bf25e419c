"""The legal queue: who sees which casos, filters, workload, taking a caso, reassigning."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db
from agencia.juridico import bandeja as b
from agencia.juridico import procesos as p
from agencia.juridico.modelos import ProcesoJuridico
from agencia.tipos import ahora
from tests.conftest import ingresar, token_csrf


@pytest.fixture
def cartera(crear_acreedor, crear_usuario, crear_caso):
    a = crear_acreedor("AAA", nombre="Banco Andino")
    u = crear_acreedor("USD", nombre="Dollar Corp", moneda="USD", pais="US")
    laura = crear_usuario("laura", rol="abogado", nombre="Laura Abogada")
    pedro = crear_usuario("pedro", rol="abogado", nombre="Pedro Abogado")
    supervisor = crear_usuario("supervisor", rol="supervisor")
    crear_usuario("agente")
    crear_usuario("cliente-a", rol="cliente", acreedor=a)
    casos = {
        "laura1": crear_caso(a, nombre="Deudor Laura Uno", etapa="juridico", capitales=("100000",)),
        "laura2": crear_caso(a, nombre="Deudor Laura Dos", etapa="juridico", capitales=("200000",)),
        "pedro": crear_caso(a, nombre="Deudor Pedro", etapa="juridico", capitales=("300000",)),
        "firma": crear_caso(u, nombre="Deudor Firma", etapa="juridico", capitales=("450.50",)),
        "libre": crear_caso(a, nombre="Deudor Libre", etapa="juridico", capitales=("50000",)),
        "nuevo": crear_caso(a, nombre="Deudor Sin Proceso", etapa="juridico",
                            capitales=("70000",)),
        "fuera": crear_caso(a, nombre="Deudor Negociando", etapa="negociacion"),
    }
    pronto = ahora() + timedelta(days=2)
    lejos = ahora() + timedelta(days=30)
    for clave, abogado, firma, audiencia in [
            ("laura1", laura, None, lejos), ("laura2", laura, None, pronto),
            ("pedro", pedro, None, pronto), ("firma", None, "Bufete Ruiz", None),
            ("libre", None, None, None)]:
        db.session.add(ProcesoJuridico(
            acreedor_id=casos[clave].acreedor_id, caso_id=casos[clave].id,
            abogado_id=abogado.id if abogado else None, firma_externa=firma,
            radicado=f"RAD-{clave}", juzgado=f"Juzgado {clave}", proxima_audiencia=audiencia))
    db.session.commit()
    return {"casos": casos, "laura": laura, "pedro": pedro, "supervisor": supervisor}


def _nombres(html: str) -> list[str]:
    return re.findall(r'href="/casos/\d+#proceso">([^<]+)</a>', html)


def test_el_abogado_ve_los_suyos_y_los_sin_asignar(cliente, cartera):
    ingresar(cliente, "laura")
    html = cliente.get("/juridico/").get_data(as_text=True)
    assert sorted(_nombres(html)) == ["Deudor Laura Dos", "Deudor Laura Uno", "Deudor Libre",
                                      "Deudor Sin Proceso"]
    assert html.count(">Sin asignar</span>") == 2
    assert html.count(">Tomar</button>") == 2
    assert "Carga por abogado" not in html


def test_orden_por_proxima_audiencia_primero(cliente, cartera):
    ingresar(cliente, "laura")
    nombres = _nombres(cliente.get("/juridico/").get_data(as_text=True))
    assert nombres[:2] == ["Deudor Laura Dos", "Deudor Laura Uno"]
    nombres = _nombres(cliente.get("/juridico/?orden=saldo").get_data(as_text=True))
    assert nombres[0] == "Deudor Laura Dos"


@pytest.mark.parametrize("filtro, esperados", [
    ({}, {"Deudor Laura Uno", "Deudor Laura Dos", "Deudor Pedro", "Deudor Firma",
          "Deudor Libre", "Deudor Sin Proceso"}),
    ({"abogado": "PEDRO"}, {"Deudor Pedro"}),
    ({"firma": "Bufete Ruiz"}, {"Deudor Firma"}),
    ({"abogado": "sin_asignar"}, {"Deudor Libre", "Deudor Sin Proceso"}),
    ({"acreedor_id": "USD"}, {"Deudor Firma"}),
])
def test_filtros_del_supervisor(cliente, cartera, filtro, esperados):
    if filtro.get("abogado") == "PEDRO":
        filtro["abogado"] = str(cartera["pedro"].id)
    if filtro.get("acreedor_id") == "USD":
        filtro["acreedor_id"] = str(cartera["casos"]["firma"].acreedor_id)
    ingresar(cliente, "supervisor")
    html = cliente.get("/juridico/", query_string=filtro).get_data(as_text=True)
    assert set(_nombres(html)) == esperados


def test_filtro_invalido_da_400(cliente, cartera):
    ingresar(cliente, "supervisor")
    r = cliente.get("/juridico/?abogado=cualquiera")
    assert r.status_code == 400 and "Elija el abogado de la lista" in r.get_data(as_text=True)


def test_ultima_actuacion_en_la_fila(cliente, cartera):
    proceso = p.proceso_de(cartera["casos"]["pedro"])
    p.registrar_actuacion(proceso, date.today() - timedelta(days=9), "demanda", "", cartera["pedro"])
    p.registrar_actuacion(proceso, date.today() - timedelta(days=1), "notificacion", "", cartera["pedro"])
    db.session.commit()
    ingresar(cliente, "supervisor")
    html = cliente.get("/juridico/", query_string={"abogado": cartera["pedro"].id}).get_data(
        as_text=True)
    assert "Notificación al deudor" in html and "Radicación de la demanda" not in html


def test_cargas_por_abogado_y_firma(cartera):
    cargas = b.cargas()
    por_nombre = {a.nombre: c for a, c in cargas.abogados}
    laura = por_nombre["Laura Abogada"]
    assert laura.casos == 2 and laura.saldos == {"COP": Decimal("300000")}
    assert laura.audiencias == 1
    assert por_nombre["Pedro Abogado"].casos == 1 and por_nombre["Pedro Abogado"].audiencias == 1
    assert cargas.firmas[0][0] == "Bufete Ruiz"
    assert cargas.firmas[0][1].saldos == {"USD": Decimal("450.50")}
    assert cargas.sin_asignar.casos == 2  # with and without a proceso
    assert cargas.sin_asignar.saldos == {"COP": Decimal("120000")}


def test_la_pagina_muestra_la_carga_al_supervisor(cliente, cartera):
    ingresar(cliente, "supervisor")
    html = cliente.get("/juridico/").get_data(as_text=True)
    fila = re.search(r'<tr class="carga-abogado"><td>Laura Abogada</td>(.*?)</tr>', html).group(1)
    assert ">2<" in fila and "$ 300.000" in fila
    assert "US$ 450,50" in html


# ---------------------------------------------------------------- taking a caso


def test_tomar_un_caso_sin_proceso_y_uno_libre(cliente, cartera):
    ingresar(cliente, "laura")
    for clave in ("nuevo", "libre"):
        caso = cartera["casos"][clave]
        r = cliente.post(f"/juridico/casos/{caso.id}/tomar",
                         data={"csrf_token": token_csrf(cliente, "/juridico/")})
        assert r.status_code == 302
        assert p.proceso_de(caso).abogado_id == cartera["laura"].id
    assert db.session.scalar(select(Auditoria).where(Auditoria.accion == "proceso.tomar"))


def test_dos_abogados_toman_el_mismo_caso_gana_uno(cliente, app, cartera):
    caso = cartera["casos"]["libre"]
    ingresar(cliente, "laura")
    token = token_csrf(cliente, "/juridico/")
    otro = app.test_client()
    ingresar(otro, "pedro")
    token_otro = token_csrf(otro, "/juridico/")
    assert cliente.post(f"/juridico/casos/{caso.id}/tomar",
                        data={"csrf_token": token}).status_code == 302
    r = otro.post(f"/juridico/casos/{caso.id}/tomar", data={"csrf_token": token_otro})
    assert r.status_code == 400
    assert "ya lo tomó Laura Abogada" in r.get_data(as_text=True)
    assert p.proceso_de(caso).abogado_id == cartera["laura"].id


def test_tomar_es_condicional_en_el_servicio(cartera):
    caso = cartera["casos"]["libre"]
    b.tomar(caso, cartera["pedro"])
    with pytest.raises(p.ProcesoInvalido, match="ya lo tomó Pedro Abogado"):
        b.tomar(caso, cartera["laura"])


def test_supervisor_no_toma(cliente, cartera):
    ingresar(cliente, "supervisor")
    r = cliente.post(f"/juridico/casos/{cartera['casos']['libre'].id}/tomar",
                     data={"csrf_token": token_csrf(cliente, "/juridico/")})
    assert r.status_code == 403


# ---------------------------------------------------------------- reassigning


def _post(cliente, url, datos):
    return cliente.post(url, data={**datos, "csrf_token": token_csrf(cliente, "/juridico/")})


def test_reasignar_un_caso_a_una_firma(cliente, cartera):
    caso = cartera["casos"]["laura1"]
    ingresar(cliente, "supervisor")
    r = _post(cliente, "/juridico/reasignar", {"caso_ids": caso.id,
                                               "firma_externa": "Castro Abogados",
                                               "motivo": "Especialistas en la plaza"})
    assert r.status_code == 302
    proceso = p.proceso_de(caso)
    assert proceso.firma_externa == "Castro Abogados" and proceso.abogado_id is None
    auditoria = db.session.scalar(select(Auditoria).where(Auditoria.accion == "proceso.reasignar"))
    assert auditoria.despues["firma_externa"] == "Castro Abogados"


def test_reasignar_un_caso_sin_proceso_a_un_abogado(cliente, cartera):
    caso = cartera["casos"]["nuevo"]
    ingresar(cliente, "supervisor")
    r = _post(cliente, "/juridico/reasignar", {"caso_ids": caso.id,
                                               "abogado_id": cartera["pedro"].id})
    assert r.status_code == 302
    assert p.proceso_de(caso).abogado_id == cartera["pedro"].id


@pytest.mark.parametrize("datos, texto", [
    ({"firma_externa": "X", "abogado_id": "PEDRO"}, "uno de los dos"),
    ({}, "uno de los dos"),
    ({"abogado_id": "AGENTE"}, "abogado activo"),
])
def test_reasignar_con_destino_invalido_da_400(cliente, cartera, datos, texto):
    from agencia.auth.modelos import Usuario
    if datos.get("abogado_id") == "PEDRO":
        datos["abogado_id"] = cartera["pedro"].id
    if datos.get("abogado_id") == "AGENTE":
        datos["abogado_id"] = db.session.scalar(
            select(Usuario.id).where(Usuario.usuario == "agente"))
    ingresar(cliente, "supervisor")
    r = _post(cliente, "/juridico/reasignar", {"caso_ids": cartera["casos"]["laura1"].id,
                                               **datos})
    assert r.status_code == 400 and texto in r.get_data(as_text=True)
    assert p.proceso_de(cartera["casos"]["laura1"]).abogado_id == cartera["laura"].id


def test_reasignar_caso_fuera_de_juridico_da_400(cliente, cartera):
    ingresar(cliente, "supervisor")
    r = _post(cliente, "/juridico/reasignar", {"caso_ids": cartera["casos"]["fuera"].id,
                                               "abogado_id": cartera["pedro"].id})
    assert r.status_code == 400 and "están en Jurídico" in r.get_data(as_text=True)


def test_mover_todos_los_casos_de_un_abogado(cliente, cartera):
    ingresar(cliente, "supervisor")
    r = _post(cliente, "/juridico/mover", {"desde_id": cartera["laura"].id,
                                           "abogado_id": cartera["pedro"].id})
    assert r.status_code == 302
    for clave in ("laura1", "laura2"):
        assert p.proceso_de(cartera["casos"][clave]).abogado_id == cartera["pedro"].id
    por_nombre = {a.nombre: c for a, c in b.cargas().abogados}
    assert por_nombre["Pedro Abogado"].casos == 3 and por_nombre["Laura Abogada"].casos == 0
    assert len(db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "proceso.reasignar")).all()) == 2


def test_mover_al_mismo_abogado_da_400(cliente, cartera):
    ingresar(cliente, "supervisor")
    r = _post(cliente, "/juridico/mover", {"desde_id": cartera["laura"].id,
                                           "abogado_id": cartera["laura"].id})
    assert r.status_code == 400 and "distinto" in r.get_data(as_text=True)


def test_abogado_no_reasigna(cliente, cartera):
    ingresar(cliente, "laura")
    r = _post(cliente, "/juridico/reasignar", {"caso_ids": cartera["casos"]["pedro"].id,
                                               "abogado_id": cartera["laura"].id})
    assert r.status_code == 403


# ---------------------------------------------------------------- access


def test_agente_recibe_403_y_cliente_404(cliente, app, cartera):
    ingresar(cliente, "agente")
    assert cliente.get("/juridico/").status_code == 403
    otro = app.test_client()
    ingresar(otro, "cliente-a")
    assert otro.get("/juridico/").status_code == 404


def test_el_menu_muestra_juridico_al_abogado_y_no_al_agente(cliente, app, cartera):
    ingresar(cliente, "laura")
    assert 'href="/juridico/"' in cliente.get("/juridico/").get_data(as_text=True)
    otro = app.test_client()
    ingresar(otro, "agente")
    assert 'href="/juridico/"' not in otro.get("/mi-dia").get_data(as_text=True)
