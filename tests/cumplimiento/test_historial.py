"""contactos_previos: the person's contacts across casos, within a window, in one query."""

from agencia.casos.modelos import Caso
from agencia.cumplimiento.historial import contactos_previos
from agencia.extensiones import db
from tests.cumplimiento.conftest import local, utc


def test_contactos_de_todos_los_casos_del_deudor(caso_en, crear_acreedor, gestion):
    caso = caso_en("CO")
    otro = Caso(acreedor_id=crear_acreedor("OTRO").id, deudor_id=caso.deudor_id)
    ajeno = caso_en("CO")
    db.session.add(otro)
    db.session.commit()
    gestion(caso, local("2026-03-09 08:00"), "llamada", resultado="no_contesta")
    gestion(otro, local("2026-03-10 08:00"), "sms", resultado="promesa_pago")
    gestion(caso, local("2026-03-11 08:00"), "whatsapp", direccion="entrante",
            resultado="mensaje_dejado")
    gestion(ajeno, local("2026-03-10 09:00"), "llamada")

    historial = contactos_previos([caso.deudor_id, ajeno.deudor_id],
                                  utc("2026-03-01 00:00"), utc("2026-03-31 00:00"))
    propios = historial[caso.deudor_id]
    assert [(c.canal, c.direccion, c.directo) for c in propios] == [
        ("llamada", "saliente", False), ("sms", "saliente", True),
        ("whatsapp", "entrante", True)]
    assert propios[0].momento == local("2026-03-09 08:00")
    assert propios[0].momento.utcoffset().total_seconds() == 0
    assert len(historial[ajeno.deudor_id]) == 1


def test_ventana_incluye_los_extremos(caso_en, gestion):
    caso = caso_en("CO")
    for dia in ("08", "09", "10"):
        gestion(caso, local(f"2026-03-{dia} 08:00"), "llamada")
    historial = contactos_previos([caso.deudor_id], local("2026-03-09 08:00"),
                                  local("2026-03-10 08:00"))
    assert len(historial[caso.deudor_id]) == 2


def test_sin_deudores_no_consulta(app):
    assert contactos_previos([], utc("2026-03-01 00:00"), utc("2026-03-02 00:00")) == {}


def test_la_red_de_tenencia_no_oculta_otros_acreedores(app, caso_en, crear_acreedor, gestion):
    """A cliente's request filters Caso to its acreedor; the history must not be filtered."""
    from flask import g

    caso = caso_en("CO")
    otro = Caso(acreedor_id=crear_acreedor("OTRO").id, deudor_id=caso.deudor_id)
    db.session.add(otro)
    db.session.commit()
    gestion(otro, local("2026-03-10 08:00"), "llamada")
    with app.test_request_context():
        g.acreedor_tenencia = caso.acreedor_id
        historial = contactos_previos([caso.deudor_id], utc("2026-03-01 00:00"),
                                      utc("2026-03-31 00:00"))
    assert len(historial[caso.deudor_id]) == 1
