// Agencia: tells the agent, before saving a gestion, whether the contact policy allows it.
// The gestion form carries data-politica-url (GET casos.contacto_json); on every change of
// channel or direction we ask it and show the answer beside the selects. Without JavaScript
// the server still checks on saving and refuses a blocked contact.
"use strict";

function avisarPolitica(formulario) {
  const url = formulario.dataset.politicaUrl;
  const canal = formulario.querySelector("select[name='canal']");
  const direccion = formulario.querySelector("select[name='direccion']");
  const mensaje = formulario.querySelector("[data-politica-mensaje]");
  if (!url || !canal || !direccion || !mensaje) return;
  let pedido = 0;

  function mostrar(texto, clase) {
    mensaje.textContent = texto;
    mensaje.className = "politica-mensaje " + clase;
    mensaje.hidden = false;
  }

  async function consultar() {
    const propio = ++pedido;
    if (!canal.value || !direccion.value) {
      mensaje.hidden = true;
      return;
    }
    const parametros = new URLSearchParams({ canal: canal.value, direccion: direccion.value });
    let datos;
    try {
      const respuesta = await fetch(url + "?" + parametros, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      datos = await respuesta.json();
      if (!respuesta.ok) throw new Error(datos.mensaje || "error");
    } catch (e) {
      if (propio === pedido) {
        mostrar("No se pudo consultar la política de contacto; se verificará al guardar.", "incierto");
      }
      return;
    }
    if (propio !== pedido) return; // a newer question is on its way
    if (datos.permitido) {
      const entrante = direccion.value === "entrante";
      mostrar(entrante ? "Contacto entrante: siempre se puede registrar."
                       : "Permitido ahora por la política de contacto.", "permitido");
      return;
    }
    let texto = "Bloqueado por la política de contacto: " + datos.motivos.join("; ") + ".";
    if (datos.proximo_texto) texto += " Próximo momento permitido: " + datos.proximo_texto + ".";
    mostrar(texto, "bloqueado");
  }

  canal.addEventListener("change", consultar);
  direccion.addEventListener("change", consultar);
  consultar();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-politica-url]").forEach(avisarPolitica);
});
