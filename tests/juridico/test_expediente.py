"""The expediente: the lawyer's PDF dossier of a caso, with every attached document merged in,
and the ones that could not be included listed (issue 9)."""

import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.auditoria.modelos import Auditoria
from agencia.cartas.modelos import Carta
from agencia.cartas.pdf import ErrorPdf, html_a_pdf
from agencia.casos.modelos import Gestion
from agencia.documentos import almacen
from agencia.documentos.modelos import Documento
from agencia.extensiones import db
from agencia.juridico import expediente as servicios
from agencia.juridico.modelos import Expediente
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa
from colas.conexion import ColaNoDisponible
from colas.trabajos.juridico import generar_expediente_job
from tests.conftest import ingresar, token_csrf

NOMBRE = "Pedro <script>alert(1)</script> Pérez"
NOTA_SCRIPT = "<script>robar()</script> dice que no reconoce la factura"
CORRUPTO = b"%PDF-1.4 garbage"


@pytest.fixture
def almacen_propio(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ALMACEN_ARCHIVOS", tmp_path / "archivos")
    return tmp_path / "archivos"


def _png() -> bytes:
    salida = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(salida, format="PNG")
    return salida.getvalue()


def _adjuntar(caso, datos: bytes, nombre: str, tipo: str = "contrato", contenido=None):
    archivo = almacen.verificar(datos, nombre)
    ruta = almacen.guardar(caso.acreedor_id, archivo)
    documento = Documento(acreedor_id=caso.acreedor_id, caso_id=caso.id, tipo=tipo,
                          nombre_archivo=nombre,
                          tipo_contenido=contenido or archivo.tipo_contenido,
                          tamano=archivo.tamano, sha256=archivo.sha256, ruta=ruta)
    db.session.add(documento)
    db.session.commit()
    return documento


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso, almacen_propio):
    acme = crear_acreedor("ACME", nombre="Comercializadora Acme S.A.S.", nit="900123456-7")
    ana = crear_usuario("ana", nombre="Ana Agente")
    abogada = crear_usuario("lucia", rol="abogado", nombre="Lucía Abogada")
    crear_usuario("sara", rol="supervisor", nombre="Sara Supervisora")
    crear_usuario("forastero")  # an agent in no team, assigned nothing
    crear_usuario("cli-acme", rol="cliente", acreedor=acme)
    caso = crear_caso(acme, ana, nombre=NOMBRE, capitales=("100000", "200000"),
                      etapa="juridico", dias_mora=120)
    obligacion = caso.obligaciones[0]
    obligacion.intereses, obligacion.gastos = Decimal("15000"), Decimal("5000")
    obligacion.saldo_intereses, obligacion.saldo_gastos = Decimal("15000"), Decimal("0")
    obligacion.saldo_capital = Decimal("60000")
    obligacion.saldo = Decimal("75000")
    hoy = date.today()
    db.session.add(Pago(acreedor_id=acme.id, caso_id=caso.id, monto=Decimal("45000"),
                        fecha=hoy - timedelta(days=60), referencia_bancaria="TRX-777",
                        moneda="COP"))
    acuerdo = Acuerdo(acreedor_id=acme.id, caso_id=caso.id, estado="incumplido", moneda="COP",
                      deuda_capital=Decimal("300000"), deuda_intereses=Decimal("15000"),
                      deuda_gastos=Decimal("5000"), quita_intereses=Decimal("15000"),
                      total_acordado=Decimal("305000"), numero_cuotas=2,
                      primera_fecha=hoy - timedelta(days=50), pagado=Decimal("45000"),
                      motivo_cierre="Cuota 2 sin pagar", creado_por=ana.id)
    acuerdo.cuotas = [
        Cuota(numero=1, fecha=hoy - timedelta(days=50), monto=Decimal("152500"),
              pagado=Decimal("45000")),
        Cuota(numero=2, fecha=hoy - timedelta(days=20), monto=Decimal("152500")),
    ]
    db.session.add(acuerdo)
    db.session.add(Promesa(acreedor_id=acme.id, caso_id=caso.id, monto=Decimal("80000"),
                           fecha=hoy - timedelta(days=10), estado="incumplida",
                           creado_por=ana.id))
    db.session.add_all([
        Gestion(caso_id=caso.id, usuario_id=ana.id, canal="llamada", direccion="saliente",
                resultado="promesa_pago", nota="Promete pagar el viernes sin falta",
                creado_en=datetime(2026, 3, 10, 15, 30, tzinfo=UTC)),
        Gestion(caso_id=caso.id, usuario_id=ana.id, canal="llamada", direccion="entrante",
                resultado="disputa", nota=NOTA_SCRIPT,
                creado_en=datetime(2026, 4, 2, 20, 5, tzinfo=UTC)),
    ])
    db.session.add(Carta(acreedor_id=acme.id, caso_id=caso.id, plantilla="carta_prejuridica",
                         estado="lista", creado_en=datetime(2026, 4, 5, 14, 0, tzinfo=UTC)))
    db.session.commit()
    valido = html_a_pdf("<html><body><p>CONTRATO ORIGINAL FIRMADO</p>"
                        "<p style='page-break-before:always'>SEGUNDA HOJA DEL CONTRATO</p>"
                        "</body></html>")
    _adjuntar(caso, valido, "contrato.pdf")
    _adjuntar(caso, CORRUPTO, "pagare-danado.pdf", tipo="pagare")
    _adjuntar(caso, _png(), "factura.png", tipo="factura")
    return {"acme": acme, "ana": ana, "abogada": abogada, "caso": caso}


