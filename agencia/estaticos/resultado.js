// Agencia: in the gestion form, shows only the fields of the chosen outcome (a promise asks
// for amount and date, a wrong number for the phone, a callback for date and time). Fields
// live in <fieldset data-resultado="...">; without JavaScript all of them are shown and the
// server ignores those of other outcomes.
"use strict";

function camposPorResultado(formulario) {
  const resultado = formulario.querySelector("select[name='resultado']");
  const grupos = formulario.querySelectorAll("fieldset[data-resultado]");
  if (!resultado || !grupos.length) return;
  function mostrar() {
    grupos.forEach((grupo) => {
      const visible = grupo.dataset.resultado === resultado.value;
      grupo.hidden = !visible;
      grupo.disabled = !visible;
    });
  }
  resultado.addEventListener("change", mostrar);
  mostrar();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-politica-url]").forEach(camposPorResultado);
});
