"""The editor's pages: admins only (agents 403, clientes 404), save and restore, and a preview
on sample data served into a sandboxed iframe with its own CSP."""

from agencia.cartas import editor
from agencia.cartas.modelos import PlantillaAcreedor
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf


def _url(acreedor, clave="recordatorio_amistoso", sufijo=""):
    return f"/admin/acreedores/{acreedor.id}/plantillas/{clave}{sufijo}"


def test_agente_403_y_cliente_404(cliente, crear_acreedor, crear_usuario):
    acreedor = crear_acreedor()
    crear_usuario("agente1")
    crear_usuario("cli", rol="cliente", acreedor=acreedor)
    ingresar(cliente, "agente1")
    assert cliente.get("/admin/plantillas").status_code == 403
    assert cliente.get(_url(acreedor)).status_code == 403
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, "/admin/politicas/")})
    ingresar(cliente, "cli")
    assert cliente.get("/admin/plantillas").status_code == 404
    assert cliente.get(_url(acreedor)).status_code == 404


def test_admin_edita_guarda_y_restaura(cliente, crear_acreedor, crear_usuario):
    acreedor = crear_acreedor()
    crear_usuario("admin1", rol="admin")
    ingresar(cliente, "admin1")
    assert "Predeterminada" in cliente.get("/admin/plantillas").get_data(as_text=True)
    pagina = cliente.get(_url(acreedor)).get_data(as_text=True)
    assert "deudor.nombre" in pagina and "sandbox" in pagina and "Reciba un cordial saludo" in pagina
    assert cliente.get(_url(acreedor, "no_existe")).status_code == 404
    token = token_csrf(cliente, _url(acreedor))

    malo = cliente.post(_url(acreedor), data={"csrf_token": token,
                                              "cuerpo": "Lo visitaremos en su trabajo"})
    assert malo.status_code == 400
    assert "Anuncia visitas" in malo.get_data(as_text=True)
    assert db.session.query(PlantillaAcreedor).count() == 0

    fuente = editor.fuente_defecto("recordatorio_amistoso").replace("cordial", "atento")
    ok = cliente.post(_url(acreedor), data={"csrf_token": token, "cuerpo": fuente})
    assert ok.status_code == 302
    assert "Propia · v1" in cliente.get("/admin/plantillas").get_data(as_text=True)
    cliente.post(_url(acreedor, sufijo="/restaurar"), data={"csrf_token": token})
    assert db.session.query(PlantillaAcreedor).count() == 0


def test_vista_previa_con_datos_de_ejemplo_escapa_y_tiene_csp_propia(
        cliente, crear_acreedor, crear_usuario):
    acreedor = crear_acreedor()
    crear_usuario("admin1", rol="admin")
    ingresar(cliente, "admin1")
    vista = cliente.get(_url(acreedor, sufijo="/vista-previa"))
    assert vista.status_code == 200
    assert "Ana Ejemplo Pérez" in vista.get_data(as_text=True)
    assert vista.headers["Content-Security-Policy"].startswith("sandbox;")
    token = token_csrf(cliente, _url(acreedor))
    cuerpo = "{% set x = '<script>alert(1)</script>' %}<p>{{ x }} {{ deudor.nombre }}</p>"
    vista = cliente.post(_url(acreedor, sufijo="/vista-previa"),
                         data={"csrf_token": token, "cuerpo": cuerpo})
    html = vista.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    error = cliente.post(_url(acreedor, sufijo="/vista-previa"),
                         data={"csrf_token": token, "cuerpo": "{{ ''.__class__ }}"})
    assert error.status_code == 400 and "partes internas" in error.get_data(as_text=True)
    pdf = cliente.post(_url(acreedor, sufijo="/vista-previa.pdf"),
                       data={"csrf_token": token,
                             "cuerpo": editor.fuente_defecto("carta_prejuridica")})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_un_nombre_con_script_sale_como_texto_en_la_carta_del_acreedor(
        escenario, crear_caso, crear_usuario):
    from agencia.cartas import plantillas
    from agencia.cartas.servicios import solicitar_carta

    acreedor, agente, _ = escenario
    admin = crear_usuario("admin1", rol="admin")
    editor.guardar(acreedor, "recordatorio_amistoso",
                   "{% extends '_base.html' %}{% block cuerpo %}<p>{{ deudor.nombre }}</p>"
                   "{% endblock %}", None, admin.id)
    caso = crear_caso(acreedor, nombre="<script>x()</script>")
    carta = solicitar_carta(caso.id, "recordatorio_amistoso", agente.id)
    db.session.flush()
    html = plantillas.renderizar("recordatorio_amistoso", plantillas.contexto(carta, caso))
    assert "<p>&lt;script&gt;x()&lt;/script&gt;</p>" in html
