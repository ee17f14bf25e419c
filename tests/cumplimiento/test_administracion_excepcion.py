"""The audited exception on the policy page: only an admin sets it, with a reason; it may
loosen the law, the engine applies it, and setting and withdrawing it are audited."""

from datetime import time

import pytest
from sqlalchemy import select

from agencia.auth.modelos import Usuario
from agencia.cumplimiento import motor
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.servicios import PermisoDenegado, fijar_excepcion, quitar_excepcion
from agencia.extensiones import db
from tests.conftest import ingresar
from tests.cumplimiento.paginas import (
    auditoria,
    filas_politica,
    formulario,
    preparar_mundo,
    url_politica,
)


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso):
    return preparar_mundo(crear_acreedor, crear_usuario, crear_caso)


def _excepcion(cliente, acreedor, motivo: str, **cambios):
    url = url_politica(acreedor)
    datos = formulario(cliente, url, url + "/excepcion")
    for campo, valor in cambios.items():  # None unticks a checkbox
        if valor is None:
            datos.pop(f"excepcion-{campo}")
        else:
            datos[f"excepcion-{campo}"] = valor
    datos["excepcion-motivo"] = motivo
    return cliente.post(url + "/excepcion", data=datos)


def test_excepcion_del_admin_con_motivo_se_guarda_audita_y_aplica(cliente, mundo):
    acreedor, caso = mundo
    ingresar(cliente, "admin")

    respuesta = _excepcion(cliente, acreedor, "Acuerdo con el deudor para ser llamado el sábado "
                           "por la tarde", desde_5="08:00", hasta_5="17:00")

    assert respuesta.status_code == 302
    fila = db.session.scalars(select(PoliticaAcreedor)).one()
    assert fila.excepcion == {"horario": {"5": ["08:00", "17:00"]}}
    assert fila.excepcion_motivo.startswith("Acuerdo con el deudor")
    [entrada] = auditoria("politica.excepcion")
    assert entrada.acreedor_id == acreedor.id
    assert entrada.antes["excepcion"] is None
    assert entrada.despues == {"pais": "CO", "excepcion": fila.excepcion,
                               "motivo": fila.excepcion_motivo}
    assert motor.politica_para(caso)[0].horario[5] == (time(8), time(17))
    html = cliente.get(url_politica(acreedor)).get_data(as_text=True)
    assert "excepción activa" in html and "Acuerdo con el deudor" in html
    # The tightening form still starts from the law, not from the exception.
    assert formulario(cliente, url_politica(acreedor))["hasta_5"] == "15:00"


@pytest.mark.parametrize("motivo", ["", "   ", "porque sí"])
def test_excepcion_sin_motivo_se_rechaza(cliente, mundo, motivo):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    respuesta = _excepcion(cliente, acreedor, motivo, prohibido_visita=None)
    assert respuesta.status_code == 400
    assert "Escriba el motivo de la excepción (al menos 10 caracteres)." in respuesta.get_data(
        as_text=True)
    assert filas_politica() == 0 and auditoria("politica.excepcion") == []


def test_excepcion_que_no_cambia_nada_se_rechaza(cliente, mundo):
    acreedor, _ = mundo
    ingresar(cliente, "admin")
    respuesta = _excepcion(cliente, acreedor, "Motivo suficientemente largo")
    assert respuesta.status_code == 400
    assert "La excepción no cambia nada" in respuesta.get_data(as_text=True)
    assert filas_politica() == 0


def test_excepcion_solo_la_fija_un_admin(mundo):
    acreedor, _ = mundo
    jefe = db.session.scalars(select(Usuario).where(Usuario.usuario == "supervisor")).one()
    with pytest.raises(PermisoDenegado):
        fijar_excepcion(acreedor.id, "CO", {"max_por_dia": 2}, "Motivo suficientemente largo", jefe)
    with pytest.raises(PermisoDenegado):
        quitar_excepcion(acreedor.id, "CO", jefe)
    assert filas_politica() == 0


def test_retirar_la_excepcion_queda_auditado(cliente, mundo):
    acreedor, caso = mundo
    ingresar(cliente, "admin")
    url = url_politica(acreedor)
    assert _excepcion(cliente, acreedor, "Visita pactada con el deudor por escrito",
                      prohibido_visita=None).status_code == 302
    assert "visita" not in motor.politica_para(caso)[0].canales_prohibidos
    token = formulario(cliente, url)["csrf_token"]

    respuesta = cliente.post(url + "/excepcion/retirar", data={"csrf_token": token})

    assert respuesta.status_code == 302
    fila = db.session.scalars(select(PoliticaAcreedor)).one()
    assert fila.excepcion is None and fila.excepcion_motivo is None
    [entrada] = auditoria("politica.excepcion_retirada")
    assert entrada.antes["excepcion"] == {"canales_prohibidos": []}
    assert entrada.despues["excepcion"] is None
    assert "visita" in motor.politica_para(caso)[0].canales_prohibidos
    # Withdrawing twice says so, without a second entry.
    assert cliente.post(url + "/excepcion/retirar", data={"csrf_token": token}).status_code == 400
    assert len(auditoria("politica.excepcion_retirada")) == 1
