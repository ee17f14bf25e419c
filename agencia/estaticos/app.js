// Agencia: small progressive enhancements, no third-party code.
"use strict";

// Elements with data-progreso-url poll a JSON endpoint ({estado, progreso, mensaje, url})
// and update their progress bar until the work is done.
function seguirProgreso(elemento) {
  const url = elemento.dataset.progresoUrl;
  const barra = elemento.querySelector("progress");
  const texto = elemento.querySelector("[data-progreso-texto]");
  const enlace = elemento.querySelector("[data-progreso-enlace]");
  async function consultar() {
    let datos;
    try {
      const respuesta = await fetch(url, { headers: { Accept: "application/json" } });
      datos = await respuesta.json();
    } catch (e) {
      setTimeout(consultar, 2000);
      return;
    }
    if (barra) barra.value = datos.progreso || 0;
    if (texto) texto.textContent = datos.mensaje || "";
    if (datos.estado === "lista") {  // done: show the result's link if there is one
      if (datos.url && enlace) {
        enlace.href = datos.url;
        enlace.hidden = false;
      }
      return;
    }
    if (datos.estado === "error") return;
    // Waiting for the contact policy (hours away): the text says until when; stop polling.
    if (datos.estado === "esperando") return;
    setTimeout(consultar, 700);
  }
  consultar();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progreso-url]").forEach(seguirProgreso);
  // Keyboard shortcut for the agent's main loop: "s" opens the next caso.
  const siguiente = document.querySelector("[data-atajo='s']");
  document.addEventListener("keydown", (evento) => {
    const enCampo = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (!enCampo && evento.key === "s" && siguiente) siguiente.click();
  });
});
