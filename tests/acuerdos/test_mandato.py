"""The mandate page: admins save it (audited), supervisors look, bad input gets 400."""

from decimal import Decimal

from sqlalchemy import select

from agencia.acuerdos.mandato import mandato_de
from agencia.acuerdos.modelos import Mandato
from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf

VALIDO = {"quita_max_capital_pct": "10", "quita_max_intereses_pct": "100",
          "quita_max_gastos_pct": "50", "condonar_intereses": "y", "cuotas_max": "24",
          "abono_inicial_min_pct": "5", "cuota_minima": "50.000",
          "umbral_supervisor_pct": "15", "umbral_acreedor_pct": "30"}


def _enviar(cliente, url, **cambios):
    datos = {**VALIDO, **cambios, "csrf_token": token_csrf(cliente, url)}
    return cliente.post(url, data={k: v for k, v in datos.items() if v is not None})


def test_por_defecto_sin_fila(oficina):
    mandato = mandato_de(oficina.acme.id)
    assert mandato.id is None and mandato.cuotas_max == 12
    assert mandato.umbral_acreedor_pct == Decimal("40")


def test_admin_guarda_y_queda_auditado(cliente, oficina):
    ingresar(cliente, "admin")
    url = f"/admin/acreedores/{oficina.acme.id}/mandato"
    assert cliente.get(url).status_code == 200
    assert _enviar(cliente, url).status_code == 302
    mandato = db.session.scalar(select(Mandato))
    assert mandato.quita_max_capital_pct == Decimal("10")
    assert mandato.cuota_minima == Decimal("50000") and mandato.cuotas_max == 24
    assert mandato.actualizado_por == oficina.admin.id
    assert _enviar(cliente, url, cuotas_max="36", condonar_intereses=None).status_code == 302
    entradas = list(db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "mandato.actualizar").order_by(Auditoria.id)))
    assert [e.antes for e in entradas][0] is None
    assert entradas[1].antes["cuotas_max"] == 24 and entradas[1].despues["cuotas_max"] == 36
    assert entradas[1].despues["condonar_intereses"] is False
    assert "Mandato de acuerdos de pago" in cliente.get("/admin/politicas/").get_data(
        as_text=True)


def test_entradas_invalidas(cliente, oficina):
    ingresar(cliente, "admin")
    url = f"/admin/acreedores/{oficina.acme.id}/mandato"
    casos = [
        ({"quita_max_capital_pct": "120"}, "entre 0 y 100"),
        ({"quita_max_gastos_pct": "-1"}, "entre 0 y 100"),
        ({"umbral_acreedor_pct": "10"}, "no puede ser menor que el del supervisor"),
        ({"cuotas_max": "0"}, "al menos 1"),
        ({"cuota_minima": "-5"}, "monto válido"),
        ({"cuota_minima": "50.000,50"}, "sin centavos"),
        ({"abono_inicial_min_pct": ""}, "Indique"),
        ({"cuotas_max": "doce"}, "número entero"),
    ]
    for cambios, mensaje in casos:
        respuesta = _enviar(cliente, url, **cambios)
        assert respuesta.status_code == 400, cambios
        assert mensaje in respuesta.get_data(as_text=True), cambios
    assert db.session.scalar(select(Mandato)) is None
    assert db.session.scalar(select(Auditoria).where(
        Auditoria.accion == "mandato.actualizar")) is None


def test_supervisor_mira_agente_no_cliente_404(app, cliente, oficina):
    url = f"/admin/acreedores/{oficina.acme.id}/mandato"
    ingresar(cliente, "sofia")
    assert cliente.get(url).status_code == 200
    assert _enviar(cliente, url).status_code == 403
    agente = app.test_client()
    ingresar(agente, "ana")
    assert agente.get(url).status_code == 403
    portal = app.test_client()
    ingresar(portal, "cliente-acme")
    assert portal.get(url).status_code == 404
    assert cliente.get("/admin/acreedores/99999/mandato").status_code == 404
