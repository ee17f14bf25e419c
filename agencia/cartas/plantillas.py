"""Letter templates (plantillas/cartas/) rendered in a Jinja sandbox with autoescape.

Templates are edited by the agency, and their output goes to wkhtmltopdf, so they get a
SandboxedEnvironment (no `__class__`, no `mro`, no private attributes, no unsafe
callables), autoescape on (a deudor called `<script>` stays text), StrictUndefined (a
misspelt variable fails the letter instead of printing a blank) and plain data: dicts and
strings, never ORM objects, so a template cannot walk relationships to other data.
"""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from agencia import formato
from agencia.cartas import documentos
from agencia.config import RAIZ

CARPETA = RAIZ / "plantillas" / "cartas"
# Letter-size paper in the Americas; A4 where it is the custom.
PAPEL_POR_PAIS = {"PE": "A4"}
PAPEL_DEFECTO = "Letter"


@cache
def entorno() -> SandboxedEnvironment:
    jinja = SandboxedEnvironment(
        loader=FileSystemLoader(str(CARPETA)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    jinja.filters.update(formato.FILTROS)
    return jinja


def renderizar(plantilla: str, contexto: dict, acreedor_id: int | None = None) -> str:
    """The letter in the acreedor's own version if it has one (editor.py, a sandbox without
    file loader), else the default of plantillas/cartas/. The acreedor comes from the
    context when not given."""
    if acreedor_id is None:
        acreedor_id = (contexto.get("acreedor") or {}).get("id")
    return plantilla_para(plantilla, acreedor_id).render(**contexto)


def plantilla_para(plantilla: str, acreedor_id: int | None):
    """The compiled template this acreedor's letters use: its own version (one query and a
    compilation: a batch asks once) or the default."""
    if acreedor_id is not None:
        from agencia.cartas import editor  # editor imports this module

        propia = editor.compilada_de(acreedor_id, plantilla)
        if propia is not None:
            return propia
    return entorno().get_template(f"{plantilla}.html")


def datos_agencia() -> dict:
    """Who sends the letter (settings AGENCIA_*, with the demo agency as default)."""
    c = current_app.config
    return {
        "nombre": c.get("AGENCIA_NOMBRE", "Agencia de Cobranza S.A.S."),
        "nit": c.get("AGENCIA_NIT", "900.000.000-0"),
        "direccion": c.get("AGENCIA_DIRECCION", "Calle 100 # 10-20, oficina 501"),
        "ciudad": c.get("AGENCIA_CIUDAD", "Bogotá D.C."),
        "telefono": c.get("AGENCIA_TELEFONO", "(601) 000 0000"),
        "email": c.get("AGENCIA_EMAIL", c.get("SMTP_REMITENTE", "cobranza@agencia.local")),
        "horario": c.get(
            "AGENCIA_HORARIO",
            "lunes a viernes de 7:00 a. m. a 7:00 p. m. y sábados de 8:00 a. m. a 3:00 p. m.",
        ),
    }


def contexto(carta, caso, ahora: datetime | None = None) -> dict:
    """Everything a letter may print, as plain values already formatted for es_CO."""
    acreedor, deudor = caso.acreedor, caso.deudor
    moneda = acreedor.moneda
    zona = ZoneInfo(acreedor.zona_horaria or current_app.config["TZ_DEFAULT"])
    hoy = (ahora or datetime.now(zona)).astimezone(zona).date()
    direcciones = [c.valor for c in deudor.contactos if c.tipo == "direccion" and c.valido]
    obligaciones = [
        {
            "referencia": o.referencia,
            "factura": o.numero_factura or "",
            "producto": o.producto or "",
            "vencimiento": formato.fecha(o.fecha_vencimiento),
            "capital": formato.dinero(o.capital, o.moneda or moneda),
            "saldo": formato.dinero(o.saldo, o.moneda or moneda),
        }
        for o in caso.obligaciones
        if o.saldo > 0
    ]
    datos = {
        "agencia": datos_agencia(),
        "acreedor": {
            "id": acreedor.id,
            "nombre": acreedor.nombre,
            "nit": acreedor.nit or "",
            "codigo": acreedor.codigo,
        },
        "deudor": {
            "nombre": deudor.nombre,
            "documento": deudor.documento,
            "tipo_documento": deudor.tipo_documento,
            "numero_documento": deudor.numero_documento,
            "ciudad": deudor.ciudad or "",
            "direccion": direcciones[0] if direcciones else "",
        },
        "caso": {"id": caso.id, "etapa": caso.nombre_etapa, "dias_mora": caso.dias_mora(hoy)},
        "carta": {"id": carta.id, "plantilla": carta.plantilla},
        "obligaciones": obligaciones,
        "saldo": formato.dinero(caso.saldo, moneda),
        "moneda": moneda,
        "fecha": formato.fecha(hoy),
        "fecha_larga": format_date(hoy, format="long", locale="es_CO"),
        "parametros": dict(carta.parametros or {}),
    }
    # acuerdo_pago and paz_y_salvo add their own data (raises ErrorCarta when it is wrong).
    datos.update(documentos.contexto_adicional(carta, caso))
    return datos


def papel_de(pais: str) -> str:
    return PAPEL_POR_PAIS.get(pais, PAPEL_DEFECTO)
