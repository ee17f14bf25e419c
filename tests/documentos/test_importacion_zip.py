"""A ZIP of documents named by referencia: attached per file, with a report; zip bombs,
path traversal and too many files are refused."""

import io
import zipfile

import pytest
from sqlalchemy import select

from agencia.documentos.importacion import importar_zip
from agencia.documentos.modelos import Documento
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf
from tests.documentos.conftest import EXE, JPEG, PDF, archivos_en


def _zip(miembros: dict[str, bytes], mentir: dict[str, int] | None = None) -> bytes:
    """A ZIP; `mentir` gives members whose declared (central directory) size is false."""
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as zf:
        for nombre, datos in miembros.items():
            if nombre.endswith("/"):
                zf.mkdir(nombre.rstrip("/")) if hasattr(zf, "mkdir") else zf.writestr(nombre, b"")
            else:
                zf.writestr(nombre, datos)
        for info in zf.infolist():
            if mentir and info.filename in mentir:
                info.file_size = mentir[info.filename]
    return salida.getvalue()


def _por_nombre(reporte):
    return {r.nombre: r for r in reporte.resultados}


def _documentos():
    return list(db.session.scalars(select(Documento).order_by(Documento.id)))


def test_zip_adjunta_por_referencia_y_reporta_cada_archivo(caso, acme, almacen, crear_caso,
                                                          crear_acreedor):
    crear_caso(crear_acreedor("OTRO"))  # OTRO-2-0 exists, but for another acreedor
    bomba = b"\x00" * (30 * 1024 * 1024)
    contenido = _zip({
        "ACME-1-0.pdf": PDF,
        "ACME-1-1_contrato.pdf": PDF + b"contrato",
        "carpeta/": b"",
        "carpeta/acme-1-0_factura_2.jpg": JPEG,
        "ACME-1-0_copia.pdf": PDF,                   # same bytes as ACME-1-0.pdf
        "ZZZ-999.pdf": PDF + b"z",
        "OTRO-2-0.pdf": PDF + b"o",
        "ACME-1-0_programa.pdf": EXE,
        "../../etc/passwd": b"root:x:0:0",
        "/absoluto/ACME-1-0.pdf": PDF + b"abs",
        "ACME-1-1_bomba.pdf": bomba,
        "__MACOSX/._ACME-1-0.pdf": b"meta",
    }, mentir={"ACME-1-1_bomba.pdf": 200})

    reporte = importar_zip(acme, contenido, "docs.zip", usuario_id=None)
    db.session.commit()
    r = _por_nombre(reporte)
    estados = {nombre: (x.estado, x.tipo) for nombre, x in r.items()}
    assert estados == {
        "ACME-1-0.pdf": ("adjuntado", "otro"),
        "ACME-1-1_contrato.pdf": ("adjuntado", "contrato"),
        "acme-1-0_factura_2.jpg": ("adjuntado", "factura"),
        "ACME-1-0_copia.pdf": ("ya_existia", "otro"),
        "ZZZ-999.pdf": ("referencia_no_encontrada", None),
        "OTRO-2-0.pdf": ("referencia_no_encontrada", None),
        "ACME-1-0_programa.pdf": ("tipo_no_permitido", "otro"),
        "../../etc/passwd": ("nombre_no_permitido", None),
        "/absoluto/ACME-1-0.pdf": ("nombre_no_permitido", None),
        "ACME-1-1_bomba.pdf": ("danado", "otro"),
    }
    assert "no es un PDF" in r["ACME-1-0_programa.pdf"].detalle
    assert (reporte.adjuntados, reporte.cuenta("ya_existia"), reporte.rechazados) == (3, 1, 6)

    documentos = _documentos()
    assert [(d.obligacion.referencia, d.tipo, d.origen, d.caso_id) for d in documentos] == [
        ("ACME-1-0", "otro", "zip", caso.id), ("ACME-1-1", "contrato", "zip", caso.id),
        ("ACME-1-0", "factura", "zip", caso.id)]
    # Only the three documents are on disk, all inside the store.
    assert len(archivos_en(almacen)) == 3
    assert all(almacen / "documentos" / str(acme.id) in p.parents for p in archivos_en(almacen))

    # The same ZIP again changes nothing.
    otra = importar_zip(acme, contenido, "docs.zip")
    assert otra.adjuntados == 0 and otra.cuenta("ya_existia") == 4
    assert len(_documentos()) == 3


