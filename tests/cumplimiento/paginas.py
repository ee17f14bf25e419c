"""Helpers of the policy administration tests: forms read from the page as a browser would
submit them, and a small world with one user per role."""

from html.parser import HTMLParser

from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.extensiones import db


class _Formularios(HTMLParser):
    """The fields a browser would submit, per form action: checked boxes only, no disabled
    inputs, textareas by their content."""

    def __init__(self):
        super().__init__()
        self.formularios: dict[str, dict[str, str]] = {}
        self._actual: dict | None = None
        self._area: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._actual = self.formularios.setdefault(a.get("action", ""), {})
        elif self._actual is not None and "name" in a and "disabled" not in a:
            if tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
                self._actual[a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
            elif tag == "textarea":
                self._area = a["name"]
                self._actual[self._area] = ""

    def handle_data(self, data):
        if self._area:
            self._actual[self._area] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._actual = None
        elif tag == "textarea":
            self._area = None


def formulario(cliente, url: str, accion: str | None = None) -> dict[str, str]:
    lector = _Formularios()
    respuesta = cliente.get(url)
    assert respuesta.status_code == 200
    lector.feed(respuesta.get_data(as_text=True))
    return dict(lector.formularios[accion or url])


def url_politica(acreedor, pais="CO") -> str:
    return f"/admin/politicas/{acreedor.id}/{pais}"


def filas_politica() -> int:
    return db.session.scalar(select(func.count(PoliticaAcreedor.id)))


def auditoria(accion: str) -> list[Auditoria]:
    return db.session.scalars(
        select(Auditoria).where(Auditoria.accion == accion).order_by(Auditoria.id)).all()


def preparar_mundo(crear_acreedor, crear_usuario, crear_caso):
    """Acreedor ACME (Colombia) with a caso of a Colombian deudor, and one user per role."""
    acreedor = crear_acreedor("ACME", "Banco Acme", pais="CO")
    for rol in ("admin", "supervisor", "agente"):
        crear_usuario(rol, rol=rol)
    crear_usuario("cliente", rol="cliente", acreedor=acreedor)
    caso = crear_caso(acreedor)
    caso.deudor.pais, caso.deudor.zona_horaria = "CO", "America/Bogota"
    db.session.commit()
    return acreedor, caso
