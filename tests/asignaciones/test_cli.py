"""`agencia importar-cartera FILE --acreedor CODE`: report on stdout, exit 1 on rejections."""

from sqlalchemy import func, select

from agencia.casos.modelos import Caso
from agencia.extensiones import db
from tests.asignaciones.conftest import ENCABEZADO, MUESTRA


def test_archivo_limpio_sale_con_cero(app, acme, agentes):
    salida = app.test_cli_runner().invoke(args=["importar-cartera", str(MUESTRA), "--acreedor", "ACME"])
    assert salida.exit_code == 0, salida.output
    assert "Obligaciones nuevas: 10" in salida.output and "Casos nuevos: 9" in salida.output
    assert db.session.scalar(select(func.count()).select_from(Caso)) == 9


def test_filas_rechazadas_salen_con_uno_y_nombran_linea_y_columna(app, acme, archivo_csv):
    ruta = archivo_csv([ENCABEZADO, "R1,111,Ana,2025-01-01,100", "R2,222,Beto,2025-01-01,12,3,4"])
    ruta.write_text(ruta.read_text().replace("12,3,4", '"12,3,4"'))
    runner = app.test_cli_runner()

    salida = runner.invoke(args=["importar-cartera", str(ruta), "--acreedor", "ACME"])
    assert salida.exit_code == 1
    assert "Línea 3, columna «capital»: monto no válido «12,3,4»." in salida.output
    assert "NO SE IMPORTÓ NADA" in salida.output
    assert db.session.scalar(select(func.count()).select_from(Caso)) == 0

    solo = runner.invoke(args=["importar-cartera", str(ruta), "--acreedor", "ACME", "--solo-validas"])
    assert solo.exit_code == 1 and "Obligaciones nuevas: 1" in solo.output
    assert db.session.scalar(select(func.count()).select_from(Caso)) == 1


def test_error_de_archivo_es_mensaje_claro(app, acme, archivo_csv):
    ruta = archivo_csv(["referencia,nombre", "R1,Ana"])
    salida = app.test_cli_runner().invoke(args=["importar-cartera", str(ruta), "--acreedor", "ACME"])
    assert salida.exit_code == 1
    assert "Error: Faltan las columnas obligatorias" in salida.output
    otra = app.test_cli_runner().invoke(args=["importar-cartera", str(MUESTRA), "--acreedor", "X"])
    assert otra.exit_code == 1 and "No existe el acreedor «X»." in otra.output
