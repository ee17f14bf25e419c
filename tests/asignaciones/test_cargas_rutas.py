"""Placement uploads in the staff UI and on the portal: upload → preview → confirm → progress →
result, the report CSV, the refusals, and tenancy."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from agencia.asignaciones import carga as escritura
from agencia.asignaciones.modelos import CargaCartera
from agencia.casos.modelos import Caso, Obligacion
from agencia.extensiones import db
from colas.trabajos.asignaciones import importar_carga_job
from tests.asignaciones.test_cargas import BUENAS, MALAS, csv_de
from tests.conftest import ingresar, token_csrf
from tests.servidores import puerto_libre


def contar(modelo) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo))


@pytest.fixture
def admin(crear_usuario):
    return crear_usuario("admin", rol="admin")


def subir(cliente, url, contenido: bytes, nombre="cartera.csv", token=None, **campos):
    token = token or token_csrf(cliente, url)
    return cliente.post(url, data={"csrf_token": token, "archivo": (io.BytesIO(contenido), nombre),
                                   **campos}, content_type="multipart/form-data")


def id_de(respuesta) -> int:
    assert respuesta.status_code == 302, respuesta.get_data(as_text=True)[:2000]
    return int(re.search(r"/cargas/(\d+)$", respuesta.headers["Location"]).group(1))


def test_subir_revisar_confirmar_y_seguir_el_avance(cliente, acme, admin, monkeypatch):
    ingresar(cliente, "admin")
    pagina = cliente.get("/asignaciones/cargas")
    assert pagina.status_code == 200 and "Cargar cartera" in pagina.get_data(as_text=True)

    carga_id = id_de(subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS, *MALAS),
                           acreedor_id=acme.id, modo="validas"))
    html = cliente.get(f"/asignaciones/cargas/{carga_id}").get_data(as_text=True)
    # Preview: detected columns, first rows, the rejected lines with column and reason.
    for texto in ("Columnas detectadas", "<code>numero_documento</code>", "Ana Ríos",
                  "fecha inexistente «31/02/2026»", "la celda contiene una fórmula",
                  "Confirmar e importar", "Descargar filas rechazadas (CSV)"):
        assert texto in html
    assert re.search(r'<td class="num">6</td><td>fecha_vencimiento</td>', html)
    assert contar(Caso) == 0

    token = token_csrf(cliente, f"/asignaciones/cargas/{carga_id}")
    respuesta = cliente.post(f"/asignaciones/cargas/{carga_id}/confirmar",
                             data={"csrf_token": token, "modo": "validas"})
    assert respuesta.status_code == 302
    carga = db.session.get(CargaCartera, carga_id)
    assert carga.estado == "en_cola" and carga.job_id
    html = cliente.get(f"/asignaciones/cargas/{carga_id}").get_data(as_text=True)
    assert f'data-progreso-url="/asignaciones/cargas/{carga_id}/estado.json"' in html
    estado = cliente.get(f"/asignaciones/cargas/{carga_id}/estado.json").get_json()
    assert (estado["estado"], estado["progreso"], estado["url"]) == ("en_cola", 0, None)

    # While the job imports, the page's poller sees the progress (another connection).
    monkeypatch.setattr(escritura, "TROZO", 1)
    vistos = []
    from agencia.asignaciones import cargas

    original = cargas._publicar_avance

    def publicar(carga_id_, procesadas):
        original(carga_id_, procesadas)
        vistos.append(cliente.get(f"/asignaciones/cargas/{carga_id}/estado.json").get_json())

    monkeypatch.setattr(cargas, "_publicar_avance", publicar)
    assert importar_carga_job(carga_id) == "terminada"
    assert [v["estado"] for v in vistos[:-1]] == ["importando"] * (len(vistos) - 1)
    progresos = [v["progreso"] for v in vistos[:-1]]
    assert progresos == sorted(progresos) and 0 < progresos[-1] < 100
    assert "Importando…" in vistos[1]["mensaje"]

    estado = cliente.get(f"/asignaciones/cargas/{carga_id}/estado.json").get_json()
    assert (estado["estado"], estado["estado_carga"], estado["progreso"]) == ("lista", "terminada", 100)
    assert estado["url"] == f"/asignaciones/cargas/{carga_id}"
    html = cliente.get(f"/asignaciones/cargas/{carga_id}").get_data(as_text=True)
    assert "Importación terminada" in html and "Casos del lote" in html
    caso = db.session.scalars(select(Caso)).first()
    assert f'href="/casos/{caso.id}"' in html
    assert contar(Obligacion) == 4
    # The list of recent cargas.
    assert "Terminada" in cliente.get("/asignaciones/cargas").get_data(as_text=True)


def test_reporte_csv_lista_las_rechazadas_sin_formulas(cliente, acme, admin):
    ingresar(cliente, "admin")
    carga_id = id_de(subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS, *MALAS),
                           acreedor_id=acme.id))
    respuesta = cliente.get(f"/asignaciones/cargas/{carga_id}/reporte.csv")
    assert respuesta.status_code == 200 and respuesta.mimetype == "text/csv"
    assert "attachment" in respuesta.headers["Content-Disposition"]
    filas = list(csv.reader(io.StringIO(respuesta.get_data(as_text=True).lstrip("\ufeff")),
                            delimiter=";"))
    assert filas[0] == ["linea", "columna", "valor", "motivo"]
    assert [f[:2] for f in filas[1:]] == [["6", "fecha_vencimiento"], ["7", "capital"]]
    assert filas[2][2].startswith("'=HYPERLINK(")


def test_todo_o_nada_con_filas_malas_no_se_confirma(cliente, acme, admin):
    ingresar(cliente, "admin")
    carga_id = id_de(subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS, MALAS[0]),
                           acreedor_id=acme.id, modo="todo_o_nada"))
    token = token_csrf(cliente, f"/asignaciones/cargas/{carga_id}")
    respuesta = cliente.post(f"/asignaciones/cargas/{carga_id}/confirmar",
                             data={"csrf_token": token, "modo": "todo_o_nada"})
    assert respuesta.status_code == 400
    assert "No se puede importar con «todo o nada»: 1 de 5 filas tienen errores" in \
        respuesta.get_data(as_text=True)
    assert db.session.get(CargaCartera, carga_id).estado == "validada"
    # Confirmed twice: the second is refused.
    cliente.post(f"/asignaciones/cargas/{carga_id}/confirmar",
                 data={"csrf_token": token, "modo": "validas"})
    segunda = cliente.post(f"/asignaciones/cargas/{carga_id}/confirmar",
                           data={"csrf_token": token, "modo": "validas"})
    assert segunda.status_code == 409 and "ya no espera confirmación" in segunda.get_data(as_text=True)


@pytest.mark.parametrize(("nombre", "contenido", "codigo", "mensaje"), [
    ("vacio.csv", b"", 400, "El archivo está vacío."),
    ("encabezado.csv", b"referencia,numero_documento,nombre,fecha_vencimiento,capital\n", 400,
     "El archivo solo tiene el encabezado"),
    ("cartera.pdf", b"%PDF-1.4", 400, "Formato no reconocido «.pdf»"),
    ("utf16.csv", "referencia,nombre\n".encode("utf-16"), 400, "El archivo es texto UTF-16"),
    ("faltan.csv", b"referencia,nombre\nR1,Ana\n", 400, "Faltan las columnas obligatorias "
     "«numero_documento», «fecha_vencimiento», «capital»."),
])
def test_archivos_rechazados_en_la_pagina(cliente, acme, admin, nombre, contenido, codigo, mensaje):
    ingresar(cliente, "admin")
    respuesta = subir(cliente, "/asignaciones/cargas", contenido, nombre, acreedor_id=acme.id)
    assert respuesta.status_code == codigo
    assert mensaje in respuesta.get_data(as_text=True)
    assert contar(CargaCartera) == 0


def test_sin_archivo_o_sin_acreedor(cliente, acme, admin):
    ingresar(cliente, "admin")
    token = token_csrf(cliente, "/asignaciones/cargas")
    sin_archivo = cliente.post("/asignaciones/cargas", data={"csrf_token": token,
                                                            "acreedor_id": acme.id})
    assert sin_archivo.status_code == 400
    assert "Elija el archivo" in sin_archivo.get_data(as_text=True)
    sin_acreedor = subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS), token=token)
    assert sin_acreedor.status_code == 400 and "Elija el acreedor" in sin_acreedor.get_data(as_text=True)


def test_un_archivo_de_mas_de_50_mb_recibe_una_pagina_413_en_espanol(cliente, acme, admin):
    ingresar(cliente, "admin")
    token = token_csrf(cliente, "/asignaciones/cargas")
    contenido = csv_de(*BUENAS) + b"x" * (50 * 1024 * 1024)
    respuesta = subir(cliente, "/asignaciones/cargas", contenido, token=token, acreedor_id=acme.id)
    assert respuesta.status_code == 413
    assert "Archivo demasiado grande" in respuesta.get_data(as_text=True)
    assert contar(CargaCartera) == 0


def test_el_mismo_archivo_ya_importado_enlaza_su_carga(cliente, acme, admin):
    ingresar(cliente, "admin")
    carga_id = id_de(subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS), acreedor_id=acme.id))
    token = token_csrf(cliente, f"/asignaciones/cargas/{carga_id}")
    cliente.post(f"/asignaciones/cargas/{carga_id}/confirmar", data={"csrf_token": token})
    importar_carga_job(carga_id)
    lote_id = db.session.get(CargaCartera, carga_id).lote_id
    respuesta = subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS), acreedor_id=acme.id)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 409
    assert "Este archivo ya se importó el" in html and f"(lote {lote_id})" in html
    assert f'href="/asignaciones/cargas/{carga_id}"' in html


def test_sin_redis_al_confirmar_la_carga_queda_en_cola(cliente, acme, admin, app):
    from agencia.asignaciones.cargas import reencolar_atascadas

    ingresar(cliente, "admin")
    carga_id = id_de(subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS), acreedor_id=acme.id))
    token = token_csrf(cliente, f"/asignaciones/cargas/{carga_id}")
    url_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{puerto_libre()}/0"
    try:
        respuesta = cliente.post(f"/asignaciones/cargas/{carga_id}/confirmar",
                                 data={"csrf_token": token, "modo": "validas"})
    finally:
        app.config["REDIS_URL"] = url_redis
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "el servicio de tareas no responde" in html
    carga = db.session.get(CargaCartera, carga_id)
    assert (carga.estado, carga.job_id) == ("en_cola", None)
    # When Redis is back, the periodic job queues it.
    assert reencolar_atascadas() == 1
    db.session.commit()
    assert db.session.get(CargaCartera, carga_id).job_id is not None
    assert importar_carga_job(carga_id) == "terminada"


def test_cancelar(cliente, acme, admin):
    ingresar(cliente, "admin")
    carga_id = id_de(subir(cliente, "/asignaciones/cargas", csv_de(*BUENAS), acreedor_id=acme.id))
    token = token_csrf(cliente, f"/asignaciones/cargas/{carga_id}")
    respuesta = cliente.post(f"/asignaciones/cargas/{carga_id}/cancelar", data={"csrf_token": token})
    assert respuesta.status_code == 302
    assert db.session.get(CargaCartera, carga_id).estado == "error"
    assert contar(Caso) == 0


@pytest.mark.parametrize("rol", ["agente", "abogado"])
def test_otros_roles_del_personal_no_cargan(cliente, acme, crear_usuario, rol):
    crear_usuario("alguien", rol=rol)
    ingresar(cliente, "alguien")
    assert cliente.get("/asignaciones/cargas").status_code == 403


# ---- portal ------------------------------------------------------------------------------------


@pytest.fixture
def dos_clientes(crear_acreedor, crear_usuario, acme):
    otro = crear_acreedor("OTRO")
    crear_usuario("cliente-a", rol="cliente", acreedor=acme)
    crear_usuario("cliente-b", rol="cliente", acreedor=otro)
    return acme, otro


def test_portal_fuerza_el_acreedor_del_cliente(cliente, dos_clientes):
    acme, otro = dos_clientes
    ingresar(cliente, "cliente-a")
    assert "Cargar cartera" in cliente.get("/portal/").get_data(as_text=True)
    # Naming another acreedor is not found, and nothing is written.
    ajena = subir(cliente, "/portal/cargas", csv_de(*BUENAS), acreedor_id=otro.id)
    assert ajena.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CargaCartera)) == 0
    carga_id = id_de(subir(cliente, "/portal/cargas", csv_de(*BUENAS, MALAS[0]),
                           modo="validas"))
    carga = db.session.get(CargaCartera, carga_id)
    assert (carga.acreedor_id, carga.origen) == (acme.id, "portal")
    html = cliente.get(f"/portal/cargas/{carga_id}").get_data(as_text=True)
    assert "fecha inexistente" in html and "<select" not in html.split("Cargar cartera", 2)[-1]
    token = token_csrf(cliente, f"/portal/cargas/{carga_id}")
    assert cliente.post(f"/portal/cargas/{carga_id}/confirmar",
                        data={"csrf_token": token, "modo": "validas"}).status_code == 302
    importar_carga_job(carga_id)
    estado = cliente.get(f"/portal/cargas/{carga_id}/estado.json").get_json()
    assert (estado["estado"], estado["progreso"], estado["url"]) == (
        "lista", 100, f"/portal/cargas/{carga_id}")
    html = cliente.get(f"/portal/cargas/{carga_id}").get_data(as_text=True)
    caso = db.session.scalars(select(Caso)).first()
    assert caso.acreedor_id == acme.id and f'href="/portal/casos/{caso.id}"' in html
    reporte = cliente.get(f"/portal/cargas/{carga_id}/reporte.csv")
    assert reporte.status_code == 200 and "fecha_vencimiento" in reporte.get_data(as_text=True)


def test_cliente_de_otro_acreedor_no_ve_la_carga(cliente, dos_clientes):
    ingresar(cliente, "cliente-a")
    carga_id = id_de(subir(cliente, "/portal/cargas", csv_de(*BUENAS)))
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, "/portal/")})

    ingresar(cliente, "cliente-b")
    token = token_csrf(cliente, "/portal/")
    for sufijo in ("", "/estado.json", "/reporte.csv"):
        assert cliente.get(f"/portal/cargas/{carga_id}{sufijo}").status_code == 404
    for accion in ("confirmar", "cancelar"):
        assert cliente.post(f"/portal/cargas/{carga_id}/{accion}",
                            data={"csrf_token": token}).status_code == 404
    # Nor the staff pages, nor the list.
    assert cliente.get(f"/asignaciones/cargas/{carga_id}").status_code == 404
    assert cliente.get("/asignaciones/cargas").status_code == 404
    assert "cartera.csv" not in cliente.get("/portal/cargas").get_data(as_text=True)
    assert db.session.get(CargaCartera, carga_id).estado == "validada"


def test_el_personal_no_entra_al_portal_de_cargas(cliente, admin):
    ingresar(cliente, "admin")
    assert cliente.get("/portal/cargas").status_code in (403, 404)
