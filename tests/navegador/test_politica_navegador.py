"""In a real browser: the gestion form says whether the policy allows the contact before the
agent saves it (politica.js → contacto.json), under the CSP, and the server still refuses."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.navegador


def test_el_formulario_avisa_antes_de_guardar(pagina, crear_acreedor, crear_usuario,
                                              crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    caso = crear_caso(acme, ana)  # the deudor never authorised WhatsApp (required in CO)
    consola = []
    pagina.on("console", lambda mensaje: consola.append(mensaje.text))

    pagina.goto("/ingresar")
    pagina.get_by_label("Usuario").fill("ana")
    pagina.get_by_label("Contraseña").fill("clave-segura-1")
    pagina.get_by_role("button", name="Ingresar").click()
    pagina.goto(f"/casos/{caso.id}")

    aviso = pagina.locator("[data-politica-mensaje]")
    pagina.get_by_label("Canal").select_option("whatsapp")
    expect(aviso).to_contain_text("Bloqueado por la política de contacto")
    expect(aviso).to_contain_text("no autorizó el canal WhatsApp")
    pagina.get_by_label("Dirección").select_option("entrante")
    expect(aviso).to_have_text("Contacto entrante: siempre se puede registrar.")

    pagina.get_by_label("Dirección").select_option("saliente")
    pagina.get_by_label("Resultado").select_option("mensaje_dejado")
    pagina.get_by_role("button", name="Guardar gestión").click()
    expect(pagina.get_by_text("La política de contacto no permite este contacto ahora.")
           ).to_be_visible()
    expect(pagina.locator(".error-campo").first).to_contain_text("no autorizó el canal WhatsApp")
    assert not [texto for texto in consola if "Content Security Policy" in texto], consola
