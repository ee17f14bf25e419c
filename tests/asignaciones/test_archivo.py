"""Reading placement files: encodings, separators, XLSX, headers, and whole-file errors."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.asignaciones.servicios import ErrorImportacion, importar_archivo
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from tests.asignaciones.conftest import ENCABEZADO, MUESTRA


def contar(modelo) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo))


def nada_escrito() -> bool:
    return contar(Caso) == contar(Obligacion) == contar(Deudor) == contar(Auditoria) == 0


def test_utf8_con_bom_y_punto_y_coma(acme, archivo_csv):
    ruta = archivo_csv("\ufeff" + "\r\n".join([
        "Referencia;Número Documento;NOMBRE;Fecha Vencimiento;Capital;Teléfono",
        "R1;1020304050;Ñusta Peñaloza Ibáñez;31/12/2025;1.234.567,89;300 111 2233|300 444 5566",
    ]) + "\r\n")
    reporte = importar_archivo(ruta, "ACME")
    assert reporte.importado and reporte.obligaciones_nuevas == 1, reporte.como_texto()
    obligacion = db.session.scalar(select(Obligacion))
    assert obligacion.capital == Decimal("1234567.89")
    assert obligacion.fecha_vencimiento == date(2025, 12, 31)
    deudor = db.session.scalar(select(Deudor))
    assert deudor.nombre == "Ñusta Peñaloza Ibáñez"
    assert [c.valor for c in deudor.contactos] == ["+573001112233", "+573004445566"]


def test_windows_1252(acme, archivo_csv):
    ruta = archivo_csv([ENCABEZADO + ",ciudad", "R1,123456,José Muñoz,2025-12-31,1000,Bogotá"],
                       codificacion="cp1252")
    assert importar_archivo(ruta, "ACME").importado
    deudor = db.session.scalar(select(Deudor))
    assert (deudor.nombre, deudor.ciudad) == ("José Muñoz", "Bogotá")


def test_xlsx(acme, tmp_path):
    from openpyxl import Workbook

    libro = Workbook()
    hoja = libro.active
    hoja.append(["Referencia", "Numero documento", "Nombre", "Fecha vencimiento", "Capital",
                 "Intereses"])
    hoja.append(["X1", 1020304050, "Ana Ríos", datetime(2025, 7, 1), 1234567.89, 100])
    hoja.append(["X2", "79845123", "Beto Gil", "15/08/2025", "1.500.000", None])
    ruta = tmp_path / "cartera.xlsx"
    libro.save(ruta)

    reporte = importar_archivo(ruta, "ACME")
    assert reporte.importado and reporte.obligaciones_nuevas == 2, reporte.como_texto()
    x1 = db.session.scalar(select(Obligacion).where(Obligacion.referencia == "X1"))
    assert (x1.capital, x1.intereses, x1.saldo) == (
        Decimal("1234567.89"), Decimal("100.00"), Decimal("1234667.89"))
    assert x1.caso.deudor.numero_documento == "1020304050"
    assert x1.fecha_vencimiento == date(2025, 7, 1)


def test_numero_de_linea_del_archivo_con_lineas_en_blanco_y_celdas_de_varias_lineas(
    acme, archivo_csv
):
    ruta = archivo_csv([
        ENCABEZADO + ",direccion",
        "R1,111,Ana,2025-01-01,100,\"Calle 1\nBarrio Centro\"",
        "",
        "R2,222,Beto,2025-01-01,abc,Calle 2",
    ])
    reporte = importar_archivo(ruta, "ACME")
    assert [(r.linea, r.columna) for r in reporte.rechazos] == [(5, "capital")]


def test_columnas_desconocidas_se_ignoran_y_se_mencionan(acme, archivo_csv):
    ruta = archivo_csv([ENCABEZADO + ",Observaciones", "R1,111,Ana,2025-01-01,100,llamar tarde"])
    reporte = importar_archivo(ruta, "ACME")
    assert reporte.importado
    assert "Columnas no reconocidas (ignoradas): «observaciones»" in reporte.como_texto()


def test_falta_columna_obligatoria(acme, archivo_csv):
    ruta = archivo_csv(["referencia,numero_documento,nombre,fecha_vencimiento",
                        "R1,111,Ana,2025-01-01"])
    with pytest.raises(ErrorImportacion, match="Falta la columna obligatoria «capital»."):
        importar_archivo(ruta, "ACME")
    assert nada_escrito()


def test_faltan_varias_columnas(acme, archivo_csv):
    with pytest.raises(ErrorImportacion) as error:
        importar_archivo(archivo_csv(["referencia,nombre", "R1,Ana"]), "ACME")
    assert str(error.value) == ("Faltan las columnas obligatorias «numero_documento», "
                                "«fecha_vencimiento», «capital».")


@pytest.mark.parametrize("contenido, mensaje", [
    ("", "El archivo está vacío."),
    ("\n\n  \n", "El archivo está vacío."),
    (ENCABEZADO + "\n", "El archivo solo tiene el encabezado"),
    (ENCABEZADO + ",capital\nR1,1,A,2025-01-01,1,1\n", "Columnas repetidas en el encabezado: «capital»."),
])
def test_archivos_que_no_se_pueden_importar(acme, archivo_csv, contenido, mensaje):
    with pytest.raises(ErrorImportacion, match=mensaje):
        importar_archivo(archivo_csv(contenido), "ACME")
    assert nada_escrito()


def test_archivo_binario(acme, tmp_path):
    ruta = tmp_path / "foto.csv"
    ruta.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ErrorImportacion, match="no es un CSV de texto"):
        importar_archivo(ruta, "ACME")
    xlsx_roto = tmp_path / "roto.xlsx"
    xlsx_roto.write_bytes(b"PK\x03\x04" + b"basura" * 10)
    with pytest.raises(ErrorImportacion, match="XLSX"):
        importar_archivo(xlsx_roto, "ACME")


def test_csv_mal_formado(acme, archivo_csv):
    enorme = "x" * 200_000
    with pytest.raises(ErrorImportacion, match="El archivo CSV está mal formado"):
        importar_archivo(archivo_csv([ENCABEZADO, f'R1,1,"{enorme}",2025-01-01,1']), "ACME")
    assert nada_escrito()


def test_acreedor_desconocido_o_inactivo(crear_acreedor):
    with pytest.raises(ErrorImportacion, match="No existe el acreedor «NOPE»."):
        importar_archivo(MUESTRA, "NOPE")
    inactivo = crear_acreedor("VIEJO")
    inactivo.activo = False
    db.session.commit()
    with pytest.raises(ErrorImportacion, match="está inactivo"):
        importar_archivo(MUESTRA, "VIEJO")
    assert nada_escrito()


def test_codigo_del_acreedor_sin_distinguir_mayusculas(acme):
    assert importar_archivo(MUESTRA, "acme").importado


def test_importar_contenido_subido(acme):
    from agencia.asignaciones.servicios import importar_contenido

    contenido = io.BytesIO(MUESTRA.read_bytes()).getvalue()
    reporte = importar_contenido(contenido, "subido.csv", "ACME")
    db.session.commit()
    assert reporte.importado and reporte.archivo == "subido.csv" and contar(Caso) == 9


def test_encabezados_con_nombres_alternativos(acme, archivo_csv):
    ruta = archivo_csv([
        "No. Obligación;Cédula;Nombres;Vence;Valor;Saldo Capital Extra;Celular;Correo",
        "R1;1.020.304.050;Ana Ríos;31-12-2025;$ 1.500.000;x;300 111 2233;ana@example.com",
    ])
    reporte = importar_archivo(ruta, "ACME")
    assert reporte.importado and reporte.obligaciones_nuevas == 1, reporte.como_texto()
    assert reporte.columnas_ignoradas == ["saldo_capital_extra"]
    obligacion = db.session.scalar(select(Obligacion))
    assert (obligacion.referencia, obligacion.capital) == ("R1", Decimal("1500000.00"))
    assert obligacion.fecha_vencimiento == date(2025, 12, 31)
    deudor = db.session.scalar(select(Deudor))
    assert (deudor.numero_documento, deudor.nombre) == ("1020304050", "Ana Ríos")
    assert [c.valor for c in deudor.contactos] == ["+573001112233", "ana@example.com"]


def test_formulas_en_celdas_se_rechazan_con_linea_y_columna(acme, archivo_csv, tmp_path):
    ruta = archivo_csv([ENCABEZADO, 'R1,111,"=HYPERLINK(""http://x.co"",""Ana"")",2026-01-01,1000',
                        "R2,222,Beto,2026-01-01,=100*2"])
    reporte = importar_archivo(ruta, "ACME")
    assert not reporte.importado and nada_escrito()
    assert [(r.linea, r.columna) for r in reporte.rechazos] == [(2, "nombre"), (3, "capital")]
    assert "fórmula de hoja de cálculo «=HYPERLINK(" in reporte.rechazos[0].motivo

    from openpyxl import Workbook

    libro = Workbook()
    hoja = libro.active
    hoja.append(["referencia", "numero_documento", "nombre", "fecha_vencimiento", "capital"])
    hoja.append(["X1", "333", "Caro", "2026-01-01", "=10*10"])
    libro.save(tmp_path / "formulas.xlsx")
    reporte = importar_archivo(tmp_path / "formulas.xlsx", "ACME")
    assert [(r.linea, r.columna) for r in reporte.rechazos] == [(2, "capital")]
    assert nada_escrito()