def _texto(pdf: bytes, paginas=None) -> str:
    lector = PdfReader(io.BytesIO(pdf))
    seleccion = lector.pages if paginas is None else [lector.pages[i] for i in paginas]
    return " ".join(" ".join((p.extract_text() or "") for p in seleccion).split())


def _generar(mundo) -> Expediente:
    expediente = servicios.solicitar_expediente(mundo["caso"], mundo["abogada"])
    db.session.commit()
    return servicios.generar_expediente(expediente.id)


def test_expediente_completo_con_adjuntos_y_omitidos(mundo, almacen_propio):
    expediente = _generar(mundo)
    db.session.commit()

    assert expediente.estado == "lista" and expediente.progreso == 100
    assert expediente.archivo == f"expedientes/{mundo['acme'].id}/{expediente.id}.pdf"
    ruta = almacen_propio / expediente.archivo
    datos = ruta.read_bytes()
    assert expediente.tamano == len(datos)
    assert expediente.sha256 == hashlib.sha256(datos).hexdigest()

    with pikepdf.open(io.BytesIO(datos)) as pdf:
        total = len(pdf.pages)
    lector = PdfReader(io.BytesIO(datos))
    textos = [" ".join((p.extract_text() or "").split()) for p in lector.pages]
    # The summary ends where the contract's first page starts; then 2 contract pages + 1 image.
    inicio = next(i for i, t in enumerate(textos) if "CONTRATO ORIGINAL FIRMADO" in t)
    assert total == inicio + 2 + 1
    assert "SEGUNDA HOJA DEL CONTRATO" in textos[inicio + 1]
    with pikepdf.open(io.BytesIO(datos)) as pdf:
        assert len(list(pdf.pages[-1].get_images())) == 1  # the PNG, on a page of its own

    resumen = " ".join(textos[:inicio])
    assert NOMBRE in resumen  # printed as text, not interpreted
    assert "CC 1020" in resumen and "Jurídico" in resumen
    assert mundo["caso"].obligaciones[0].referencia in resumen
    assert "TRX-777" in resumen
    assert "Incumplido" in resumen and "Cuota 2 sin pagar" in resumen
    assert "INCUMPLIDA" in resumen
    assert "Promete pagar el viernes sin falta" in resumen
    assert "10/03/2026 10:30" in resumen  # 15:30 UTC in Bogotá
    assert "<script>robar()</script> dice que no reconoce" in resumen
    assert "Ana Agente" in resumen and "Carta prejurídica" in resumen
    # The index: what was included, and the corrupt file with its reason.
    assert "contrato.pdf" in resumen and "Sí (2 páginas)" in resumen
    assert "factura.png" in resumen and "Sí (1 página)" in resumen
    assert "pagare-danado.pdf" in resumen
    assert "No incluido: el archivo no es un PDF válido" in resumen

    assert [(o["nombre"], o["motivo"]) for o in expediente.omitidos] == [
        ("pagare-danado.pdf", "el archivo no es un PDF válido")]
    acciones = db.session.scalars(select(Auditoria.accion).where(
        Auditoria.entidad == "expediente")).all()
    assert {"expediente.solicitado", "expediente.generado"} <= set(acciones)
    # Not a contact: no gestion was written.
    assert db.session.query(Gestion).count() == 2


