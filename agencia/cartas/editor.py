"""Per-acreedor versions of the letter and message templates, edited by an admin.

Every template has a key (`clave`): the letters of plantillas/cartas/ and the messages of
plantillas/mensajes/ (CATALOGO). An acreedor's own version (PlantillaAcreedor) replaces the
default for that acreedor only. Before a version is saved it is parsed, checked for forbidden
tags, rendered on SAMPLE data (a fictitious deudor, never a real caso) with StrictUndefined in
the sandbox, measured, and read by the wording check (revision.py); any problem refuses the
save with Spanish messages and nothing is written.

The editor's sandbox has no file loader: a letter may only extend the letters' own layout
`_base.html` (served from memory by name), and {% include %} / {% import %} are refused.
"""

import re
import traceback
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from types import SimpleNamespace

from babel.dates import format_date
from jinja2 import (
    FunctionLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import select

from agencia import formato
from agencia.auditoria.servicios import registrar
from agencia.cartas import plantillas, revision
from agencia.cartas.modelos import PLANTILLAS_CARTA, PlantillaAcreedor
from agencia.config import RAIZ
from agencia.errores import EntradaInvalida
from agencia.extensiones import db

CARPETA_MENSAJES = RAIZ / "plantillas" / "mensajes"
LAYOUT_CARTA = "_base.html"
MAX_CUERPO = {"carta": 50_000, "email": 10_000, "sms": 2_000, "whatsapp": 4_000}
MAX_ASUNTO = 200
MAX_SMS = 480  # three concatenated SMS
MAX_SALIDA = 500_000  # rendered sample
MAX_REPETICION = 10_000  # '*' on strings/lists in the editor's sandbox


@dataclass(frozen=True)
class Plantilla:
    clave: str
    nombre: str
    canal: str  # carta | email | sms | whatsapp
    asunto: str | None = None  # default subject (email)


MENSAJES = (
    Plantilla("email_recordatorio", "Correo: recordatorio de saldo", "email",
              "Recordatorio de saldo pendiente con {{ acreedor.nombre }}"),
    Plantilla("sms_recordatorio", "SMS: recordatorio de saldo", "sms"),
    Plantilla("whatsapp_recordatorio", "WhatsApp: recordatorio de saldo", "whatsapp"),
    Plantilla("email_compromiso", "Correo: recordatorio de cuota o promesa", "email",
              "Recordatorio de pago · caso n.º {{ caso.id }}"),
    Plantilla("sms_compromiso", "SMS: recordatorio de cuota o promesa", "sms"),
    Plantilla("whatsapp_compromiso", "WhatsApp: recordatorio de cuota o promesa", "whatsapp"),
)
CATALOGO: dict[str, Plantilla] = {
    **{c: Plantilla(c, n, "carta") for c, n in PLANTILLAS_CARTA.items()},
    **{p.clave: p for p in MENSAJES},
}
# Message keys that need `compromiso` in `extra`.
CON_COMPROMISO = ("email_compromiso", "sms_compromiso", "whatsapp_compromiso")


class PlantillaInvalida(EntradaInvalida):
    """The template was not saved: `errores` lists every reason (Spanish)."""

    def __init__(self, errores: list[str], hallazgos=()):
        super().__init__("cuerpo", " ".join(errores))
        self.errores = errores
        self.hallazgos = list(hallazgos)


# --- environments -----------------------------------------------------------------------

class _Sandbox(SandboxedEnvironment):
    """The sandbox plus a cap on `*` and `**`, so `{{ 'x' * 10**9 }}` cannot eat the memory."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int) and abs(right) > 100:
            raise SecurityError("exponente demasiado grande")
        if operator == "*":
            for a, b in ((left, right), (right, left)):
                if isinstance(a, str | list | tuple) and isinstance(b, int) and (
                        len(a) * b > MAX_REPETICION):
                    raise SecurityError("repetición demasiado grande")
        return super().call_binop(context, operator, left, right)


def _layout(nombre: str):
    """Only the letters' layout, by name: no path ever reaches the file system."""
    if nombre != LAYOUT_CARTA:
        return None
    return (plantillas.CARPETA / LAYOUT_CARTA).read_text(encoding="utf-8")


@cache
def entorno_editor() -> SandboxedEnvironment:
    """Renders the acreedores' letter versions (HTML, autoescape)."""
    jinja = _Sandbox(
        loader=FunctionLoader(_layout),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    jinja.filters.update(formato.FILTROS)
    return jinja


@cache
def entorno_texto() -> SandboxedEnvironment:
    """Renders message texts (plain text: no escaping; the email HTML escapes it later)."""
    jinja = _Sandbox(loader=None, autoescape=False, undefined=StrictUndefined)
    jinja.filters.update(formato.FILTROS)
    return jinja


def _entorno(canal: str) -> SandboxedEnvironment:
    return entorno_editor() if canal == "carta" else entorno_texto()


@lru_cache(maxsize=512)
def _compilar(canal: str, fuente: str):
    return _entorno(canal).from_string(fuente)


# --- sources ----------------------------------------------------------------------------

def plantilla(clave: str) -> Plantilla:
    if clave not in CATALOGO:
        raise EntradaInvalida("clave", f"No existe la plantilla «{clave}».")
    return CATALOGO[clave]


def fuente_defecto(clave: str) -> str:
    p = plantilla(clave)
    if p.canal == "carta":
        return (plantillas.CARPETA / f"{clave}.html").read_text(encoding="utf-8")
    return (CARPETA_MENSAJES / f"{clave}.txt").read_text(encoding="utf-8")


def version_de(acreedor_id: int, clave: str) -> PlantillaAcreedor | None:
    return db.session.scalars(
        select(PlantillaAcreedor).where(
            PlantillaAcreedor.acreedor_id == acreedor_id, PlantillaAcreedor.clave == clave)
    ).one_or_none()


def personalizadas(acreedor_ids) -> dict[int, dict[str, PlantillaAcreedor]]:
    """{acreedor_id: {clave: version}} for the list page (one query)."""
    resultado: dict[int, dict[str, PlantillaAcreedor]] = {i: {} for i in acreedor_ids}
    filas = db.session.scalars(
        select(PlantillaAcreedor).where(PlantillaAcreedor.acreedor_id.in_(list(acreedor_ids))))
    for fila in filas:
        resultado[fila.acreedor_id][fila.clave] = fila
    return resultado


def efectiva(acreedor_id: int, clave: str) -> tuple[str, str | None, PlantillaAcreedor | None]:
    """(cuerpo, asunto, version or None) that this acreedor's letters and messages use."""
    fila = version_de(acreedor_id, clave)
    if fila is not None:
        return fila.cuerpo, fila.asunto, fila
    return fuente_defecto(clave), plantilla(clave).asunto, None


def compilada_de(acreedor_id: int, clave: str):
    """The acreedor's own compiled letter, or None (plantillas.renderizar falls back)."""
    fila = db.session.execute(
        select(PlantillaAcreedor.cuerpo).where(
            PlantillaAcreedor.acreedor_id == acreedor_id, PlantillaAcreedor.clave == clave)
    ).first()
    return _compilar("carta", fila.cuerpo) if fila else None


# --- sample data ------------------------------------------------------------------------

def contexto_muestra(clave: str, acreedor) -> dict:
    """The variables of a template on fictitious data (the acreedor is the real one)."""
    p = plantilla(clave)
    hoy = date.today()
    moneda = acreedor.moneda if acreedor is not None else "COP"
    dinero = lambda v: formato.dinero(v, moneda)  # noqa: E731
    obligaciones = [
        {"referencia": "OBL-0001", "factura": "FV-1001", "producto": "Crédito de consumo",
         "vencimiento": "15/01/2026", "capital": dinero(1_000_000), "saldo": dinero(1_150_000)},
        {"referencia": "OBL-0002", "factura": "", "producto": "Tarjeta",
         "vencimiento": "15/02/2026", "capital": dinero(84_567), "saldo": dinero(84_567)},
    ]
    datos = {
        "agencia": plantillas.datos_agencia(),
        "acreedor": {"id": acreedor.id if acreedor else 0,
                     "nombre": acreedor.nombre if acreedor else "Acreedor de ejemplo S.A.S.",
                     "nit": (acreedor.nit or "") if acreedor else "900.000.001-1",
                     "codigo": acreedor.codigo if acreedor else "EJEMPLO"},
        "deudor": {"nombre": "Ana Ejemplo Pérez", "documento": "C.C. 1.000.000.000",
                   "tipo_documento": "CC", "numero_documento": "1000000000",
                   "ciudad": "Bogotá D.C.", "direccion": "Carrera 1 # 2-3"},
        "caso": {"id": 12345, "etapa": "Prejurídico", "dias_mora": 45},
        "carta": {"id": 999, "plantilla": clave},
        "obligaciones": obligaciones,
        "saldo": dinero(1_234_567),
        "moneda": moneda,
        "fecha": formato.fecha(hoy),
        "fecha_larga": format_date(hoy, format="long", locale="es_CO"),
        "parametros": {},
    }
    if clave == "acuerdo_pago":
        datos["acuerdo"] = _acuerdo_muestra(dinero)
    elif clave == "paz_y_salvo":
        datos["paz_y_salvo"] = {
            "obligaciones": [{**o, "valor": o["capital"], "saldo": dinero(0)}
                             for o in obligaciones],
            "total_pagado": dinero(1_234_567), "ultimo_pago": "10/03/2026",
            "acuerdo": None, "hay_credito": False, "credito": dinero(0), "saldo": dinero(0),
        }
    if p.canal != "carta":
        datos.pop("carta")
    if clave in CON_COMPROMISO:
        datos["compromiso"] = {"descripcion": "la cuota n.º 2 de su acuerdo de pago",
                               "fecha": "30/04/2026", "monto": dinero(205_761),
                               "vencido": False, "tipo": "cuota",
                               "cuando": "vence en 7 días, el 30/04/2026"}
    return datos


def _acuerdo_muestra(dinero) -> dict:
    cuotas = [{"numero": str(n), "abono_inicial": False, "fecha": f"30/0{n + 2}/2026",
               "monto": dinero(205_761)} for n in range(1, 7)]
    return {
        "id": 77, "tipo": "plan", "nombre_tipo": "Plan de pagos", "pronto_pago": False,
        "estado": "aprobado", "nombre_estado": "Aprobado", "moneda": "COP",
        "obligaciones": [{"referencia": "OBL-0001", "factura": "FV-1001",
                          "vencimiento": "15/01/2026", "capital": dinero(1_000_000),
                          "intereses": dinero(150_000), "gastos": dinero(0),
                          "saldo": dinero(1_150_000)}],
        "componentes": [{"nombre": "Capital", "deuda": dinero(1_000_000), "quita": dinero(0),
                         "acordado": dinero(1_000_000)}],
        "deuda": dinero(1_234_567), "quita": dinero(0), "hay_quita": False, "quita_pct": "0 %",
        "total": dinero(1_234_567), "abono_inicial": dinero(0), "hay_abono_inicial": False,
        "numero_cuotas": 6, "frecuencia": "mensuales", "fecha_limite": "",
        "pagado": dinero(0), "hay_pagos": False, "dias_gracia": 5, "cuotas": cuotas,
        "primera_fecha": cuotas[0]["fecha"], "ultima_fecha": cuotas[-1]["fecha"],
    }


def variables(clave: str, acreedor=None) -> list[tuple[str, str]]:
    """[(name, sample value)] of every variable a template may print."""
    filas: list[tuple[str, str]] = []

    def recorrer(prefijo: str, valor):
        if isinstance(valor, dict):
            for k, v in valor.items():
                recorrer(f"{prefijo}.{k}" if prefijo else k, v)
        elif isinstance(valor, list):
            filas.append((prefijo, f"lista ({len(valor)} en el ejemplo)"))
            if valor and isinstance(valor[0], dict):
                recorrer(f"{prefijo}[]", valor[0])
        else:
            filas.append((prefijo, "" if valor is None else str(valor)))

    recorrer("", contexto_muestra(clave, acreedor))
    return filas


# --- checks -----------------------------------------------------------------------------

def _linea_del_error(error: Exception) -> int | None:
    for marco in reversed(traceback.extract_tb(error.__traceback__)):
        if marco.filename == "<template>":
            return marco.lineno
    return None


def _con_linea(mensaje: str, linea: int | None) -> str:
    return f"Línea {linea}: {mensaje}" if linea else mensaje


def _traducir_undefined(error: UndefinedError) -> str:
    texto = str(error)
    if m := re.match(r"'(.+)' is undefined", texto):
        return (f"La variable «{m.group(1)}» no existe. Use una de la lista de variables "
                "disponibles.")
    if m := re.match(r"'.+' has no attribute '(.+)'", texto):
        return (f"El dato «{m.group(1)}» no existe en esa variable. Revise la lista de "
                "variables disponibles.")
    return f"Variable no disponible: {texto}."


def _revisar_estructura(ast, canal: str) -> list[str]:
    errores = []
    for nodo in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport)):
        etiqueta = "include" if isinstance(nodo, nodes.Include) else "import"
        errores.append(_con_linea(
            f"La etiqueta {{% {etiqueta} %}} no está permitida: una plantilla no puede leer "
            "otros archivos.", nodo.lineno))
    for nodo in ast.find_all(nodes.Extends):
        if canal != "carta" or not (
                isinstance(nodo.template, nodes.Const) and nodo.template.value == LAYOUT_CARTA):
            errores.append(_con_linea(
                f"Solo se puede extender «{LAYOUT_CARTA}» (el formato de las cartas).",
                nodo.lineno))
    return errores


