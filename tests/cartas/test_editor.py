"""The template editor's services: defaults render, an acreedor's version applies to it alone,
every refusal says why and saves nothing, messages render for the outbox."""

import pytest

from agencia.auditoria.modelos import Auditoria
from agencia.cartas import editor, plantillas
from agencia.cartas.modelos import PlantillaAcreedor
from agencia.cartas.pdf import html_a_pdf
from agencia.cartas.servicios import solicitar_carta
from agencia.extensiones import db

NUEVAS = ("aviso_vencimiento", "carta_prejuridica", "propuesta_acuerdo",
          "aviso_remision_juridica")


def _carta(caso, agente, plantilla):
    carta = solicitar_carta(caso.id, plantilla, agente.id)
    db.session.flush()
    return plantillas.renderizar(plantilla, plantillas.contexto(carta, caso))


@pytest.mark.parametrize("clave", NUEVAS)
def test_cada_carta_nueva_se_genera_con_un_caso(escenario, clave):
    acreedor, agente, caso = escenario
    html = _carta(caso, agente, clave)
    for esperado in ("María Fernanda Gómez Rojas", "Comercializadora Acme S.A.S.",
                     "$ 1.234.567", "no es una comunicación de un juzgado"):
        assert esperado in html, esperado


def test_una_carta_nueva_sale_en_pdf(escenario):
    acreedor, agente, caso = escenario
    pdf = html_a_pdf(_carta(caso, agente, "carta_prejuridica"), papel="Letter")
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize("clave", list(editor.CATALOGO))
def test_toda_plantilla_predeterminada_pasa_la_validacion_del_editor(crear_acreedor, clave):
    acreedor = crear_acreedor()
    cuerpo, asunto, fila = editor.efectiva(acreedor.id, clave)
    assert fila is None
    editor.validar(clave, cuerpo, asunto, acreedor)


def test_la_version_del_acreedor_se_usa_solo_para_el_acreedor(
        escenario, crear_acreedor, crear_caso, admin):
    acreedor, agente, caso = escenario
    otro = crear_acreedor("OTRO")
    caso_otro = crear_caso(otro)
    fuente = editor.fuente_defecto("recordatorio_amistoso").replace(
        "Reciba un cordial saludo.", "Saludo propio de Acme.")
    fila = editor.guardar(acreedor, "recordatorio_amistoso", fuente, None, admin.id)
    db.session.commit()
    assert fila.version == 1
    assert "Saludo propio de Acme." in _carta(caso, agente, "recordatorio_amistoso")
    assert "Saludo propio de Acme." not in _carta(caso_otro, agente, "recordatorio_amistoso")

    fila = editor.guardar(acreedor, "recordatorio_amistoso", fuente + " ", None, admin.id)
    db.session.commit()
    assert fila.version == 2
    auditoria = (db.session.query(Auditoria).filter_by(accion="plantilla.guardada")
                 .order_by(Auditoria.id).all())
    assert [a.antes and a.antes["version"] for a in auditoria] == [None, 1]
    assert auditoria[-1].despues["version"] == 2

    assert editor.restaurar(acreedor, "recordatorio_amistoso", admin.id)
    db.session.commit()
    assert "Saludo propio de Acme." not in _carta(caso, agente, "recordatorio_amistoso")
    assert db.session.query(Auditoria).filter_by(accion="plantilla.restaurada").count() == 1


@pytest.fixture
def admin(crear_usuario):
    return crear_usuario("admin1", rol="admin")