def test_html_escapa_lo_que_escribe_el_usuario(mundo, monkeypatch):
    capturado = {}
    original = servicios.html_a_pdf

    def capturar(html, **opciones):
        capturado["html"] = html
        return original(html, **opciones)

    monkeypatch.setattr(servicios, "html_a_pdf", capturar)
    _generar(mundo)
    html = capturado["html"]
    assert "<script>" not in html
    assert "Pedro &lt;script&gt;alert(1)&lt;/script&gt; Pérez" in html
    assert "&lt;script&gt;robar()&lt;/script&gt;" in html


def test_solo_adjuntos_danados_o_perdidos_igual_produce_el_expediente(
        crear_acreedor, crear_usuario, crear_caso, almacen_propio):
    acme = crear_acreedor("ACME")
    abogada = crear_usuario("lucia", rol="abogado")
    caso = crear_caso(acme)
    _adjuntar(caso, CORRUPTO, "roto.pdf")
    # Declared a PDF, but the bytes are a PNG.
    _adjuntar(caso, _png(), "disfrazado.pdf", contenido="application/pdf")
    # A PNG header with garbage behind it.
    _adjuntar(caso, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "foto.png")
    perdido = _adjuntar(caso, b"%PDF-1.4\nperdido", "perdido.pdf")
    (almacen_propio / perdido.ruta).unlink()

    expediente = servicios.solicitar_expediente(caso, abogada)
    db.session.commit()
    expediente = servicios.generar_expediente(expediente.id)

    assert expediente.estado == "lista"
    motivos = {o["nombre"]: o["motivo"] for o in expediente.omitidos}
    assert motivos == {
        "roto.pdf": "el archivo no es un PDF válido",
        "disfrazado.pdf": "el archivo no es un PDF válido",
        "foto.png": "la imagen está dañada o no se puede leer",
        "perdido.pdf": "el archivo no se encontró",
    }
    datos = (almacen_propio / expediente.archivo).read_bytes()
    texto = _texto(datos)
    for nombre, motivo in motivos.items():
        assert nombre in texto and f"No incluido: {motivo}" in texto
    assert "Documentos no incluidos: 4" in texto


def test_un_expediente_a_la_vez_por_caso(mundo):
    primero = servicios.solicitar_expediente(mundo["caso"], mundo["abogada"])
    db.session.commit()
    assert servicios.solicitar_expediente(mundo["caso"], mundo["abogada"]).id == primero.id
    servicios.generar_expediente(primero.id)
    db.session.commit()
    segundo = servicios.solicitar_expediente(mundo["caso"], mundo["abogada"])
    assert segundo.id != primero.id and segundo.estado == "pendiente"


def test_agente_no_pide_expediente(mundo):
    with pytest.raises(servicios.ExpedienteInvalido):
        servicios.solicitar_expediente(mundo["caso"], mundo["ana"])


def test_falla_wkhtmltopdf_queda_en_error_sin_archivo(mundo, monkeypatch, almacen_propio):
    def fallar(html, **opciones):
        raise ErrorPdf("La generación del PDF superó el tiempo límite de 60 s y se detuvo.")

    monkeypatch.setattr(servicios, "html_a_pdf", fallar)
    expediente = _generar(mundo)
    assert expediente.estado == "error"
    assert "tiempo límite" in expediente.error
    assert not (almacen_propio / "expedientes").exists()


def _caso_url(caso) -> str:
    return f"/casos/{caso.id}"


def test_flujo_de_rutas(cliente, mundo):
    caso = mundo["caso"]
    ingresar(cliente, "lucia")
    pagina = cliente.get(_caso_url(caso)).get_data(as_text=True)
    assert "Expediente para el abogado" in pagina and "Generar expediente" in pagina

    respuesta = cliente.post(f"/casos/{caso.id}/expediente",
                             data={"csrf_token": token_csrf(cliente, _caso_url(caso))})
    assert respuesta.status_code == 302 and respuesta.location.endswith("#expediente")
    expediente = db.session.scalars(select(Expediente)).one()
    assert expediente.estado == "pendiente" and expediente.job_id

    estado = cliente.get(f"/expedientes/{expediente.id}/estado").get_json()
    assert estado["estado"] == "pendiente" and estado["url"] is None

    assert generar_expediente_job(expediente.id) == "lista"
    estado = cliente.get(f"/expedientes/{expediente.id}/estado").get_json()
    assert estado["estado"] == "lista" and estado["progreso"] == 100
    assert estado["url"] == f"/expedientes/{expediente.id}/descargar"
    assert "1 documento(s) no incluido(s)" in estado["mensaje"]

    descarga = cliente.get(estado["url"])
    assert descarga.status_code == 200 and descarga.mimetype == "application/pdf"
    assert descarga.data.startswith(b"%PDF-")
    pikepdf.open(io.BytesIO(descarga.data)).close()

    pagina = cliente.get(_caso_url(caso)).get_data(as_text=True)
    assert "Descargar PDF" in pagina
    assert "pagare-danado.pdf: el archivo no es un PDF válido" in pagina


