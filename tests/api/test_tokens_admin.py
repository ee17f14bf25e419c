"""Token administration: shown once, stored as a hash, revocable, audited, admin only."""

import hashlib
import re

from sqlalchemy import select

from agencia.api.modelos import TokenApi
from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db
from tests.api.conftest import cabecera
from tests.conftest import ingresar, token_csrf


def test_crear_muestra_el_token_una_vez_y_guarda_solo_el_hash(cliente, crear_acreedor,
                                                              crear_usuario, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    crear_usuario("admin", rol="admin")
    ingresar(cliente, "admin")
    url = f"/admin/acreedores/{acme.id}/tokens"
    assert f'href="{url}"' in cliente.get("/admin/politicas/").get_data(as_text=True)
    csrf = token_csrf(cliente, url)
    respuesta = cliente.post(url, data={"csrf_token": csrf, "nombre": "ERP de cartera",
                                        "alcances": ["casos", "devoluciones"]})
    assert respuesta.status_code == 200
    assert respuesta.headers["Cache-Control"] == "no-store"
    texto = re.search(r'value="(agc_[^"]+)"', respuesta.get_data(as_text=True)).group(1)

    token = db.session.scalar(select(TokenApi))
    assert token.hash == hashlib.sha256(texto.encode()).hexdigest()
    assert token.prefijo == texto[:12] and token.alcances == ["devoluciones", "casos"]
    assert token.acreedor_id == acme.id
    lista = cliente.get(url).get_data(as_text=True)
    assert texto not in lista and token.prefijo in lista and "ERP de cartera" in lista
    entradas = db.session.scalars(select(Auditoria).where(Auditoria.accion == "token.crear"))
    assert texto not in str([(e.antes, e.despues) for e in entradas])

    api = f"/api/v1/casos/{caso.obligaciones[0].referencia}"
    assert cliente.get(api, headers=cabecera(texto)).status_code == 200

    revocar = cliente.post(f"{url}/{token.id}/revocar", data={"csrf_token": csrf})
    assert revocar.status_code == 302
    assert cliente.get(api, headers=cabecera(texto)).status_code == 401
    assert db.session.scalar(select(Auditoria).where(Auditoria.accion == "token.revocar"))
    assert "Revocado" in cliente.get(url).get_data(as_text=True)


def test_errores_de_creacion_y_acceso(cliente, crear_acreedor, crear_usuario):
    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    crear_usuario("admin", rol="admin")
    crear_usuario("super", rol="supervisor")
    ingresar(cliente, "admin")
    url = f"/admin/acreedores/{acme.id}/tokens"
    csrf = token_csrf(cliente, url)
    sin_alcance = cliente.post(url, data={"csrf_token": csrf, "nombre": "X"})
    assert sin_alcance.status_code == 400 and "al menos un alcance" in sin_alcance.get_data(
        as_text=True)
    sin_nombre = cliente.post(url, data={"csrf_token": csrf, "alcances": ["casos"]})
    assert sin_nombre.status_code == 400
    assert db.session.scalar(select(TokenApi)) is None
    assert cliente.get("/admin/acreedores/999999/tokens").status_code == 404

    token = TokenApi(acreedor_id=otro.id, nombre="De otro", prefijo="agc_x", hash="0" * 64,
                     alcances=["casos"])
    db.session.add(token)
    db.session.commit()
    ajeno = cliente.post(f"{url}/{token.id}/revocar", data={"csrf_token": csrf})
    assert ajeno.status_code == 404
    assert db.session.get(TokenApi, token.id).revocado_en is None

    supervisor = cliente.application.test_client()
    ingresar(supervisor, "super")
    assert supervisor.get(url).status_code == 403
    assert f'href="{url}"' not in supervisor.get("/admin/politicas/").get_data(as_text=True)
