"""Each gestion outcome leads on: a promise, an invalid phone, a callback, a next action."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Gestion
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from agencia.promesas.modelos import Promesa
from agencia.promesas.servicios import hoy_local
from tests.conftest import ingresar, token_csrf


@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana", nombre="Ana Agente")
    caso = crear_caso(acme, ana, capitales=("500000",))
    caso.deudor.zona_horaria = "America/Bogota"
    db.session.commit()
    return caso


def _post(cliente, caso, **cambios):
    datos = {"canal": "llamada", "direccion": "entrante", "resultado": "titular_contactado",
             "nota": "", "proxima_accion": "",
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    datos.update(cambios)
    return cliente.post(f"/casos/{caso.id}/gestiones", data=datos)


def _cuenta(modelo) -> int:
    return db.session.scalar(select(func.count(modelo.id)))


def test_promesa_crea_promesa_pendiente_enlazada_y_sugiere_su_fecha(cliente, caso):
    ingresar(cliente, "ana")
    fecha = hoy_local() + timedelta(days=5)
    respuesta = _post(cliente, caso, resultado="promesa_pago", promesa_monto="200.000",
                      promesa_fecha=fecha.isoformat())
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "Promesa de pago registrada" in html and "$ 200.000" in html
    promesa = db.session.scalars(select(Promesa)).one()
    gestion = db.session.scalars(select(Gestion)).one()
    assert (promesa.monto, promesa.fecha, promesa.estado, promesa.gestion_id) == (
        Decimal("200000.00"), fecha, "pendiente", gestion.id)
    assert db.session.get(Caso, caso.id).proxima_accion == fecha
    assert db.session.scalar(select(func.count(Auditoria.id)).where(
        Auditoria.accion == "promesa.crear")) == 1


@pytest.mark.parametrize(
    ("cambios", "mensaje"),
    [
        ({"promesa_monto": "", "promesa_fecha": "+5"}, "Indique el monto"),
        ({"promesa_monto": "0", "promesa_fecha": "+5"}, "mayor que cero"),
        ({"promesa_monto": "900.000", "promesa_fecha": "+5"}, "no puede superar el saldo"),
        ({"promesa_monto": "doce", "promesa_fecha": "+5"}, "Escriba un monto válido"),
        ({"promesa_monto": "1000", "promesa_fecha": ""}, "Indique la fecha"),
        ({"promesa_monto": "1000", "promesa_fecha": "-1"}, "no puede ser pasada"),
        ({"promesa_monto": "1000", "promesa_fecha": "+61"}, "más de 60 días"),
    ],
)
def test_promesa_invalida_400_sin_escribir(cliente, caso, cambios, mensaje):
    dias = cambios["promesa_fecha"]
    if dias:
        cambios["promesa_fecha"] = (hoy_local() + timedelta(days=int(dias))).isoformat()
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, resultado="promesa_pago", **cambios)
    assert respuesta.status_code == 400
    assert mensaje in respuesta.get_data(as_text=True)
    assert _cuenta(Promesa) == 0 and _cuenta(Gestion) == 0


def test_numero_errado_marca_el_telefono_no_valido(cliente, caso):
    telefono = caso.deudor.contactos[0]
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, resultado="numero_errado", contacto_id=str(telefono.id))
    assert respuesta.status_code == 302
    assert db.session.get(Contacto, telefono.id).valido is False
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "contacto.invalido")).one()
    assert entrada.despues["valido"] is False


@pytest.mark.parametrize("cual", ["", "email", "999999"])
def test_numero_errado_exige_un_telefono_del_deudor(cliente, caso, cual):
    valor = str(caso.deudor.contactos[1].id) if cual == "email" else cual
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, resultado="numero_errado", contacto_id=valor)
    assert respuesta.status_code == 400
    assert "teléfono" in respuesta.get_data(as_text=True)
    assert _cuenta(Gestion) == 0
    assert all(c.valido for c in db.session.scalars(select(Contacto)))


def test_volver_a_llamar_guarda_el_momento_en_utc_en_hora_del_deudor(cliente, caso):
    ingresar(cliente, "ana")
    dia = hoy_local() + timedelta(days=2)
    respuesta = _post(cliente, caso, resultado="volver_llamar", volver_fecha=dia.isoformat(),
                      volver_hora="10:30")
    assert respuesta.status_code == 302
    caso = db.session.get(Caso, caso.id)
    # Bogotá is UTC-5 all year.
    assert caso.volver_a_llamar_en == datetime(dia.year, dia.month, dia.day, 15, 30, tzinfo=UTC)
    assert caso.proxima_accion == dia
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert f"{dia:%d/%m/%Y} 10:30" in html


@pytest.mark.parametrize(
    ("fecha", "hora", "mensaje"),
    [("+2", "", "Indique la hora"), ("", "10:00", "Indique la fecha"),
     ("-1", "10:00", "momento futuro"), ("+90", "10:00", "más de 60 días"),
     ("+1", "25:99", "Escriba una hora válida")],
)
def test_volver_a_llamar_invalido(cliente, caso, fecha, hora, mensaje):
    fecha = (hoy_local() + timedelta(days=int(fecha))).isoformat() if fecha else ""
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, resultado="volver_llamar", volver_fecha=fecha,
                      volver_hora=hora)
    assert respuesta.status_code == 400 and mensaje in respuesta.get_data(as_text=True)
    assert _cuenta(Gestion) == 0 and db.session.get(Caso, caso.id).volver_a_llamar_en is None


@pytest.mark.parametrize(("resultado", "dias"),
                         [("no_contesta", 1), ("titular_contactado", 3), ("negativa", 7)])
def test_proxima_accion_sugerida_si_se_deja_vacia(cliente, caso, resultado, dias):
    ingresar(cliente, "ana")
    assert _post(cliente, caso, resultado=resultado).status_code == 302
    assert db.session.get(Caso, caso.id).proxima_accion == hoy_local() + timedelta(days=dias)


def test_proxima_accion_elegida_se_respeta(cliente, caso):
    ingresar(cliente, "ana")
    elegida = hoy_local() + timedelta(days=10)
    _post(cliente, caso, resultado="no_contesta", proxima_accion=elegida.isoformat())
    assert db.session.get(Caso, caso.id).proxima_accion == elegida


def test_ya_pago_sugiere_registrar_el_pago(cliente, caso):
    ingresar(cliente, "ana")
    respuesta = _post(cliente, caso, resultado="ya_pago")
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert f'href="/casos/{caso.id}#pagos">registre el pago</a>' in html


def test_disputa_sigue_marcando_el_caso(cliente, caso):
    ingresar(cliente, "ana")
    _post(cliente, caso, resultado="disputa", nota="Dice que nunca tuvo esa tarjeta.")
    assert db.session.get(Caso, caso.id).en_disputa is True


def test_campos_de_resultado_en_el_formulario(cliente, caso):
    ingresar(cliente, "ana")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert 'data-resultado="promesa_pago"' in html and 'name="promesa_monto"' in html
    assert caso.deudor.contactos[0].valor in html and "resultado.js" in html
