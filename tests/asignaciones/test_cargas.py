"""Placement uploads (cargas): the service and the import job, without the web pages.

The job function is called directly (no worker runs in tests)."""

import csv
import io

import pytest
from sqlalchemy import func, select

from agencia.asignaciones import carga as escritura
from agencia.asignaciones import cargas
from agencia.asignaciones.modelos import CargaCartera, LoteAsignacion
from agencia.asignaciones.reporte import celda_segura, reporte_csv
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from colas.trabajos.asignaciones import FalloCarga, importar_carga_job

ENCABEZADO = "referencia,numero_documento,nombre,fecha_vencimiento,capital,email"
BUENAS = [
    "R1,1001,Ana Ríos,2025-01-31,150000,ana@example.com",
    "R2,1002,Beto Gil,31/01/2025,1.500.000,beto@example.com",
    "R3,1001,Ana Ríos,2025-03-01,20000,",
    "R4,1004,Dora Paz,2025-04-01,4500.50,",
]
MALAS = [
    "R5,1005,Eva Luna,31/02/2026,100,",
    'R6,1006,Fito Páez,2025-01-01,"=HYPERLINK(""http://malo.example/x"",""clic"")",',
]


def csv_de(*filas: str) -> bytes:
    return ("\n".join([ENCABEZADO, *filas]) + "\n").encode()


def contar(modelo) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo))


def recibir(acreedor, contenido: bytes, nombre="cartera.csv", todo_o_nada=False):
    carga = cargas.recibir_archivo(acreedor, nombre, contenido, None, "ui", todo_o_nada)
    db.session.commit()
    return carga


def confirmada(acreedor, contenido: bytes, todo_o_nada=False) -> CargaCartera:
    carga = recibir(acreedor, contenido, todo_o_nada=todo_o_nada)
    cargas.confirmar(carga, todo_o_nada)
    db.session.commit()
    return carga


def test_recibir_valida_todo_sin_escribir_casos(acme):
    carga = recibir(acme, csv_de(*BUENAS, *MALAS))

    assert (carga.estado, carga.total_filas, carga.filas_rechazadas) == ("validada", 6, 2)
    assert contar(Caso) == contar(Obligacion) == contar(LoteAsignacion) == 0
    assert [(r["linea"], r["columna"]) for r in carga.reporte] == [(6, "fecha_vencimiento"),
                                                                   (7, "capital")]
    assert "fecha inexistente «31/02/2026»" in carga.reporte[0]["motivo"]
    assert carga.reporte[1]["valor"].startswith("=HYPERLINK(")
    # Stored by checksum under the acreedor; the preview beside it.
    assert carga.ruta == f"cargas/{acme.id}/{carga.sha256}.csv"
    assert cargas.ruta_de(carga).read_bytes() == csv_de(*BUENAS, *MALAS)
    vista = cargas.vista_previa(carga)
    assert vista["columnas"] == ["referencia", "numero_documento", "nombre",
                                 "fecha_vencimiento", "capital", "email"]
    assert vista["filas"][0] == {"linea": 2, "datos": {
        "referencia": "R1", "numero_documento": "1001", "nombre": "Ana Ríos",
        "fecha_vencimiento": "2025-01-31", "capital": "150000", "email": "ana@example.com"}}


def test_vista_previa_nombra_las_columnas_ignoradas_y_las_primeras_diez_filas(acme):
    filas = [f"X{n},{2000 + n},Persona {n},2025-01-01,1000,,libre" for n in range(30)]
    contenido = ("Referencia,Cédula,Nombre,Vence,Valor,Correo,Observación\n"
                 + "\n".join(filas)).encode()
    vista = cargas.vista_previa(recibir(acme, contenido))
    assert vista["ignoradas"] == ["observacion"]
    assert [f["linea"] for f in vista["filas"]] == list(range(2, 12))