def _variables_desconocidas(ast, contexto: dict, canal: str) -> list[str]:
    globales = set(_entorno(canal).globals)
    # Names set anywhere in the template ({% set %} at the top, used inside a block).
    asignadas = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    faltan = sorted(meta.find_undeclared_variables(ast) - set(contexto) - globales - asignadas)
    return [f"La variable «{v}» no existe. Use una de la lista de variables disponibles."
            for v in faltan]


def _renderizar_muestra(p: Plantilla, cuerpo: str, asunto: str | None, contexto: dict):
    """(asunto, texto or html) of the sample, or raises PlantillaInvalida."""
    entorno = _entorno(p.canal)
    try:
        salida = entorno.from_string(cuerpo).render(**contexto)
        asunto_final = (entorno_texto().from_string(asunto).render(**contexto).strip()
                        if asunto else None)
    except SecurityError as error:
        raise PlantillaInvalida([_con_linea(
            "La plantilla intenta acceder a partes internas del sistema o hacer una operación "
            "no permitida; quite esa expresión.", _linea_del_error(error))]) from None
    except UndefinedError as error:
        raise PlantillaInvalida(
            [_con_linea(_traducir_undefined(error), _linea_del_error(error))]) from None
    except TemplateNotFound as error:
        raise PlantillaInvalida([f"La plantilla «{error.name}» no está disponible; solo se "
                                 f"puede extender «{LAYOUT_CARTA}»."]) from None
    except TemplateSyntaxError as error:
        raise PlantillaInvalida([_con_linea(f"Error de sintaxis: {error.message}.",
                                            error.lineno)]) from None
    except Exception as error:  # noqa: BLE001 - any template mistake is the user's to fix
        raise PlantillaInvalida([_con_linea(
            f"La plantilla no se pudo generar con los datos de ejemplo ({type(error).__name__}: "
            f"{error}).", _linea_del_error(error))]) from None
    return asunto_final, salida


