"""The caso page holds several forms (gestion, etapa, acuerdo, payment, letters): every id
must be unique, or a label would point at another form's field (a user clicking "Nota" of one
form would type in another)."""

import re
from collections import Counter

from tests.conftest import ingresar


def test_la_pagina_del_caso_no_repite_ids(cliente, crear_acreedor, crear_usuario, crear_caso):
    caso = crear_caso(crear_acreedor(), crear_usuario("ana", rol="supervisor"))
    ingresar(cliente, "ana")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    repetidos = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
    assert repetidos == []