def test_redis_caido_queda_pendiente_con_aviso(cliente, mundo, monkeypatch):
    def caido(*args, **kwargs):
        raise ColaNoDisponible("Redis no responde")

    monkeypatch.setattr(servicios, "encolar", caido)
    caso = mundo["caso"]
    ingresar(cliente, "sara")
    respuesta = cliente.post(f"/casos/{caso.id}/expediente",
                             data={"csrf_token": token_csrf(cliente, _caso_url(caso))})
    assert respuesta.status_code == 302
    pagina = cliente.get(_caso_url(caso)).get_data(as_text=True)
    assert "el servicio de tareas no responde" in pagina
    expediente = db.session.scalars(select(Expediente)).one()
    assert expediente.estado == "pendiente" and expediente.job_id is None


def test_agente_no_pide_por_la_ruta(cliente, mundo):
    caso = mundo["caso"]
    ingresar(cliente, "ana")
    pagina = cliente.get(_caso_url(caso)).get_data(as_text=True)
    assert "Generar expediente" not in pagina
    respuesta = cliente.post(f"/casos/{caso.id}/expediente",
                             data={"csrf_token": token_csrf(cliente, _caso_url(caso))})
    assert respuesta.status_code == 403
    assert db.session.scalars(select(Expediente)).first() is None


@pytest.mark.parametrize("usuario", ["cli-acme", "forastero"])
def test_quien_no_ve_el_caso_recibe_404(app, cliente, mundo, usuario):
    expediente = _generar(mundo)
    db.session.commit()
    ingresar(cliente, usuario)
    assert cliente.get(f"/expedientes/{expediente.id}/estado").status_code == 404
    assert cliente.get(f"/expedientes/{expediente.id}/descargar").status_code == 404
    assert cliente.post(f"/casos/{mundo['caso'].id}/expediente").status_code in (400, 403, 404)


def test_agente_del_caso_descarga(cliente, mundo):
    expediente = _generar(mundo)
    db.session.commit()
    ingresar(cliente, "ana")
    assert cliente.get(f"/expedientes/{expediente.id}/descargar").status_code == 200


def test_reencolar_atascados(mundo, monkeypatch):
    expediente = servicios.solicitar_expediente(mundo["caso"], mundo["abogada"])
    expediente.creado_en = datetime.now(UTC) - timedelta(minutes=30)
    db.session.commit()
    assert servicios.reencolar_atascados() == 1
    db.session.commit()
    assert expediente.job_id
    # Its job is queued (alive): not queued twice.
    assert servicios.reencolar_atascados() == 0


def test_incluye_el_proceso_juridico(mundo, almacen_propio):
    from agencia.juridico.modelos import ActuacionJuridica, CostoJuridico, ProcesoJuridico

    caso = mundo["caso"]
    proceso = ProcesoJuridico(acreedor_id=caso.acreedor_id, caso_id=caso.id,
                              abogado_id=mundo["abogada"].id, tipo_proceso="ejecutivo",
                              juzgado="Juzgado 12 Civil Municipal de Bogotá",
                              radicado="11001-40-03-012-2026-00123-00")
    db.session.add(proceso)
    db.session.flush()
    db.session.add_all([
        ActuacionJuridica(acreedor_id=caso.acreedor_id, proceso_id=proceso.id,
                          fecha=date(2026, 5, 4), tipo="demanda",
                          descripcion="Demanda radicada en línea"),
        CostoJuridico(acreedor_id=caso.acreedor_id, proceso_id=proceso.id,
                      fecha=date(2026, 5, 4), concepto="Arancel judicial",
                      monto=Decimal("120000"), moneda="COP"),
    ])
    db.session.commit()
    expediente = _generar(mundo)
    texto = _texto((almacen_propio / expediente.archivo).read_bytes())
    for esperado in ("Proceso ejecutivo", "Juzgado 12 Civil Municipal de Bogotá",
                     "11001-40-03-012-2026-00123-00", "Lucía Abogada",
                     "Demanda radicada en línea", "Arancel judicial", "$ 120.000"):
        assert esperado in texto
