"""The caso page's payment form, the reversal and the proof-of-payment file."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.auth.modelos import Usuario
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.pagos.modelos import Pago
from tests.conftest import ingresar, token_csrf
from tests.pagos.ayudas import HOY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def caso(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("sofia", rol="supervisor")
    crear_usuario("cli-acme", rol="cliente", acreedor=acme)
    crear_usuario("cli-otro", rol="cliente", acreedor=crear_acreedor("OTRO"))
    return crear_caso(acme, None, capitales=("150000",))


def _post(cliente, caso, **cambios):
    datos = {"monto": "50.000", "moneda": "COP", "fecha": HOY.isoformat(),
             "metodo": "transferencia", "referencia_bancaria": "BANCO-1",
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    datos.update(cambios)
    return cliente.post(f"/casos/{caso.id}/pagos", data=datos,
                        content_type="multipart/form-data")


def _pagos() -> int:
    return db.session.scalar(select(func.count(Pago.id)))


def test_formulario_muestra_moneda_y_comprobante(cliente, caso):
    ingresar(cliente, "sofia")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="comprobante"' in html
    assert "El acreedor cobra en COP" in html


def test_moneda_equivocada_400(cliente, caso):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, caso, moneda="USD")
    assert respuesta.status_code == 400
    assert "El pago está en USD y el acreedor cobra en COP" in respuesta.get_data(as_text=True)
    assert _pagos() == 0


def test_sobrepago_avisa_el_credito_y_cierra(cliente, caso):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, caso, monto="200.000")
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "$ 50.000 quedan como saldo a favor del deudor" in html
    assert "el caso pasó a Pagado" in html
    assert db.session.get(Caso, caso.id).etapa == "pagado"


def test_caso_cerrado_400_con_mensaje(cliente, caso):
    caso.etapa = "devuelto"
    db.session.commit()
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, caso)
    assert respuesta.status_code == 400
    assert "no recibe pagos" in respuesta.get_data(as_text=True) and _pagos() == 0


def test_comprobante_se_guarda_y_se_descarga(cliente, caso, app):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, caso, comprobante=(io.BytesIO(PDF), "soporte.pdf"))
    assert respuesta.status_code == 302
    pago = db.session.scalars(select(Pago)).one()
    assert pago.comprobante_tamano == len(PDF) and len(pago.comprobante_sha256) == 64
    assert pago.comprobante == f"comprobantes/{caso.acreedor_id}/{pago.comprobante_sha256}.pdf"
    descarga = cliente.get(f"/pagos/{pago.id}/comprobante")
    assert descarga.status_code == 200 and descarga.data == PDF
    assert descarga.mimetype == "application/pdf"
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert f"/pagos/{pago.id}/comprobante" in html
    for usuario in ("cli-otro", "cli-acme"):  # not linked from the portal: 404 for clientes
        otro = app.test_client()
        ingresar(otro, usuario)
        assert otro.get(f"/pagos/{pago.id}/comprobante").status_code == 404


@pytest.mark.parametrize(("contenido", "nombre", "mensaje"), [
    (b"MZ\x90\x00 ejecutable", "soporte.pdf", "no es un PDF, JPEG ni PNG"),
    (PNG, "soporte.pdf", "no corresponde a su contenido"),
    (b"texto plano", "soporte.txt", "PDF, JPEG o PNG"),
])
def test_comprobante_de_otro_tipo_se_rechaza(cliente, caso, contenido, nombre, mensaje):
    ingresar(cliente, "sofia")
    respuesta = _post(cliente, caso, comprobante=(io.BytesIO(contenido), nombre))
    assert respuesta.status_code == 400 and mensaje in respuesta.get_data(as_text=True)
    assert _pagos() == 0


def test_comprobante_demasiado_grande(cliente, caso, app):
    app.config["PAGO_COMPROBANTE_MAX_MB"] = 1
    ingresar(cliente, "sofia")
    grande = PDF + b"0" * (1024 * 1024)
    respuesta = _post(cliente, caso, comprobante=(io.BytesIO(grande), "soporte.pdf"))
    assert respuesta.status_code == 400 and "supera el máximo de 1 MB" in respuesta.get_data(
        as_text=True)


def _reversar(cliente, pago_id, caso, motivo="Transferencia devuelta por el banco"):
    return cliente.post(f"/pagos/{pago_id}/reversar", data={
        "motivo": motivo, "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")})


def test_supervisor_reversa_desde_el_caso_y_el_caso_se_reabre(cliente, caso):
    ingresar(cliente, "sofia")
    _post(cliente, caso, monto="150.000")
    pago = db.session.scalars(select(Pago)).one()
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert f"/pagos/{pago.id}/reversar" in html
    respuesta = _reversar(cliente, pago.id, caso)
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "reversado" in html and "El caso se reabrió en Prejurídico" in html
    db.session.expire_all()
    assert db.session.get(Caso, caso.id).saldo == Decimal("150000.00")
    segunda = _reversar(cliente, pago.id, caso)
    html = cliente.get(segunda.headers["Location"]).get_data(as_text=True)
    assert "ya fue reversado" in html


def test_reversion_sin_motivo_400_y_agente_403(cliente, caso, app):
    ingresar(cliente, "sofia")
    _post(cliente, caso)
    pago = db.session.scalars(select(Pago)).one()
    respuesta = _reversar(cliente, pago.id, caso, motivo="")
    assert respuesta.status_code == 400 and "No se reversó el pago" in respuesta.get_data(
        as_text=True)
    agente = app.test_client()
    ingresar(agente, "ana")
    caso.agente_id = db.session.scalar(select(Usuario.id).where(Usuario.usuario == "ana"))
    db.session.commit()
    assert _reversar(agente, pago.id, caso).status_code == 403
    db.session.expire_all()
    assert db.session.get(Pago, pago.id).estado == "aplicado"
