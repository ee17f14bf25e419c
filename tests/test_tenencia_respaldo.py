"""The ORM backstop: inside a cliente's request, a query that forgot the scoping helper
still sees only that cliente's acreedor."""

from flask import g
from sqlalchemy import func, select

from agencia.casos.modelos import Caso
from agencia.extensiones import db


def test_consulta_sin_ayudante_limitada_al_acreedor_del_cliente(app, crear_acreedor, crear_caso):
    a, b = crear_acreedor("AAA"), crear_acreedor("BBB")
    crear_caso(a), crear_caso(b), crear_caso(b)
    with app.test_request_context("/portal/"):
        g.acreedor_tenencia = a.id
        assert db.session.scalar(select(func.count()).select_from(Caso)) == 1
        assert {c.acreedor_id for c in db.session.scalars(select(Caso))} == {a.id}
        g.pop("acreedor_tenencia")  # the test shares one app context (and g) across both
    with app.test_request_context("/mi-dia"):
        assert db.session.scalar(select(func.count()).select_from(Caso)) == 3
