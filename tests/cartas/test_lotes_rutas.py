"""Pages of letter batches: form, count preview, creation, progress, merged file, roles."""

import pypdf
import pytest
from sqlalchemy import func, select

from agencia.cartas.modelos import LoteCartas
from agencia.extensiones import db
from tests.cartas.test_lotes import crear_casos, generar
from tests.conftest import ingresar, token_csrf


@pytest.fixture
def casos(crear_acreedor, crear_usuario, crear_caso):
    return crear_casos(crear_acreedor, crear_usuario, crear_caso)


def _enviar(cliente, token, **campos):
    return cliente.post("/cartas/lotes", data={"csrf_token": token, **campos})


def test_contar_y_crear_un_lote(cliente, casos, monkeypatch):
    acreedor, supervisor, creados = casos
    encolados = []
    monkeypatch.setattr("agencia.cartas.lotes.encolar",
                        lambda trabajo, *ids: encolados.append(ids) or type("J", (), {"id": "j1"}))
    ingresar(cliente, "super1")
    token = token_csrf(cliente, "/cartas/lotes")
    respuesta = _enviar(cliente, token, accion="contar", acreedor_id=acreedor.id,
                        plantilla="recordatorio_amistoso", saldo_min="300.000")
    assert respuesta.status_code == 200 and 'id="conteo-lote">3<' in respuesta.text
    assert db.session.scalar(select(func.count()).select_from(LoteCartas)) == 0

    respuesta = _enviar(cliente, token, accion="crear", acreedor_id=acreedor.id,
                        plantilla="recordatorio_amistoso", saldo_min="300.000")
    lote = db.session.scalars(select(LoteCartas)).one()
    assert respuesta.status_code == 302
    assert respuesta.headers["Location"].endswith(f"/cartas/lotes/{lote.id}")
    assert lote.total == 3 and lote.job_id == "j1" and encolados == [(lote.id,)]
    pagina = cliente.get(f"/cartas/lotes/{lote.id}")
    assert pagina.status_code == 200 and f"/cartas/lotes/{lote.id}/estado.json" in pagina.text
    estado = cliente.get(f"/cartas/lotes/{lote.id}/estado.json").get_json()
    assert estado == {"estado": "pendiente", "progreso": 0, "mensaje": "En cola…", "url": None,
                      "total": 3, "generadas": 0, "omitidas": 0}
    assert cliente.get(f"/cartas/lotes/{lote.id}/combinado.pdf").status_code == 404


@pytest.mark.parametrize(("campos", "mensaje"), [
    ({"plantilla": "recordatorio_amistoso"}, "Elija el acreedor del lote."),
    ({"plantilla": "paz_y_salvo"}, "no se puede usar en un lote"),
    ({"plantilla": "recordatorio_amistoso", "mora_min": "x"}, "Días de mora mínimos"),
    ({"plantilla": "recordatorio_amistoso", "saldo_min": "999.999.999"}, "Ningún caso cumple"),
])
def test_entrada_invalida_da_400_con_mensaje(cliente, casos, campos, mensaje):
    acreedor = casos[0]
    if "Elija" not in mensaje:
        campos = {**campos, "acreedor_id": acreedor.id}
    ingresar(cliente, "super1")
    respuesta = _enviar(cliente, token_csrf(cliente, "/cartas/lotes"), accion="crear", **campos)
    assert respuesta.status_code == 400 and mensaje in respuesta.text
    assert db.session.scalar(select(func.count()).select_from(LoteCartas)) == 0


def test_lote_listo_muestra_omitidos_y_descarga_el_combinado(cliente, casos):
    import io

    from agencia.cartas import lotes

    acreedor, supervisor, creados = casos
    lote = lotes.crear_lote(acreedor.id, "recordatorio_amistoso", {}, supervisor.id)
    db.session.commit()
    creados[0].en_disputa = True
    db.session.commit()
    generar(lote.id)
    ingresar(cliente, "super1")
    estado = cliente.get(f"/cartas/lotes/{lote.id}/estado.json").get_json()
    assert (estado["estado"], estado["progreso"], estado["generadas"], estado["omitidas"]) == (
        "lista", 100, 4, 1)
    assert estado["url"].endswith(f"/cartas/lotes/{lote.id}/combinado.pdf")
    pagina = cliente.get(f"/cartas/lotes/{lote.id}").text
    assert "disputa" in pagina and creados[0].deudor.nombre in pagina
    respuesta = cliente.get(f"/cartas/lotes/{lote.id}/combinado.pdf")
    assert respuesta.status_code == 200 and respuesta.mimetype == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(respuesta.data)).pages) == 5  # one letter has 2


def _lote_creado(casos) -> LoteCartas:
    from agencia.cartas import lotes

    acreedor, supervisor, _ = casos
    lote = lotes.crear_lote(acreedor.id, "recordatorio_amistoso", {}, supervisor.id)
    db.session.commit()
    return lote


def test_agente_recibe_403(cliente, casos, crear_usuario):
    lote = _lote_creado(casos)
    crear_usuario("agente1")
    ingresar(cliente, "agente1")
    assert cliente.get("/cartas/lotes").status_code == 403
    assert cliente.get(f"/cartas/lotes/{lote.id}").status_code == 403


def test_cliente_de_otro_acreedor_recibe_404(cliente, casos, crear_usuario, crear_acreedor):
    acreedor = casos[0]
    lote = _lote_creado(casos)
    otro = crear_acreedor("OTRO")
    crear_usuario("cliente-otro", rol="cliente", acreedor=otro)
    ingresar(cliente, "cliente-otro")
    for url in ("/cartas/lotes", f"/cartas/lotes/{lote.id}", f"/cartas/lotes/{lote.id}/estado.json",
                f"/cartas/lotes/{lote.id}/combinado.pdf"):
        assert cliente.get(url).status_code == 404
    token = token_csrf(cliente, "/portal/")
    assert cliente.post(f"/cartas/lotes/{lote.id}/reintentar",
                        data={"csrf_token": token}).status_code == 404
    assert _enviar(cliente, token, accion="crear", acreedor_id=acreedor.id,
                   plantilla="recordatorio_amistoso").status_code == 404