def validar(clave: str, cuerpo: str, asunto: str | None, acreedor) -> dict:
    """Every check of the editor; returns the sample preview {asunto, salida} or raises
    PlantillaInvalida with all the reasons found."""
    p = plantilla(clave)
    cuerpo = (cuerpo or "").replace("\r\n", "\n")
    errores: list[str] = []
    if not cuerpo.strip():
        raise PlantillaInvalida(["La plantilla está vacía."])
    if len(cuerpo) > MAX_CUERPO[p.canal]:
        raise PlantillaInvalida([f"La plantilla es demasiado larga ({len(cuerpo):,} caracteres; "
                                 f"máximo {MAX_CUERPO[p.canal]:,})."])
    if p.canal == "email" and not (asunto or "").strip():
        errores.append("El correo necesita un asunto.")
    if asunto and len(asunto) > MAX_ASUNTO:
        errores.append(f"El asunto es demasiado largo (máximo {MAX_ASUNTO} caracteres).")
    contexto = contexto_muestra(clave, acreedor)
    for fuente, nombre in ((cuerpo, None), (asunto, "asunto")):
        if not fuente:
            continue
        try:
            ast = _entorno(p.canal).parse(fuente)
        except TemplateSyntaxError as error:
            donde = "En el asunto: " if nombre else ""
            errores.append(_con_linea(f"{donde}Error de sintaxis: {error.message}.",
                                      error.lineno))
            continue
        errores += _revisar_estructura(ast, "texto" if nombre else p.canal)
        errores += _variables_desconocidas(ast, contexto, p.canal)
    if errores:
        raise PlantillaInvalida(errores)
    asunto_final, salida = _renderizar_muestra(p, cuerpo, asunto, contexto)
    if len(salida) > MAX_SALIDA:
        raise PlantillaInvalida(["La plantilla genera un documento demasiado largo."])
    if p.canal == "sms" and len(salida.strip()) > MAX_SMS:
        raise PlantillaInvalida([f"El SMS de ejemplo tiene {len(salida.strip())} caracteres; "
                                 f"el máximo es {MAX_SMS}."])
    hallazgos = revision.revisar(cuerpo, asunto or "", salida, asunto_final or "")
    if hallazgos:
        raise PlantillaInvalida(
            ["La redacción no está permitida en una comunicación de cobro: " + str(h)
             for h in hallazgos], hallazgos)
    return {"asunto": asunto_final, "salida": salida}


