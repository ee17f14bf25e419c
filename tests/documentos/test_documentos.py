"""Documents on the caso page: upload, download, one copy per file, bad files refused."""

import hashlib
import io

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.documentos.modelos import Documento
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf
from tests.documentos.conftest import EXE, PDF, PNG, archivos_en


def _subir(cliente, caso, contenido, nombre="contrato.pdf", **campos):
    datos = {"tipo": "contrato", "obligacion_id": "",
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    datos.update(campos)
    if contenido is not None:
        datos["archivo"] = (io.BytesIO(contenido), nombre)
    datos = {f"documento-{clave}": valor for clave, valor in datos.items()}
    return cliente.post(f"/casos/{caso.id}/documentos", data=datos,
                        content_type="multipart/form-data")


def _documentos() -> list[Documento]:
    return list(db.session.scalars(select(Documento).order_by(Documento.id)))


def test_subir_guarda_hash_tamano_y_se_descarga(cliente, caso, almacen):
    ingresar(cliente, "ana")
    obligacion = caso.obligaciones[1]
    respuesta = _subir(cliente, caso, PDF, tipo="factura", obligacion_id=str(obligacion.id))
    assert respuesta.status_code == 302
    assert respuesta.headers["Location"].endswith(f"/casos/{caso.id}#documentos")

    (documento,) = _documentos()
    sha = hashlib.sha256(PDF).hexdigest()
    assert (documento.sha256, documento.tamano, documento.tipo_contenido) == (
        sha, len(PDF), "application/pdf")
    assert (documento.tipo, documento.obligacion_id, documento.nombre_archivo) == (
        "factura", obligacion.id, "contrato.pdf")
    assert documento.ruta == f"documentos/{caso.acreedor_id}/{sha}.pdf"
    assert archivos_en(almacen) == [almacen / documento.ruta]
    assert (almacen / documento.ruta).read_bytes() == PDF
    auditoria = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "documento.subir")).one()
    assert auditoria.entidad_id == documento.id and auditoria.despues["sha256"] == sha

    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert 'id="documentos"' in html and f'href="/documentos/{documento.id}"' in html
    assert "Factura" in html and obligacion.referencia in html and "Ana Agente" in html

    descarga = cliente.get(f"/documentos/{documento.id}")
    assert descarga.status_code == 200 and descarga.data == PDF
    assert descarga.mimetype == "application/pdf"
    assert descarga.headers["X-Content-Type-Options"] == "nosniff"
    assert descarga.headers["Content-Disposition"].startswith("attachment")
    assert "contrato.pdf" in descarga.headers["Content-Disposition"]


def test_el_mismo_archivo_dos_veces_es_un_documento(cliente, caso, almacen):
    ingresar(cliente, "ana")
    assert _subir(cliente, caso, PNG, "foto.png").status_code == 302
    respuesta = _subir(cliente, caso, PNG, "otra-vez.png", tipo="comprobante")
    assert respuesta.status_code == 302
    assert "ya estaba adjunto" in cliente.get(respuesta.headers["Location"]).get_data(
        as_text=True)
    (documento,) = _documentos()
    assert documento.nombre_archivo == "foto.png" and documento.tipo_contenido == "image/png"
    assert len(archivos_en(almacen)) == 1


@pytest.mark.parametrize("contenido, nombre, campos, mensaje", [
    (EXE, "contrato.pdf", {}, "no es un PDF, JPEG ni PNG"),
    (b"", "vacio.pdf", {}, "está vacío"),
    (None, None, {}, "Elija un archivo"),
    (PDF, "contrato.pdf", {"tipo": "cedula"}, "Elija un tipo de documento"),
    (PDF, "contrato.pdf", {"obligacion_id": "999999"}, "no pertenece a este caso"),
])
def test_entrada_mala_400_y_nada_en_disco(cliente, caso, almacen, contenido, nombre, campos,
                                          mensaje):
    ingresar(cliente, "ana")
    respuesta = _subir(cliente, caso, contenido, nombre, **campos)
    assert respuesta.status_code == 400
    assert mensaje in respuesta.get_data(as_text=True)
    assert _documentos() == [] and archivos_en(almacen) == []


def test_obligacion_de_otro_caso_400(cliente, caso, almacen, crear_caso, acme):
    otro = crear_caso(acme)
    ingresar(cliente, "ana")
    respuesta = _subir(cliente, caso, PDF, obligacion_id=str(otro.obligaciones[0].id))
    assert respuesta.status_code == 400
    assert "no pertenece a este caso" in respuesta.get_data(as_text=True)
    assert _documentos() == [] and archivos_en(almacen) == []


def test_demasiado_grande_400(cliente, caso, almacen, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTO_MAX_MB", 1)
    ingresar(cliente, "ana")
    respuesta = _subir(cliente, caso, PDF + b"0" * (1024 * 1024), "grande.pdf")
    assert respuesta.status_code == 400
    assert "supera el máximo de 1 MB" in respuesta.get_data(as_text=True)
    assert _documentos() == [] and archivos_en(almacen) == []


def test_nombre_con_ruta_se_guarda_sin_ella(cliente, caso, almacen):
    ingresar(cliente, "ana")
    assert _subir(cliente, caso, PDF, "../../etc/passwd.pdf").status_code == 302
    (documento,) = _documentos()
    assert documento.nombre_archivo == "passwd.pdf"
    assert all(almacen in p.parents for p in archivos_en(almacen))


@pytest.mark.parametrize("usuario", ["forastero", "cli-acme", "cli-otro"])
def test_descarga_404_para_quien_no_ve_el_caso(app, cliente, caso, almacen, usuario,
                                               crear_usuario, crear_acreedor):
    crear_usuario("cli-otro", rol="cliente", acreedor=crear_acreedor("OTRO"))
    ingresar(cliente, "ana")
    _subir(cliente, caso, PDF)
    documento = _documentos()[0]

    cliente = app.test_client()
    ingresar(cliente, usuario)
    assert cliente.get(f"/documentos/{documento.id}").status_code == 404
    token = token_csrf(cliente, "/portal/" if usuario.startswith("cli") else "/mi-dia")
    respuesta = cliente.post(f"/casos/{caso.id}/documentos", content_type="multipart/form-data",
                             data={"documento-csrf_token": token, "documento-tipo": "otro",
                                   "documento-archivo": (io.BytesIO(PNG), "x.png")})
    assert respuesta.status_code == 404
    assert db.session.scalar(select(func.count(Documento.id))) == 1


def test_supervisor_descarga_y_archivo_perdido_da_404(app, cliente, caso, almacen):
    ingresar(cliente, "ana")
    _subir(cliente, caso, PDF)
    documento = _documentos()[0]
    cliente = app.test_client()
    ingresar(cliente, "sara")
    assert cliente.get(f"/documentos/{documento.id}").status_code == 200
    (almacen / documento.ruta).unlink()
    assert cliente.get(f"/documentos/{documento.id}").status_code == 404
