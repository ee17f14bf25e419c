"""Search for staff: by document, name, phone, email or referencia; short queries get a hint."""

import pytest

from tests.conftest import ingresar


@pytest.fixture
def casos_para_buscar(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    # Assigned to ana: an agent finds the casos assigned to them or of their teams' acreedores.
    ana = crear_usuario("ana")
    gomez = crear_caso(acme, ana, nombre="María Fernanda Gómez Rojas", documento="1020304050",
                       telefono="+573001112233", email="mafe@example.com")
    perez = crear_caso(acme, ana, nombre="Pedro Pérez", documento="79888777",
                       telefono="+573114445566", email="pedro@example.com")
    return gomez, perez


def _buscar(cliente, q: str) -> str:
    respuesta = cliente.get("/casos/buscar", query_string={"q": q})
    assert respuesta.status_code == 200
    return respuesta.get_data(as_text=True)


@pytest.mark.parametrize(
    "q",
    [
        "1020304050",          # document number
        "1.020.304.050",       # the same, as people type it
        "fernanda gómez",      # part of the name, another case
        "3001112233",          # phone without country code
        "300 111 2233",        # phone with spaces
        "MAFE@example.com",    # email
    ],
)
def test_encuentra_por_documento_nombre_telefono_y_correo(cliente, casos_para_buscar, q):
    gomez, _ = casos_para_buscar
    ingresar(cliente, "ana")
    html = _buscar(cliente, q)
    assert f'href="/casos/{gomez.id}"' in html
    assert "Pedro Pérez" not in html


def test_encuentra_por_referencia_de_obligacion(cliente, casos_para_buscar):
    _, perez = casos_para_buscar
    referencia = perez.obligaciones[0].referencia
    ingresar(cliente, "ana")
    html = _buscar(cliente, referencia.lower())
    assert f'href="/casos/{perez.id}"' in html and "María Fernanda" not in html


def test_busqueda_corta_o_vacia_muestra_una_ayuda(cliente, casos_para_buscar):
    ingresar(cliente, "ana")
    assert "Escriba un dato del deudor" in _buscar(cliente, "")
    html = _buscar(cliente, "ab")
    assert "Escriba al menos 3 caracteres" in html and "Pedro" not in html


def test_sin_resultados_lo_dice(cliente, casos_para_buscar):
    ingresar(cliente, "ana")
    assert "No se encontraron casos" in _buscar(cliente, "Zacarías")


def test_comodines_no_traen_todo(cliente, casos_para_buscar):
    ingresar(cliente, "ana")
    assert "No se encontraron casos" in _buscar(cliente, "%%%")


def test_cliente_no_usa_la_busqueda_del_personal(cliente, crear_acreedor, crear_usuario):
    acme = crear_acreedor()
    crear_usuario("portal", rol="cliente", acreedor=acme)
    ingresar(cliente, "portal")
    assert cliente.get("/casos/buscar?q=Pedro").status_code == 404