# --- saving -----------------------------------------------------------------------------

def _estado(fila: PlantillaAcreedor | None) -> dict | None:
    if fila is None:
        return None
    return {"version": fila.version, "asunto": fila.asunto, "cuerpo": fila.cuerpo}


def guardar(acreedor, clave: str, cuerpo: str, asunto: str | None, usuario_id: int | None):
    """Saves the acreedor's version (version + 1, audited with before/after); flushes."""
    p = plantilla(clave)
    cuerpo = (cuerpo or "").replace("\r\n", "\n")
    asunto = (asunto or "").strip() or None if p.canal == "email" else None
    validar(clave, cuerpo, asunto, acreedor)
    fila = version_de(acreedor.id, clave)
    antes = _estado(fila)
    if fila is None:
        fila = PlantillaAcreedor(acreedor_id=acreedor.id, clave=clave, canal=p.canal, version=0)
        db.session.add(fila)
    fila.cuerpo, fila.asunto, fila.version = cuerpo, asunto, (fila.version or 0) + 1
    fila.actualizado_por = usuario_id
    db.session.flush()
    registrar("plantilla.guardada", "plantilla_acreedor", fila.id, acreedor_id=acreedor.id,
              antes=antes, despues={"clave": clave, **_estado(fila)}, usuario_id=usuario_id)
    return fila


