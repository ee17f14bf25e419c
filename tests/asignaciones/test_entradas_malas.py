"""Issue 6's bad input, row by row: each gets a message naming the line and the column, and an
all-or-nothing import with any of them writes nothing."""

import pytest
from sqlalchemy import func, select

from agencia.asignaciones.archivo import ErrorImportacion
from agencia.asignaciones.servicios import importar_contenido
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db

CABECERA = "referencia,tipo_documento,numero_documento,nombre,telefono,fecha_vencimiento,capital"
BUENA = "R1,CC,1020304050,Ana Pérez,3001234567,01/02/2026,1000"


def _importar(*lineas: str):
    contenido = ("\n".join([CABECERA, *lineas]) + "\n").encode()
    return importar_contenido(contenido, "cartera.csv", "ACME", todo_o_nada=True)


@pytest.mark.parametrize(("linea", "columna", "motivo"), [
    ("R2,CC,1020304051,Beto Ruiz,3001234568,31/02/2026,1000", "fecha_vencimiento",
     "fecha inexistente «31/02/2026»"),
    ("R2,CC,1020304051,Beto Ruiz,3001234568,01/02/2026,mil", "capital", "monto no válido «mil»"),
    ("R2,CC,1020304051,Beto Ruiz,3001234568,01/02/2026,-1000", "capital", "monto negativo"),
    ("R2,CC,,Beto Ruiz,3001234568,01/02/2026,1000", "numero_documento", "falta el valor"),
    ("R2,CC,1020304051," + "B" * 500 + ",3001234568,01/02/2026,1000", "nombre",
     "texto demasiado largo"),
    ("R1,CC,1020304051,Beto Ruiz,3001234568,01/02/2026,2000", "referencia",
     "referencia «R1» repetida (ya aparece en la línea 2)"),
    (BUENA, "referencia", "repetida"),  # the same line twice
    ('R2,CC,1020304051,"=HYPERLINK(""http://x.co"",""clic"")",3001234568,01/02/2026,1000',
     "nombre", "fórmula"),
])
def test_fila_mala_se_reporta_con_linea_y_columna_y_nada_se_escribe(acme, linea, columna, motivo):
    reporte = _importar(BUENA, linea)
    assert not reporte.importado
    assert [(r.linea, r.columna) for r in reporte.rechazos] == [(3, columna)]
    assert motivo in reporte.rechazos[0].motivo
    db.session.rollback()
    for modelo in (Caso, Obligacion, Deudor):
        assert db.session.scalar(select(func.count()).select_from(modelo)) == 0


def test_lineas_en_blanco_se_saltan_sin_perder_la_numeracion(acme):
    reporte = _importar("", BUENA, "   ", "R2,CC,1020304051,Beto Ruiz,3001234568,01/02/2026,x")
    assert [(r.linea, r.columna) for r in reporte.rechazos] == [(5, "capital")]


@pytest.mark.parametrize(("contenido", "mensaje"), [
    (CABECERA.replace(",", ";", 3) + "\n" + BUENA + "\n", "mezcla los separadores"),
    (CABECERA + "\n", "solo tiene el encabezado"),
    (b"\xff\xfe\x00\x00garbage".decode("latin-1"), None),
])
def test_archivo_entero_malo(acme, contenido, mensaje):
    with pytest.raises(ErrorImportacion) as error:
        importar_contenido(contenido.encode("latin-1") if mensaje is None else contenido.encode(),
                           "cartera.csv", "ACME")
    if mensaje:
        assert mensaje in str(error.value)
