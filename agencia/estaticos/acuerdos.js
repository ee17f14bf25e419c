// Acuerdo panel of the caso page: show only the fields of the chosen type (plan de pagos or
// descuento por pronto pago). Without JavaScript both groups show and the server ignores the
// other type's fields.
document.addEventListener("DOMContentLoaded", () => {
  for (const formulario of document.querySelectorAll("form.form-acuerdo")) {
    const tipo = formulario.querySelector("select[name=tipo]");
    const grupos = formulario.querySelectorAll("[data-tipo]");
    if (!tipo || !grupos.length) continue;
    const mostrar = () => {
      for (const grupo of grupos) grupo.hidden = grupo.dataset.tipo !== tipo.value;
    };
    tipo.addEventListener("change", mostrar);
    mostrar();
  }
});