@pytest.mark.parametrize(("cuerpo", "mensaje"), [
    ("Hola {{ deudor.nombre }\n", "Línea 1: Error de sintaxis"),
    ("Hola\n{% if %}", "Línea 2: Error de sintaxis"),
    ("Hola {{ deudr.nombre }}", "La variable «deudr» no existe"),
    ("Hola {{ deudor.nombr }}", "El dato «nombr» no existe"),
    ("{{ ''.__class__.__mro__ }}", "partes internas del sistema"),
    ("{{ deudor.nombre.__class__ }}", "partes internas del sistema"),
    ("{% include '/etc/passwd' %}", "{% include %} no está permitida"),
    ("{% import '_base.html' as b %}", "{% import %} no está permitida"),
    ("{% from '_base.html' import x %}", "{% import %} no está permitida"),
    ("{% extends '../base.html' %}", "Solo se puede extender «_base.html»"),
    ("{% extends '/etc/passwd' %}", "Solo se puede extender «_base.html»"),
    ("{{ 'x' * 100000000 }}", "operación no permitida"),
    ("x" * 50_001, "demasiado larga"),
    ("", "vacía"),
    ("Hola {{ saldo + 1 }}", "no se pudo generar con los datos de ejemplo"),
    ("Su caso pasó al Juzgado 4 Civil.", "«juzgado»"),
    ("Es su última oportunidad antes del cobro.", "«ultima oportunidad»"),
    ("Informaremos a sus vecinos.", "revela la deuda a terceros"),
])
def test_el_editor_rechaza_con_mensaje_claro_y_no_guarda(crear_acreedor, admin, cuerpo, mensaje):
    acreedor = crear_acreedor()
    with pytest.raises(editor.PlantillaInvalida) as error:
        editor.guardar(acreedor, "recordatorio_amistoso", cuerpo, None, admin.id)
    assert mensaje in " ".join(error.value.errores)
    db.session.rollback()
    assert db.session.query(PlantillaAcreedor).count() == 0
    assert db.session.query(Auditoria).filter_by(accion="plantilla.guardada").count() == 0


def test_el_correo_necesita_asunto_y_el_sms_no_puede_ser_largo(crear_acreedor, admin):
    acreedor = crear_acreedor()
    with pytest.raises(editor.PlantillaInvalida, match="asunto"):
        editor.guardar(acreedor, "email_recordatorio", "Hola {{ deudor.nombre }}", "", admin.id)
    with pytest.raises(editor.PlantillaInvalida, match="SMS"):
        editor.guardar(acreedor, "sms_recordatorio", "Hola " * 200, None, admin.id)
    with pytest.raises(editor.PlantillaInvalida, match="embargo"):
        editor.guardar(acreedor, "email_recordatorio", "Hola", "Embargo inminente", admin.id)


def test_variables_listan_lo_que_da_el_contexto(crear_acreedor):
    acreedor = crear_acreedor()
    nombres = dict(editor.variables("recordatorio_amistoso", acreedor))
    for v in ("deudor.nombre", "caso.id", "saldo", "acreedor.nombre", "obligaciones",
              "obligaciones[].saldo", "fecha", "fecha_larga", "agencia.telefono"):
        assert v in nombres, v
    assert "acuerdo.total" in dict(editor.variables("acuerdo_pago", acreedor))
    assert "compromiso.fecha" in dict(editor.variables("sms_compromiso", acreedor))


def test_renderizar_mensaje_correo_sms_y_version_del_acreedor(escenario, crear_caso, admin):
    acreedor, agente, caso = escenario
    malicioso = crear_caso(acreedor, nombre="<script>alert(1)</script> & Cía")
    asunto, texto, html = editor.renderizar_mensaje("email_recordatorio", malicioso)
    assert asunto == "Recordatorio de saldo pendiente con Comercializadora Acme S.A.S."
    assert "<script>alert(1)</script> & Cía" in texto  # plain text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cía" in html
    assert "<script>" not in html
    asunto, texto, html = editor.renderizar_mensaje("sms_recordatorio", caso)
    assert asunto is None and html is None and str(caso.id) in texto
    asunto, texto, _ = editor.renderizar_mensaje(
        "whatsapp_compromiso", caso, extra={"compromiso": {
            "descripcion": "su promesa de pago", "fecha": "01/05/2026", "monto": "$ 10.000",
            "vencido": True, "tipo": "promesa",
            "cuando": "venció el 01/05/2026 y aún no registramos el pago"}})
    assert ("su promesa de pago por $ 10.000 venció el 01/05/2026 y aún no registramos el pago"
            in texto)
    editor.guardar(acreedor, "sms_recordatorio", "Acme: caso {{ caso.id }}.", None, admin.id)
    assert editor.renderizar_mensaje("sms_recordatorio", caso)[1] == f"Acme: caso {caso.id}."
