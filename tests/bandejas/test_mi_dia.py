"""Mi día: the agent's figures, bandeja order and contents, filters and "Siguiente caso"."""

from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf


def _con_prioridad(caso, prioridad):
    caso.prioridad = prioridad
    db.session.commit()
    return caso


def _orden(html: str, nombres: list[str]) -> list[str]:
    """The given names in the order they appear on the page."""
    return sorted((n for n in nombres if n in html), key=html.index)


def test_bandeja_muestra_solo_casos_abiertos_del_agente_por_prioridad(
    cliente, crear_acreedor, crear_usuario, crear_caso
):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    beto = crear_usuario("beto")
    _con_prioridad(crear_caso(acme, ana, nombre="Baja Prioridad"), 100)
    _con_prioridad(crear_caso(acme, ana, nombre="Alta Prioridad", etapa="negociacion"), 900)
    _con_prioridad(crear_caso(acme, ana, nombre="Media Prioridad", etapa="juridico"), 500)
    _con_prioridad(crear_caso(acme, ana, nombre="Caso Pagado", etapa="pagado"), 999)
    _con_prioridad(crear_caso(acme, beto, nombre="Caso De Beto"), 999)
    bloqueado = _con_prioridad(crear_caso(acme, ana, nombre="Deudor Bloqueado"), 999)
    bloqueado.deudor.no_contactar = True
    db.session.commit()

    ingresar(cliente, "ana")
    html = cliente.get("/mi-dia").get_data(as_text=True)

    todos = ["Alta Prioridad", "Media Prioridad", "Baja Prioridad", "Caso Pagado",
             "Caso De Beto", "Deudor Bloqueado"]
    assert _orden(html, todos) == ["Alta Prioridad", "Media Prioridad", "Baja Prioridad"]
    assert "Acreedor ACME" in html and "Negociación" in html


def test_cifras_del_dia(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    crear_caso(acme, ana, capitales=("1000000", "234567"))
    crear_caso(acme, ana, capitales=("500000",))
    crear_caso(acme, ana, capitales=("999999",), etapa="pagado")

    ingresar(cliente, "ana")
    html = cliente.get("/mi-dia").get_data(as_text=True)

    assert '<span class="valor">2</span><span class="rotulo">Casos en la bandeja' in html
    assert "$ 1.734.567" in html
    assert '<span class="valor">0</span><span class="rotulo">Gestiones hoy' in html


def test_filtro_por_etapa(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    crear_caso(acme, ana, nombre="En Prejuridico")
    crear_caso(acme, ana, nombre="En Negociacion", etapa="negociacion")

    ingresar(cliente, "ana")
    html = cliente.get("/mi-dia?etapa=negociacion").get_data(as_text=True)
    assert "En Negociacion" in html and "En Prejuridico" not in html
    # An unknown etapa is ignored rather than an error.
    assert cliente.get("/mi-dia?etapa=inventada").status_code == 200


def test_paginacion_de_25(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    for i in range(27):
        _con_prioridad(crear_caso(acme, ana, nombre=f"Deudor {i:02d}"), 1000 - i)

    ingresar(cliente, "ana")
    primera = cliente.get("/mi-dia").get_data(as_text=True)
    segunda = cliente.get("/mi-dia?pagina=2").get_data(as_text=True)
    assert "Deudor 00" in primera and "Deudor 24" in primera and "Deudor 25" not in primera
    assert "Deudor 25" in segunda and "Deudor 26" in segunda and "Deudor 24" not in segunda
    assert "Página 1 de 2" in primera


def test_siguiente_caso_abre_el_primero_de_la_bandeja(
    cliente, crear_acreedor, crear_usuario, crear_caso
):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    beto = crear_usuario("beto")
    _con_prioridad(crear_caso(acme, ana), 10)
    primero = _con_prioridad(crear_caso(acme, ana), 50)
    _con_prioridad(crear_caso(acme, beto), 80)

    ingresar(cliente, "ana")
    html = cliente.get("/mi-dia").get_data(as_text=True)
    assert 'data-atajo="s"' in html and "Siguiente caso" in html
    respuesta = cliente.get("/mi-dia/siguiente")
    assert respuesta.status_code == 302
    assert respuesta.headers["Location"].endswith(f"/casos/{primero.id}")


def test_siguiente_caso_con_bandeja_vacia_avisa(cliente, crear_usuario):
    crear_usuario("ana")
    ingresar(cliente, "ana")
    respuesta = cliente.get("/mi-dia/siguiente")
    assert respuesta.headers["Location"].endswith("/mi-dia")
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "No quedan casos por gestionar hoy en la bandeja." in html


def test_supervisor_ve_la_bandeja_de_un_agente(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("sofia", rol="supervisor")
    crear_caso(acme, ana, nombre="Caso De Ana", capitales=("250000",))

    ingresar(cliente, "sofia")
    propia = cliente.get("/mi-dia").get_data(as_text=True)
    assert "Caso De Ana" not in propia and 'name="agente"' in propia
    html = cliente.get(f"/mi-dia?agente={ana.id}").get_data(as_text=True)
    assert "bandeja de Ana Agente" in html and "Caso De Ana" in html
    assert "$ 250.000" in html


def test_agente_no_puede_ver_otra_bandeja(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    crear_usuario("ana")
    beto = crear_usuario("beto")
    crear_caso(acme, beto, nombre="Caso De Beto")

    ingresar(cliente, "ana")
    html = cliente.get(f"/mi-dia?agente={beto.id}").get_data(as_text=True)
    assert "Caso De Beto" not in html and 'name="agente"' not in html


def test_siguiente_caso_salta_los_ya_gestionados_hoy(
    cliente, crear_acreedor, crear_usuario, crear_caso
):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    primero = _con_prioridad(crear_caso(acme, ana), 90)
    segundo = _con_prioridad(crear_caso(acme, ana), 50)

    ingresar(cliente, "ana")
    datos = {"canal": "llamada", "direccion": "entrante", "resultado": "no_contesta",
             "csrf_token": token_csrf(cliente, "/mi-dia")}
    assert cliente.post(f"/casos/{primero.id}/gestiones", data=datos).status_code == 302
    assert cliente.get("/mi-dia/siguiente").headers["Location"].endswith(f"/casos/{segundo.id}")
    # The worked caso stays in the bandeja table.
    assert f'href="/casos/{primero.id}"' in cliente.get("/mi-dia").get_data(as_text=True)
