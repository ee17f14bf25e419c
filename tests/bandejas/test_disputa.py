"""A caso in disputa leaves every bandeja (DISENO §3) until a supervisor resolves it."""

from agencia.casos.contacto import resolver_disputa
from agencia.casos.servicios import registrar_gestion
from agencia.extensiones import db
from tests.conftest import ingresar


def test_caso_en_disputa_sale_de_la_bandeja_y_de_siguiente_caso(
    cliente, crear_acreedor, crear_usuario, crear_caso
):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    sara = crear_usuario("sara", rol="supervisor")
    disputado = crear_caso(acme, ana, nombre="Deudor En Disputa")
    disputado.prioridad = 999
    crear_caso(acme, ana, nombre="Deudor Normal").prioridad = 10
    db.session.commit()
    # The deudor calls in to contest the debt (inbound: recordable at any hour).
    registrar_gestion(disputado, ana.id, "llamada", "entrante", "disputa",
                      "No reconoce la obligación.")
    db.session.commit()

    ingresar(cliente, "ana")
    html = cliente.get("/mi-dia").get_data(as_text=True)
    assert "Deudor Normal" in html and "Deudor En Disputa" not in html
    assert '<span class="valor">1</span><span class="rotulo">Casos en la bandeja' in html
    siguiente = cliente.get("/mi-dia/siguiente").headers["Location"]
    assert not siguiente.endswith(f"/casos/{disputado.id}")

    resolver_disputa(disputado, sara, "El acreedor aclaró la obligación con el deudor.")
    db.session.commit()
    assert "Deudor En Disputa" in cliente.get("/mi-dia").get_data(as_text=True)