def test_todo_o_nada_con_filas_malas_no_se_puede_confirmar(acme):
    carga = recibir(acme, csv_de(*BUENAS, MALAS[0]), todo_o_nada=True)
    with pytest.raises(cargas.CargaInvalida, match="1 de 5 filas tienen errores"):
        cargas.confirmar(carga)
    db.session.rollback()
    assert db.session.get(CargaCartera, carga.id).estado == "validada"
    # Choosing "import the valid rows" on the preview is allowed.
    cargas.confirmar(carga, todo_o_nada=False)
    assert carga.estado == "en_cola" and carga.todo_o_nada is False


def test_el_trabajo_importa_las_filas_validas_con_avance(acme, monkeypatch):
    monkeypatch.setattr(escritura, "TROZO", 1)  # one chunk per deudor: several progress steps
    vistos = []
    original = cargas._publicar_avance

    def publicar(carga_id, procesadas):
        original(carga_id, procesadas)
        vistos.append(cargas.avance(db.session.get(CargaCartera, carga_id)))

    monkeypatch.setattr(cargas, "_publicar_avance", publicar)
    carga = confirmada(acme, csv_de(*BUENAS, *MALAS))

    assert importar_carga_job(carga.id) == "terminada"
    carga = db.session.get(CargaCartera, carga.id)
    assert (carga.estado, carga.filas_procesadas, carga.porcentaje) == ("terminada", 6, 100)
    assert carga.lote_id == db.session.scalar(select(LoteAsignacion.id))
    assert cargas.avance(carga) == (6, 100)
    # Progress: 0 at the start, rising while importing (never 100 before the commit).
    porcentajes = [p for _, p in vistos]
    assert porcentajes[0] == 0 and porcentajes == sorted(porcentajes)
    assert len(set(porcentajes)) >= 3 and max(porcentajes[:-1]) < 100
    # Valid rows in, rejected rows out, reported with line, column and reason.
    assert contar(Obligacion) == 4 and contar(Caso) == 3
    assert db.session.scalar(select(Deudor.id).where(Deudor.numero_documento == "1005")) is None
    assert {r["linea"] for r in carga.reporte} == {6, 7}
    assert {c.id for c in cargas.casos_del_lote(carga)} == set(db.session.scalars(select(Caso.id)))


def test_el_trabajo_dos_veces_no_duplica(acme):
    carga = confirmada(acme, csv_de(*BUENAS))
    importar_carga_job(carga.id)
    lote_id = db.session.get(CargaCartera, carga.id).lote_id
    assert importar_carga_job(carga.id) == "terminada"
    # Even forced back to en_cola (a job queued twice), it ends with the same lote.
    db.session.get(CargaCartera, carga.id).estado = "en_cola"
    db.session.commit()
    assert importar_carga_job(carga.id) == "terminada"
    assert db.session.get(CargaCartera, carga.id).lote_id == lote_id
    assert (contar(Obligacion), contar(Caso), contar(LoteAsignacion)) == (4, 3, 1)


def test_un_worker_muerto_a_mitad_no_deja_nada_y_se_reanuda(acme, monkeypatch):
    monkeypatch.setattr(escritura, "TROZO", 1)
    original = cargas._publicar_avance

    def morir(carga_id, procesadas):
        original(carga_id, procesadas)
        if procesadas:  # after the first chunk is written
            raise SystemExit("worker muerto")

    monkeypatch.setattr(cargas, "_publicar_avance", morir)
    carga = confirmada(acme, csv_de(*BUENAS))
    with pytest.raises(SystemExit):
        importar_carga_job(carga.id)
    db.session.rollback()  # the dead process's transaction never commits
    assert db.session.get(CargaCartera, carga.id).estado == "importando"
    assert contar(Obligacion) == contar(Caso) == contar(LoteAsignacion) == 0

    monkeypatch.setattr(cargas, "_publicar_avance", original)
    assert cargas.reencolar_atascadas() == 1  # its job is not alive: queued again
    db.session.commit()
    assert importar_carga_job(carga.id) == "terminada"
    assert (contar(Obligacion), contar(Caso), contar(LoteAsignacion)) == (4, 3, 1)