def restaurar(acreedor, clave: str, usuario_id: int | None) -> bool:
    """Deletes the acreedor's version (the default applies again); audited. False if none."""
    plantilla(clave)
    fila = version_de(acreedor.id, clave)
    if fila is None:
        return False
    registrar("plantilla.restaurada", "plantilla_acreedor", fila.id, acreedor_id=acreedor.id,
              antes={"clave": clave, **_estado(fila)}, despues=None, usuario_id=usuario_id)
    db.session.delete(fila)
    db.session.flush()
    return True


# --- rendering messages -----------------------------------------------------------------

def _parrafos(texto: str) -> list[list[str]]:
    return [[linea for linea in bloque.split("\n")]
            for bloque in re.split(r"\n\s*\n", texto.strip()) if bloque.strip()]


@cache
def _layout_email():
    return entorno_editor().from_string(
        (CARPETA_MENSAJES / "_email.html").read_text(encoding="utf-8"))


def renderizar_mensaje(clave: str, caso, acreedor=None, extra: dict | None = None
                       ) -> tuple[str | None, str, str | None]:
    """(asunto, texto, html) of a message for a caso, with the acreedor's version if it has
    one. `extra` adds variables (e.g. {"compromiso": {...}} for the *_compromiso keys).
    asunto and html are None except for email. Raises EntradaInvalida for an unknown key and
    jinja2 errors if the data is missing."""
    p = plantilla(clave)
    if p.canal == "carta":
        raise EntradaInvalida("clave", f"«{clave}» es una carta, no un mensaje.")
    acreedor = acreedor or caso.acreedor
    carta = SimpleNamespace(id=None, plantilla=clave, parametros={})
    contexto = plantillas.contexto(carta, caso)
    contexto.pop("carta", None)
    contexto.update(extra or {})
    cuerpo, asunto, _ = efectiva(acreedor.id, clave)
    texto = _compilar(p.canal, cuerpo).render(**contexto).strip()
    if p.canal != "email":
        return None, texto, None
    asunto_final = _compilar("email", asunto or "").render(**contexto).strip()
    html = _layout_email().render(asunto=asunto_final, parrafos=_parrafos(texto),
                                  agencia=contexto["agencia"])
    return asunto_final, texto, html


def vista_previa(clave: str, cuerpo: str, asunto: str | None, acreedor) -> dict:
    """The sample rendering for the editor: {asunto, html (a full document), texto}.
    Raises PlantillaInvalida like validar."""
    p = plantilla(clave)
    resultado = validar(clave, cuerpo, asunto, acreedor)
    if p.canal == "carta":
        return {"asunto": None, "html": resultado["salida"], "texto": None}
    texto = resultado["salida"].strip()
    contexto = contexto_muestra(clave, acreedor)
    html = _layout_email().render(asunto=resultado["asunto"] or "", parrafos=_parrafos(texto),
                                  agencia=contexto["agencia"])
    return {"asunto": resultado["asunto"], "html": html, "texto": texto}
