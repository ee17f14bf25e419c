"""Proposing on the caso page and the approval flow: agent, supervisor, acreedor (portal)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.modelos import Auditoria
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.promesas.servicios import hoy_local
from tests.acuerdos.conftest import decidir, proponer
from tests.conftest import ingresar


def _acuerdos() -> list[Acuerdo]:
    return list(db.session.scalars(select(Acuerdo).order_by(Acuerdo.id)))


def _acciones() -> list[str]:
    return list(db.session.scalars(select(Auditoria.accion).where(
        Auditoria.entidad == "acuerdo").order_by(Auditoria.id)))


def test_calcular_muestra_el_plan_sin_guardar(cliente, oficina):
    ingresar(cliente, "ana")
    respuesta = proponer(cliente, oficina.caso.id, accion="calcular",
                         quita_intereses_pct="50")
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    assert "Dentro del mandato" in html
    assert "$ 1.100.000" in html  # total a acordar
    assert "Abono inicial" in html
    assert _acuerdos() == []


def test_calcular_fuera_del_mandato_dice_quien_aprueba(cliente, oficina):
    ingresar(cliente, "ana")
    html = proponer(cliente, oficina.caso.id, accion="calcular",
                    quita_capital_pct="15").get_data(as_text=True)
    assert "La quita sobre capital (15 %) supera el máximo del mandato (0 %)." in html
    assert "Requiere aprobación del supervisor" in html
    assert _acuerdos() == []


def test_dentro_del_mandato_queda_vigente_con_carta(cliente, oficina):
    ingresar(cliente, "ana")
    respuesta = proponer(cliente, oficina.caso.id)
    assert respuesta.status_code == 302
    [acuerdo] = _acuerdos()
    assert acuerdo.estado == "vigente" and acuerdo.nivel_aprobacion == "agente"
    assert acuerdo.vigente_desde is not None
    assert acuerdo.total_acordado == Decimal("1200000")
    assert [c.numero for c in acuerdo.cuotas] == [0, 1, 2, 3, 4, 5, 6]
    assert sum(c.monto for c in acuerdo.cuotas) == acuerdo.total_acordado
    assert db.session.get(Caso, oficina.caso.id).etapa == "acuerdo"
    carta = db.session.get(Carta, acuerdo.carta_id)
    assert carta.plantilla == "acuerdo_pago" and carta.parametros == {"acuerdo_id": acuerdo.id}
    assert _acciones() == ["acuerdo.proponer", "acuerdo.vigente"]
    html = cliente.get(f"/casos/{oficina.caso.id}").get_data(as_text=True)
    assert f"Acuerdo n.º {acuerdo.id}" in html and "Vigente" in html


def test_fuera_del_mandato_lo_aprueba_el_supervisor(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="10")
    [acuerdo] = _acuerdos()
    assert acuerdo.estado == "pendiente_supervisor" and acuerdo.nivel_aprobacion == "supervisor"
    assert acuerdo.excepciones
    assert db.session.get(Caso, oficina.caso.id).etapa == "prejuridico"
    html = cliente.get(f"/casos/{oficina.caso.id}").get_data(as_text=True)
    assert "Esperando: Un supervisor" in html
    url = f"/acuerdos/{acuerdo.id}/aprobar"
    assert decidir(cliente, url, pagina=f"/casos/{oficina.caso.id}").status_code == 403

    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    lista = supervisor.get("/aprobaciones").get_data(as_text=True)
    assert f"n.º {acuerdo.id}" in lista and "Ana" in lista
    assert decidir(supervisor, url, "Cliente con buen historial").status_code == 302
    db.session.expire_all()
    acuerdo = db.session.get(Acuerdo, acuerdo.id)
    assert acuerdo.estado == "vigente" and acuerdo.supervisor_id == oficina.supervisor.id
    assert acuerdo.carta_id is not None
    assert db.session.get(Caso, oficina.caso.id).etapa == "acuerdo"
    # Posted again: applied once.
    assert decidir(supervisor, url, "otra vez").status_code == 409
    assert _acciones() == ["acuerdo.proponer", "acuerdo.aprobar", "acuerdo.vigente"]
    assert db.session.scalar(select(func.count(Carta.id))) == 1


def test_nivel_acreedor_supervisor_y_luego_portal(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_intereses_pct="100", quita_capital_pct="0",
             nota="Desempleado; ofrece pagar el capital completo")
    # 200.000 of 1.200.000 = 16,7 %: within the supervisor's threshold (20) by default.
    [acuerdo] = _acuerdos()
    assert acuerdo.estado == "vigente"

    caso2 = oficina.caso
    db.session.get(Acuerdo, acuerdo.id).estado = "anulado"
    db.session.commit()
    proponer(cliente, caso2.id, quita_capital_pct="50", quita_intereses_pct="100",
             abono_inicial="60.000", nota="Desempleado; ofrece la mitad del capital")
    acuerdo = _acuerdos()[-1]
    assert acuerdo.nivel_aprobacion == "acreedor" and acuerdo.estado == "pendiente_supervisor"

    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    assert decidir(supervisor, f"/acuerdos/{acuerdo.id}/aprobar").status_code == 302
    db.session.expire_all()
    assert db.session.get(Acuerdo, acuerdo.id).estado == "pendiente_acreedor"
    assert "El acreedor (en el portal)" in supervisor.get(
        f"/acuerdos/{acuerdo.id}").get_data(as_text=True)

    portal = app.test_client()
    ingresar(portal, "cliente-acme")
    lista = portal.get("/portal/aprobaciones").get_data(as_text=True)
    assert f"n.º {acuerdo.id}" in lista
    detalle = portal.get(f"/portal/acuerdos/{acuerdo.id}").get_data(as_text=True)
    assert "ofrece la mitad del capital" in detalle and "$ 500.000" in detalle
    url = f"/portal/acuerdos/{acuerdo.id}/aprobar"
    assert decidir(portal, url).status_code == 302
    db.session.expire_all()
    acuerdo = db.session.get(Acuerdo, acuerdo.id)
    assert acuerdo.estado == "vigente" and acuerdo.acreedor_usuario_id == oficina.cliente.id
    assert db.session.get(Caso, caso2.id).etapa == "acuerdo"
    assert decidir(portal, url).status_code == 409


def test_rechazos_con_motivo(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="10")
    [acuerdo] = _acuerdos()
    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    url = f"/acuerdos/{acuerdo.id}/rechazar"
    respuesta = decidir(supervisor, url, "corto")
    assert respuesta.status_code == 400
    assert "al menos 10 caracteres" in respuesta.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Acuerdo, acuerdo.id).estado == "pendiente_supervisor"
    assert decidir(supervisor, url, "La quita supera lo razonable").status_code == 302
    db.session.expire_all()
    acuerdo = db.session.get(Acuerdo, acuerdo.id)
    assert acuerdo.estado == "rechazado" and acuerdo.motivo_cierre == \
        "La quita supera lo razonable"
    html = cliente.get(f"/casos/{oficina.caso.id}").get_data(as_text=True)
    assert "Rechazado" in html and "La quita supera lo razonable" in html


def test_el_acreedor_rechaza_en_el_portal(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="50", quita_intereses_pct="100")
    [acuerdo] = _acuerdos()
    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    decidir(supervisor, f"/acuerdos/{acuerdo.id}/aprobar")
    portal = app.test_client()
    ingresar(portal, "cliente-acme")
    url = f"/portal/acuerdos/{acuerdo.id}/rechazar"
    assert decidir(portal, url, "").status_code == 400
    assert decidir(portal, url, "No aceptamos quitas de capital").status_code == 302
    db.session.expire_all()
    acuerdo = db.session.get(Acuerdo, acuerdo.id)
    assert acuerdo.estado == "rechazado" and acuerdo.acreedor_motivo.startswith("No aceptamos")
    assert _acciones()[-1] == "acuerdo.rechazar"


def test_cliente_de_otro_acreedor_recibe_404(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="50", quita_intereses_pct="100")
    [acuerdo] = _acuerdos()
    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    decidir(supervisor, f"/acuerdos/{acuerdo.id}/aprobar")
    otro = app.test_client()
    ingresar(otro, "cliente-otro")
    assert f"n.º {acuerdo.id}" not in otro.get("/portal/aprobaciones").get_data(as_text=True)
    assert otro.get(f"/portal/acuerdos/{acuerdo.id}").status_code == 404
    for accion in ("aprobar", "rechazar"):
        url = f"/portal/acuerdos/{acuerdo.id}/{accion}"
        assert decidir(otro, url, "Un motivo suficientemente largo",
                       pagina="/portal/").status_code == 404
    assert otro.get(f"/acuerdos/{acuerdo.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Acuerdo, acuerdo.id).estado == "pendiente_acreedor"


def test_agente_fuera_del_caso_no_ve_el_acuerdo(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id)
    [acuerdo] = _acuerdos()
    beto = app.test_client()
    ingresar(beto, "beto")
    assert beto.get(f"/acuerdos/{acuerdo.id}").status_code == 404


def test_segunda_propuesta_se_rechaza(cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="10")
    respuesta = proponer(cliente, oficina.caso.id)
    assert respuesta.status_code == 400
    assert "ya tiene un acuerdo abierto" in respuesta.get_data(as_text=True)
    assert len(_acuerdos()) == 1


@pytest.mark.parametrize("preparar, cambios, mensaje", [
    (lambda c: setattr(c, "etapa", "pagado"), {}, "El caso está cerrado"),
    (lambda c: setattr(c, "en_disputa", True), {}, "en disputa"),
    (lambda c: setattr(c, "etapa", "juridico"), {}, "Jurídico"),
    (None, {"quita_capital_pct": "100", "quita_intereses_pct": "100"}, "mayor que cero"),
    (None, {"primera_fecha": "2020-01-01"}, "no puede ser pasada"),
    (None, {"tipo": "pronto_pago", "fecha_limite": "2020-01-01"}, "no puede ser pasada"),
    (None, {"abono_inicial": "120.000,50"}, "sin centavos"),
    (None, {"quita_capital_pct": "abc"}, "porcentaje"),
    (None, {"numero_cuotas": "0"}, "al menos una cuota"),
    (None, {"tipo": "otro"}, "pronto pago"),
])
def test_propuestas_invalidas_no_escriben_nada(cliente, oficina, preparar, cambios, mensaje):
    if preparar:
        preparar(oficina.caso)
        db.session.commit()
    ingresar(cliente, "ana")
    respuesta = proponer(cliente, oficina.caso.id, **cambios)
    assert respuesta.status_code == 400
    assert mensaje in respuesta.get_data(as_text=True)
    assert _acuerdos() == []
    assert _acciones() == []


def test_pronto_pago(cliente, oficina):
    ingresar(cliente, "ana")
    limite = hoy_local() + timedelta(days=10)
    respuesta = proponer(cliente, oficina.caso.id, tipo="pronto_pago",
                         quita_intereses_pct="100", fecha_limite=limite.isoformat())
    assert respuesta.status_code == 302
    [acuerdo] = _acuerdos()
    assert acuerdo.tipo == "pronto_pago" and acuerdo.estado == "vigente"
    assert [(c.numero, c.fecha, c.monto) for c in acuerdo.cuotas] == [
        (1, limite, Decimal("1000000"))]
    assert acuerdo.fecha_limite == limite and acuerdo.abono_inicial == 0


def test_anular(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="10")
    [acuerdo] = _acuerdos()
    pagina = f"/casos/{oficina.caso.id}"
    url = f"/acuerdos/{acuerdo.id}/anular"
    assert decidir(cliente, url, "corto", pagina=pagina).status_code == 400
    assert decidir(cliente, url, "El deudor cambió de opinión", pagina=pagina).status_code == 302
    db.session.expire_all()
    assert db.session.get(Acuerdo, acuerdo.id).estado == "anulado"

    proponer(cliente, oficina.caso.id)  # within the mandate: vigente
    vigente = _acuerdos()[-1]
    assert vigente.estado == "vigente"
    url = f"/acuerdos/{vigente.id}/anular"
    assert decidir(cliente, url, "El deudor cambió de opinión", pagina=pagina).status_code == 403
    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    assert decidir(supervisor, url, "Acuerdo mal registrado").status_code == 302
    db.session.expire_all()
    assert db.session.get(Acuerdo, vigente.id).estado == "anulado"
    assert db.session.get(Caso, oficina.caso.id).etapa == "negociacion"
    assert "acuerdo.anular" in _acciones()


def test_cada_parte_ve_lo_que_le_espera(app, cliente, oficina):
    ingresar(cliente, "ana")
    proponer(cliente, oficina.caso.id, quita_capital_pct="50", quita_intereses_pct="100")
    [acuerdo] = _acuerdos()
    html = cliente.get("/mi-dia").get_data(as_text=True)
    assert "Mis acuerdos en aprobación" in html and f"/acuerdos/{acuerdo.id}" in html
    supervisor = app.test_client()
    ingresar(supervisor, "sofia")
    assert 'title="Acuerdos esperando aprobación">1</span>' in supervisor.get(
        "/mi-dia").get_data(as_text=True)
    decidir(supervisor, f"/acuerdos/{acuerdo.id}/aprobar")
    portal = app.test_client()
    ingresar(portal, "cliente-acme")
    assert 'title="Acuerdos esperando su decisión">1</span>' in portal.get(
        "/portal/").get_data(as_text=True)
    otro = app.test_client()
    ingresar(otro, "cliente-otro")
    assert "Acuerdos esperando su decisión" not in otro.get("/portal/").get_data(as_text=True)