def test_una_importacion_que_falla_queda_en_error_sin_escribir_nada(acme, monkeypatch):
    original = escritura.escribir

    def escribir_y_fallar(*args, **kwargs):
        original(*args, **kwargs)  # every row written in the transaction, then a failure
        raise RuntimeError("disco lleno")

    monkeypatch.setattr(escritura, "escribir", escribir_y_fallar)
    carga = confirmada(acme, csv_de(*BUENAS))
    with pytest.raises(RuntimeError):
        importar_carga_job(carga.id)
    carga = db.session.get(CargaCartera, carga.id)
    assert carga.estado == "error" and "no se importó nada" in carga.error
    assert contar(Obligacion) == contar(Caso) == contar(Deudor) == contar(LoteAsignacion) == 0
    assert carga.lote_id is None


def test_todo_o_nada_que_descubre_un_conflicto_al_importar_termina_en_error(acme, crear_caso):
    carga = confirmada(acme, csv_de(*BUENAS), todo_o_nada=True)
    # Between the preview and the job, R1 was placed for another deudor.
    caso = crear_caso(acme, documento="999")
    caso.obligaciones[0].referencia = "R1"
    db.session.commit()
    with pytest.raises(FalloCarga, match="todo o nada"):
        importar_carga_job(carga.id)
    carga = db.session.get(CargaCartera, carga.id)
    assert carga.estado == "error" and carga.reporte[0]["columna"] == "referencia"
    assert contar(Obligacion) == 1


def test_el_mismo_archivo_ya_importado_se_rechaza_con_su_lote(acme):
    carga = confirmada(acme, csv_de(*BUENAS))
    importar_carga_job(carga.id)
    lote_id = db.session.get(CargaCartera, carga.id).lote_id
    with pytest.raises(cargas.CargaRepetida, match=f"ya se importó .* \\(lote {lote_id}\\)") as e:
        cargas.recibir_archivo(acme, "otra.csv", csv_de(*BUENAS), None)
    assert (e.value.lote_id, e.value.carga_id) == (lote_id, carga.id)
    # Pending (validada) uploads of the same file too.
    otra = recibir(acme, csv_de(*BUENAS[:2]))
    with pytest.raises(cargas.CargaRepetida, match=f"carga {otra.id}"):
        cargas.recibir_archivo(acme, "otra.csv", csv_de(*BUENAS[:2]), None)


def test_cancelar_una_carga_validada(acme):
    carga = recibir(acme, csv_de(*BUENAS))
    cargas.cancelar(carga)
    assert carga.estado == "error" and "cancelada" in carga.error
    with pytest.raises(cargas.CargaInvalida):
        cargas.confirmar(carga)
    # The same file may be uploaded again.
    assert recibir(acme, csv_de(*BUENAS)).estado == "validada"


# ---- file-level bad input ----------------------------------------------------------------------


