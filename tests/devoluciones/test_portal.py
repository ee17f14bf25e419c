"""Recalls on the portal: paste or upload, preview, confirm, report."""

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from agencia.casos.modelos import CambioEtapa, Caso
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf


def _mundo(crear_acreedor, crear_usuario, crear_caso):
    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    crear_usuario("marcela", rol="cliente", acreedor=acme, nombre="Marcela Duarte")
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("super", rol="supervisor")
    casos = [crear_caso(acme, ana, nombre=f"Deudor Acme {n}", documento=f"90{n}")
             for n in range(3)]
    ajeno = crear_caso(otro, ana, nombre="Deudor Otro", documento="999")
    return acme, ana, casos, ajeno


def _revisar(cliente, **datos):
    token = token_csrf(cliente, "/portal/devoluciones")
    return cliente.post("/portal/devoluciones", data={"csrf_token": token, **datos},
                        content_type="multipart/form-data")


def _confirmar(cliente, html: str):
    referencias = re.search(r'<textarea name="referencias" hidden>(.*?)</textarea>', html,
                            re.S).group(1)
    motivo = re.search(r'<input type="hidden" name="motivo" value="([^"]*)"', html).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return cliente.post("/portal/devoluciones/confirmar",
                        data={"csrf_token": token, "referencias": referencias, "motivo": motivo})


def test_pegar_revisar_y_confirmar(app, cliente, crear_acreedor, crear_usuario, crear_caso):
    acme, ana, casos, ajeno = _mundo(crear_acreedor, crear_usuario, crear_caso)
    refs = [c.obligaciones[0].referencia for c in casos[:2]]
    agente = app.test_client()
    ingresar(agente, "ana")
    assert "Deudor Acme 0" in agente.get("/mi-dia").get_data(as_text=True)

    ingresar(cliente, "marcela")
    assert "Devoluciones" in cliente.get("/portal/").get_data(as_text=True)
    texto = "\n".join([*refs, ajeno.obligaciones[0].referencia, "NO-EXISTE"])
    vista = _revisar(cliente, referencias=texto, motivo="Venta de cartera")
    html = vista.get_data(as_text=True)
    assert vista.status_code == 200
    assert "Se devolverán <strong>2</strong> casos" in html
    assert html.count("No encontrada") >= 2
    assert "Deudor Otro" not in html
    assert db.session.scalar(select(func.count(CambioEtapa.id))) == 0  # preview writes nothing

    hecho = _confirmar(cliente, html)
    assert hecho.status_code == 200
    html = hecho.get_data(as_text=True)
    assert "2 casos devueltos" in html
    db.session.expire_all()
    assert [db.session.get(Caso, c.id).etapa for c in casos] == ["devuelto", "devuelto",
                                                                  "prejuridico"]
    assert db.session.get(Caso, ajeno.id).etapa == "prejuridico"

    # The portal lists them under their etapa; the history stays visible.
    lista = cliente.get("/portal/casos?etapa=devuelto").get_data(as_text=True)
    assert "Deudor Acme 0" in lista and "Deudor Acme 2" not in lista
    assert "Devuelto" in cliente.get(f"/portal/casos/{casos[0].id}").get_data(as_text=True)

    # Out of the agent's bandeja.
    bandeja = agente.get("/mi-dia").get_data(as_text=True)
    assert "Deudor Acme 0" not in bandeja and "Deudor Acme 1" not in bandeja
    assert "Deudor Acme 2" in bandeja

    # Staff see the stage change, who and why, in the caso's timeline.
    supervisor = app.test_client()
    ingresar(supervisor, "super")
    detalle = supervisor.get(f"/casos/{casos[0].id}").get_data(as_text=True)
    assert "Devuelto por el acreedor (portal, Marcela Duarte): Venta de cartera" in detalle

    # A second recall of the same referencias changes nothing.
    vista = _revisar(cliente, referencias="\n".join(refs))
    assert "Ya estaba devuelto" in vista.get_data(as_text=True)
    assert "Confirmar devolución" not in vista.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CambioEtapa.id))) == 2


def test_archivo_csv_y_xlsx(cliente, crear_acreedor, crear_usuario, crear_caso):
    _, _, casos, _ = _mundo(crear_acreedor, crear_usuario, crear_caso)
    ingresar(cliente, "marcela")
    csv = f"Referencia;otra\n{casos[0].obligaciones[0].referencia};x\n\n".encode("cp1252")
    vista = _revisar(cliente, archivo=(io.BytesIO(csv), "devolucion.csv"))
    html = vista.get_data(as_text=True)
    assert vista.status_code == 200 and "Se devolverán <strong>1</strong> caso" in html
    assert _confirmar(cliente, html).status_code == 200

    libro = Workbook()
    hoja = libro.active
    hoja.append(["nombre", "referencia"])
    hoja.append(["Alguien", casos[1].obligaciones[0].referencia])
    hoja.append(["Alguien", casos[0].obligaciones[0].referencia])
    contenido = io.BytesIO()
    libro.save(contenido)
    contenido.seek(0)
    html = _revisar(cliente, archivo=(contenido, "devolucion.xlsx")).get_data(as_text=True)
    assert "Se devolverán <strong>1</strong> caso" in html and "Ya estaba devuelto" in html
    _confirmar(cliente, html)
    db.session.expire_all()
    assert [db.session.get(Caso, c.id).etapa for c in casos] == ["devuelto", "devuelto",
                                                                  "prejuridico"]


def test_entrada_mala_da_400_con_mensaje(cliente, crear_acreedor, crear_usuario, crear_caso):
    _mundo(crear_acreedor, crear_usuario, crear_caso)
    ingresar(cliente, "marcela")
    sin_columna = _revisar(cliente, archivo=(io.BytesIO(b"codigo\nA1\n"), "d.csv"))
    assert sin_columna.status_code == 400
    assert "Falta la columna «referencia»" in sin_columna.get_data(as_text=True)
    vacio = _revisar(cliente, referencias="  \n ")
    assert vacio.status_code == 400 and "No hay referencias" in vacio.get_data(as_text=True)
    muchas = _revisar(cliente, referencias="\n".join(f"R{n}" for n in range(5001)))
    assert muchas.status_code == 400 and "5.000" in muchas.get_data(as_text=True)
    binario = _revisar(cliente, archivo=(io.BytesIO(b"\x00\x01\x02"), "d.csv"))
    assert binario.status_code == 400


def test_solo_el_cliente_usa_la_pagina(cliente, crear_acreedor, crear_usuario, crear_caso):
    _mundo(crear_acreedor, crear_usuario, crear_caso)
    ingresar(cliente, "ana")
    assert cliente.get("/portal/devoluciones").status_code == 403