def test_tamano_declarado_grande_no_se_lee(caso, acme, almacen, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTO_MAX_MB", 1)
    reporte = importar_zip(acme, _zip({"ACME-1-0.pdf": PDF + b"\x00" * (2 * 1024 * 1024)}),
                           "grande.zip")
    (resultado,) = reporte.resultados
    assert resultado.estado == "demasiado_grande" and "1 MB" in resultado.detalle
    assert _documentos() == [] and archivos_en(almacen) == []


def test_total_descomprimido_limitado(caso, acme, almacen, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTOS_ZIP_MAX_MB", 1)
    grande = PDF + b"\x00" * (700 * 1024)
    reporte = importar_zip(acme, _zip({"ACME-1-0.pdf": grande, "ACME-1-1.pdf": grande + b"1"}),
                           "total.zip")
    assert [r.estado for r in reporte.resultados] == ["adjuntado", "limite_total"]
    assert len(_documentos()) == 1


def test_demasiados_archivos_o_no_zip_rechaza_todo(caso, acme, almacen, app, monkeypatch):
    from agencia.documentos.importacion import ZipInvalido

    monkeypatch.setitem(app.config, "DOCUMENTOS_ZIP_MAX_ARCHIVOS", 2)
    with pytest.raises(ZipInvalido, match="el máximo es 2"):
        importar_zip(acme, _zip({f"ACME-1-0_{n}.pdf": PDF + bytes([n]) for n in range(3)}),
                     "muchos.zip")
    with pytest.raises(ZipInvalido, match="no es un archivo ZIP válido"):
        importar_zip(acme, PDF, "falso.zip")
    assert _documentos() == [] and archivos_en(almacen) == []


def _enviar(cliente, acreedor_id, contenido, nombre="docs.zip"):
    datos = {"acreedor_id": str(acreedor_id),
             "csrf_token": token_csrf(cliente, "/documentos/importar")}
    if contenido is not None:
        datos["archivo"] = (io.BytesIO(contenido), nombre)
    return cliente.post("/documentos/importar", data=datos, content_type="multipart/form-data")


def test_pagina_de_importacion(cliente, caso, acme, almacen):
    ingresar(cliente, "sara")
    pagina = cliente.get("/documentos/importar")
    assert pagina.status_code == 200 and "BA-0000011_contrato.pdf" in pagina.get_data(
        as_text=True)
    respuesta = _enviar(cliente, acme.id, _zip({"ACME-1-0_pagare.pdf": PDF,
                                                "NADA-1.pdf": PDF + b"n"}))
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 200
    assert "1 adjuntados" in html and "Referencia no encontrada" in html
    assert f'href="/casos/{caso.id}#documentos"' in html
    assert [d.tipo for d in _documentos()] == ["pagare"]

    malo = _enviar(cliente, acme.id, b"esto no es un zip")
    assert malo.status_code == 400 and "no es un archivo ZIP válido" in malo.get_data(
        as_text=True)
    sin_archivo = _enviar(cliente, acme.id, None)
    assert sin_archivo.status_code == 400 and "Elija el archivo ZIP" in sin_archivo.get_data(
        as_text=True)
    sin_acreedor = _enviar(cliente, "", _zip({"ACME-1-0.pdf": PDF}))
    assert sin_acreedor.status_code == 400 and "Elija un acreedor" in sin_acreedor.get_data(
        as_text=True)


def test_importacion_solo_admin_y_supervisor(app, caso):
    agente = app.test_client()
    ingresar(agente, "ana")
    assert agente.get("/documentos/importar").status_code == 403
    cliente_portal = app.test_client()
    ingresar(cliente_portal, "cli-acme")
    assert cliente_portal.get("/documentos/importar").status_code == 404