def _xlsx(*hojas: tuple[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    libro = Workbook()
    libro.remove(libro.active)
    for titulo, filas in hojas:
        hoja = libro.create_sheet(titulo)
        for fila in filas:
            hoja.append(fila)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


CARTERA_XLSX = [["referencia", "numero_documento", "nombre", "fecha_vencimiento", "capital"],
                ["X1", "333", "Caro", "2026-01-01", 1000]]


@pytest.mark.parametrize(("nombre", "contenido", "mensaje"), [
    ("vacio.csv", b"", "El archivo está vacío."),
    ("blancos.csv", b"\n\n  \n", "El archivo está vacío."),
    ("encabezado.csv", (ENCABEZADO + "\n\n").encode(),
     "El archivo solo tiene el encabezado: no hay filas para importar."),
    ("utf16.csv", (ENCABEZADO + "\nR1,1,Ana,2025-01-01,10\n").encode("utf-16"),
     "El archivo es texto UTF-16, que no se puede importar: guárdelo como CSV UTF-8."),
    ("binario.csv", b"referencia;\x00\x01\x02",
     "El archivo no es un CSV de texto ni un XLSX"),
    ("viejo.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
     "El archivo es Excel 97-2003 (.xls), que no se puede importar: guárdelo como .xlsx o como CSV."),
    ("cartera.pdf", b"%PDF-1.4 ...", "Formato no reconocido «.pdf»: suba la cartera como CSV"),
    ("cartera", b"a,b\n1,2\n", "Formato no reconocido «cartera»"),
    ("dañado.xlsx", b"PK\x03\x04 no es un zip", "No se pudo leer el archivo XLSX"),
    ("faltan.csv", b"referencia,nombre,capital\nR1,Ana,10\n",
     "Faltan las columnas obligatorias «numero_documento», «fecha_vencimiento»."),
    ("falta.csv", b"referencia,documento,nombre,capital\nR1,1,Ana,10\n",
     "Falta la columna obligatoria «fecha_vencimiento»."),
    ("hojas.xlsx", _xlsx(("Cartera", CARTERA_XLSX), ("Resumen", [["total", 1000]])),
     "El libro tiene 2 hojas con datos («Cartera», «Resumen»): la cartera debe ir en una sola "
     "hoja."),
])
def test_archivos_que_no_se_reciben(acme, nombre, contenido, mensaje):
    with pytest.raises(cargas.CargaInvalida) as error:
        cargas.recibir_archivo(acme, nombre, contenido, None)
    assert mensaje in error.value.mensaje
    db.session.rollback()
    assert contar(CargaCartera) == 0


def test_un_xlsx_con_hojas_vacias_de_sobra_se_recibe(acme):
    carga = recibir(acme, _xlsx(("Hoja1", []), ("Cartera", CARTERA_XLSX), ("Hoja3", [])),
                    nombre="cartera.xlsx")
    assert (carga.total_filas, carga.filas_rechazadas) == (1, 0)
    assert carga.ruta.endswith(".xlsx")


def test_un_archivo_por_encima_del_maximo_se_rechaza(acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "CARGA_MAX_MB", 1)
    contenido = csv_de(*BUENAS) + b"R9,9,Relleno,2025-01-01,1," + b"x" * (1024 * 1024) + b"\n"
    with pytest.raises(cargas.CargaInvalida, match="pesa 1.0 MB y el máximo es 1 MB"):
        cargas.recibir_archivo(acme, "grande.csv", contenido, None)


def test_un_acreedor_inactivo_no_recibe_cartera(acme):
    acme.activo = False
    db.session.commit()
    with pytest.raises(cargas.CargaInvalida, match="inactivo"):
        cargas.recibir_archivo(acme, "c.csv", csv_de(*BUENAS), None)


# ---- the report CSV ----------------------------------------------------------------------------


@pytest.mark.parametrize("texto", ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_celda_segura_neutraliza_formulas(texto):
    assert celda_segura(texto) == "'" + texto


def test_celda_segura_deja_el_texto_normal():
    assert celda_segura("fecha inexistente") == "fecha inexistente"
    assert celda_segura(None) == "" and celda_segura(7) == "7"


def test_reporte_csv(acme):
    carga = recibir(acme, csv_de(*BUENAS, *MALAS))
    texto = reporte_csv(carga.reporte)
    assert texto.startswith("\ufefflinea;columna;valor;motivo\r\n")
    filas = list(csv.reader(io.StringIO(texto.lstrip("\ufeff")), delimiter=";"))
    assert filas[1] == ["6", "fecha_vencimiento", "31/02/2026",
                        "fecha inexistente «31/02/2026»"]
    assert filas[2][:3] == ["7", "capital", "'=HYPERLINK(\"http://malo.example/x\",\"clic\")"]
    assert all(not celda.startswith(("=", "+", "-", "@")) for fila in filas for celda in fila)
