"""Logging a gestion: saved, shown, audited; bad input is refused with a message."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf


@pytest.fixture
def caso_de_ana(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana", nombre="Ana Agente")
    return crear_caso(acme, ana)


def _datos(cliente, caso, **cambios):
    # Inbound: always recordable, so these tests do not depend on the hour they run at (the
    # contact policy's checks of outbound gestiones are in test_politica.py).
    datos = {"canal": "llamada", "direccion": "entrante", "resultado": "titular_contactado",
             "nota": "Dice que paga el viernes.", "proxima_accion": "",
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    datos.update(cambios)
    return datos


def _gestiones() -> int:
    return db.session.scalar(select(func.count(Gestion.id)))


def test_gestion_registrada_se_ve_y_queda_auditada(cliente, caso_de_ana):
    caso = caso_de_ana
    ingresar(cliente, "ana")
    proxima = date.today() + timedelta(days=3)
    respuesta = cliente.post(f"/casos/{caso.id}/gestiones",
                             data=_datos(cliente, caso, proxima_accion=proxima.isoformat()))
    assert respuesta.status_code == 302
    assert respuesta.headers["Location"].endswith(f"/casos/{caso.id}")

    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "Gestión registrada." in html
    assert "Dice que paga el viernes." in html and "Titular contactado" in html
    assert "Ana Agente" in html and proxima.strftime("%d/%m/%Y") in html

    gestion = db.session.scalars(select(Gestion)).one()
    assert (gestion.canal, gestion.resultado, gestion.usuario.usuario) == (
        "llamada", "titular_contactado", "ana")
    db.session.refresh(caso)
    assert caso.proxima_accion == proxima and caso.ultima_gestion_en == gestion.creado_en
    auditoria = db.session.scalars(
        select(Auditoria).where(Auditoria.accion == "gestion.registrada")).one()
    assert auditoria.entidad_id == caso.id and auditoria.acreedor_id == caso.acreedor_id
    assert auditoria.antes == {"ultima_gestion_en": None, "proxima_accion": None}
    assert auditoria.despues["proxima_accion"] == proxima.isoformat()
    assert auditoria.despues["gestion"]["id"] == gestion.id


def test_gestion_cuenta_en_mi_dia(cliente, caso_de_ana):
    ingresar(cliente, "ana")
    cliente.post(f"/casos/{caso_de_ana.id}/gestiones", data=_datos(cliente, caso_de_ana))
    html = cliente.get("/mi-dia").get_data(as_text=True)
    assert '<span class="valor">1</span><span class="rotulo">Gestiones hoy' in html


@pytest.mark.parametrize(
    ("cambios", "mensaje"),
    [
        ({"resultado": ""}, "Elija el resultado de la gestión."),
        ({"canal": "paloma"}, "Elija un canal de la lista."),
        ({"direccion": "lateral"}, "Elija una dirección de la lista."),
        ({"resultado": "inventado"}, "Elija un resultado de la lista."),
        ({"nota": "x" * 2001}, "La nota admite hasta 2000 caracteres."),
        ({"proxima_accion": "31/02/2025"}, "Escriba una fecha válida"),
        ({"proxima_accion": "2020-01-01"}, "La próxima acción no puede ser una fecha pasada."),
    ],
)
def test_gestion_invalida_da_400_con_mensaje_y_no_guarda(cliente, caso_de_ana, cambios, mensaje):
    ingresar(cliente, "ana")
    respuesta = cliente.post(f"/casos/{caso_de_ana.id}/gestiones",
                             data=_datos(cliente, caso_de_ana, **cambios))
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert mensaje in html and "Revise los datos de la gestión." in html
    assert "María Fernanda Gómez Rojas" in html  # the caso page, not an error page
    assert _gestiones() == 0
    assert db.session.scalar(select(func.count(Auditoria.id)).where(
        Auditoria.accion == "gestion.registrada")) == 0


def test_gestion_sin_csrf_da_400(cliente, caso_de_ana):
    ingresar(cliente, "ana")
    datos = _datos(cliente, caso_de_ana)
    del datos["csrf_token"]
    respuesta = cliente.post(f"/casos/{caso_de_ana.id}/gestiones", data=datos)
    assert respuesta.status_code == 400
    assert "código de seguridad" in respuesta.get_data(as_text=True)
    assert _gestiones() == 0


def test_gestion_en_caso_inexistente_da_404(cliente, caso_de_ana):
    ingresar(cliente, "ana")
    respuesta = cliente.post("/casos/999999/gestiones", data=_datos(cliente, caso_de_ana))
    assert respuesta.status_code == 404
    assert _gestiones() == 0
