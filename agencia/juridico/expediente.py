"""The expediente: one PDF dossier of a caso for the agency's lawyer, compiled by an RQ job.

The dossier is the summary rendered by wkhtmltopdf (cover; debt: obligaciones, components,
saldos and payments; acuerdos and promesas; the full timeline of gestiones — internal notes
included, it is for the agency's lawyer — and letters; the court proceeding if any; the index
of attached documents), followed by every attached Documento of the caso:

- a PDF is merged page by page with pikepdf;
- a JPEG or PNG becomes one page (Pillow, which pikepdf depends on, writes the image as a
  one-page PDF scaled to fit the paper: no wkhtmltopdf call per image);
- anything that cannot be read (missing file, bytes that are not a PDF, a damaged PDF or
  image, an encrypted PDF) is left out and listed, with the reason, in the index and in
  `Expediente.omitidos`. The attachments are checked BEFORE the summary is rendered, so the
  index says exactly what follows it.

Generation never raises for an expected failure: the expediente ends lista, or error with a
Spanish message. The file is written atomically under
ALMACEN_ARCHIVOS/expedientes/<acreedor_id>/<id>.pdf; a rerun of a lista expediente whose file
exists does nothing.
"""

import contextlib
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select

from agencia import formato
from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.servicios import registrar
from agencia.cartas.modelos import Carta
from agencia.cartas.pdf import ErrorPdf, html_a_pdf
from agencia.cartas.plantillas import datos_agencia, papel_de
from agencia.casos.modelos import DIRECCIONES, Caso, Gestion
from agencia.config import RAIZ
from agencia.documentos import almacen
from agencia.documentos.modelos import Documento
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.juridico.modelos import Expediente, ProcesoJuridico, Remision
from agencia.pagos.modelos import Pago
from agencia.promesas.modelos import Promesa
from agencia.tipos import ahora
from colas.conexion import ColaNoDisponible, encolar

ROLES_EXPEDIENTE = ("abogado", "supervisor", "admin")
EN_CURSO = ("pendiente", "generando")
PLANTILLA = "juridico/expediente_pdf.html"
# Paper size in points (an image page is scaled to fit inside the margins).
PUNTOS_PAPEL = {"A4": (595, 842), "Letter": (612, 792), "Legal": (612, 1008)}
MARGEN_PUNTOS = 36

NO_ENCONTRADO = "el archivo no se encontró"
NO_PDF = "el archivo no es un PDF válido"
PDF_CIFRADO = "el PDF está protegido con contraseña"
PDF_VACIO = "el PDF no tiene páginas"
IMAGEN_DANADA = "la imagen está dañada o no se puede leer"
TIPO_NO_ADMITIDO = "el tipo de archivo no se puede incluir"


class ExpedienteInvalido(EntradaInvalida):
    """The expediente cannot be requested (Spanish message for the user)."""


class ExpedienteSinCola(Exception):
    """Redis is down: the expediente stays pendiente (the message is for the user)."""


# --- request and queue ------------------------------------------------------------------


def en_curso_del_caso(caso_id: int) -> Expediente | None:
    return db.session.scalars(
        select(Expediente)
        .where(Expediente.caso_id == caso_id, Expediente.estado.in_(EN_CURSO))
        .order_by(Expediente.id.desc())
    ).first()


def solicitar_expediente(caso: Caso, usuario) -> Expediente:
    """A new pendiente expediente for the caso (any etapa), or the one already pendiente or
    generando (one at a time per caso). The caller has loaded the caso with obtener_o_404 (so
    the user can see it) and commits, then queues."""
    if usuario is None or usuario.rol not in ROLES_EXPEDIENTE:
        raise ExpedienteInvalido(
            "usuario", "Solo un abogado, un supervisor o un administrador pide el expediente."
        )
    existente = en_curso_del_caso(caso.id)
    if existente is not None:
        return existente
    expediente = Expediente(acreedor_id=caso.acreedor_id, caso_id=caso.id, estado="pendiente",
                            progreso=0, omitidos=[], solicitado_por=usuario.id)
    db.session.add(expediente)
    db.session.flush()
    registrar("expediente.solicitado", "expediente", expediente.id,
              acreedor_id=caso.acreedor_id,
              despues={"caso_id": caso.id, "estado": "pendiente"}, usuario_id=usuario.id)
    return expediente


def encolar_expediente(expediente: Expediente) -> str:
    """Queues the job and keeps its id (the caller commits). Raises ExpedienteSinCola when
    Redis is down: the expediente stays pendiente and reencolar_atascados queues it later."""
    from colas.trabajos.juridico import generar_expediente_job

    try:
        job = encolar(generar_expediente_job, expediente.id)
    except ColaNoDisponible as error:
        raise ExpedienteSinCola(
            "El expediente quedó registrado, pero el servicio de tareas no responde en este "
            "momento. Se generará automáticamente cuando el servicio vuelva."
        ) from error
    expediente.job_id = job.id
    db.session.flush()
    return job.id


def reencolar_atascados(minutos: int = 5, limite: int = 200) -> int:
    """Queues again expedientes still pendiente/generando after `minutos` whose job is not
    alive in Redis (never queued because Redis was down, or its work horse died)."""
    from colas.conexion import trabajo_vivo

    antiguos = db.session.scalars(
        select(Expediente)
        .where(Expediente.estado.in_(EN_CURSO),
               Expediente.creado_en < ahora() - timedelta(minutes=minutos))
        .order_by(Expediente.id)
        .limit(limite)
    ).all()
    cantidad = 0
    for expediente in antiguos:
        if not trabajo_vivo(expediente.job_id):
            encolar_expediente(expediente)
            cantidad += 1
    return cantidad


def expedientes_del_caso(caso_id: int, limite: int = 5) -> list[Expediente]:
    """The caso's latest expedientes (the caso was loaded with obtener_o_404)."""
    return list(db.session.scalars(
        select(Expediente).where(Expediente.caso_id == caso_id)
        .order_by(Expediente.id.desc()).limit(limite)
    ))


def relativa(expediente: Expediente) -> str:
    return f"expedientes/{int(expediente.acreedor_id)}/{int(expediente.id)}.pdf"


def ruta_archivo(expediente: Expediente) -> Path:
    return almacen.raiz() / relativa(expediente)


# --- attachments ------------------------------------------------------------------------


@dataclass
class Adjunto:
    documento: Documento
    pdf: bytes | None = None  # what is appended, when it can be included
    paginas: int = 0
    motivo: str | None = None

    @property
    def incluido(self) -> bool:
        return self.pdf is not None


def _revisar_pdf(datos: bytes) -> tuple[bytes, int]:
    """The PDF rewritten by pikepdf (every object read) and its page count; raises
    ValueError with the reason when it cannot be included."""
    import pikepdf

    if not datos.startswith(b"%PDF-"):
        raise ValueError(NO_PDF)
    try:
        with pikepdf.open(io.BytesIO(datos)) as pdf:
            paginas = len(pdf.pages)
            if paginas == 0:
                raise ValueError(PDF_VACIO)
            salida = io.BytesIO()
            pdf.save(salida)
    except pikepdf.PasswordError as error:
        raise ValueError(PDF_CIFRADO) from error
    except (pikepdf.PdfError, RuntimeError, OSError) as error:
        raise ValueError(NO_PDF) from error
    return salida.getvalue(), paginas


def _imagen_a_pdf(datos: bytes, papel: str) -> bytes:
    """A one-page PDF with the image scaled to fit the paper; raises ValueError."""
    from PIL import Image

    ancho_papel, alto_papel = PUNTOS_PAPEL.get(papel, PUNTOS_PAPEL["Letter"])
    try:
        with Image.open(io.BytesIO(datos)) as prueba:
            prueba.verify()
        with Image.open(io.BytesIO(datos)) as imagen:
            imagen.load()
            rgb = imagen.convert("RGB")
        # The resolution that makes the image fit inside the margins (never enlarged).
        escala = max(rgb.width / (ancho_papel - 2 * MARGEN_PUNTOS),
                     rgb.height / (alto_papel - 2 * MARGEN_PUNTOS), 1.0)
        salida = io.BytesIO()
        rgb.save(salida, format="PDF", resolution=72.0 * escala)
    except Exception as error:  # Pillow raises many kinds for a damaged or hostile image
        raise ValueError(IMAGEN_DANADA) from error
    return salida.getvalue()


def revisar_adjuntos(caso: Caso, papel: str) -> list[Adjunto]:
    """Each attached document of the caso, with its pages to append or why it is left out."""
    documentos = db.session.scalars(
        select(Documento).where(Documento.caso_id == caso.id)
        .order_by(Documento.creado_en, Documento.id)
    ).all()
    adjuntos = []
    for documento in documentos:
        adjunto = Adjunto(documento)
        ruta = almacen.ruta_absoluta(documento.ruta or "")
        try:
            if ruta is None:
                raise ValueError(NO_ENCONTRADO)
            datos = ruta.read_bytes()
            if documento.tipo_contenido == "application/pdf":
                adjunto.pdf, adjunto.paginas = _revisar_pdf(datos)
            elif documento.tipo_contenido in ("image/jpeg", "image/png"):
                adjunto.pdf, adjunto.paginas = _imagen_a_pdf(datos, papel), 1
            else:
                raise ValueError(TIPO_NO_ADMITIDO)
        except ValueError as error:
            adjunto.motivo = str(error)
        except OSError:
            adjunto.motivo = NO_ENCONTRADO
        adjuntos.append(adjunto)
    return adjuntos


# --- the dossier's data -----------------------------------------------------------------


@cache
def entorno() -> SandboxedEnvironment:
    """A sandbox with autoescape, as for letters: a name or note with <script> prints as text."""
    jinja = SandboxedEnvironment(
        loader=FileSystemLoader(str(RAIZ / "plantillas")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    jinja.filters.update(formato.FILTROS)
    return jinja


@dataclass
class _Contexto:
    zona: ZoneInfo
    moneda: str
    hoy: date
    nombres: dict[int, str] = field(default_factory=dict)

    def dinero(self, valor, moneda: str | None = None) -> str:
        return formato.dinero(valor if valor is not None else 0, moneda or self.moneda)

    def momento(self, valor: datetime | None) -> str:
        if valor is None:
            return ""
        if valor.tzinfo is None:
            valor = valor.replace(tzinfo=UTC)
        return valor.astimezone(self.zona).strftime("%d/%m/%Y %H:%M")

    def nombre(self, usuario_id: int | None) -> str:
        return self.nombres.get(usuario_id, "—") if usuario_id else "—"


def _nombres_de_usuarios(ids: set[int]) -> dict[int, str]:
    from agencia.auth.modelos import Usuario

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.nombre for u in db.session.scalars(select(Usuario).where(Usuario.id.in_(ids)))}


def _obligaciones(caso: Caso, c: _Contexto) -> dict:
    filas = []
    totales = {k: Decimal("0") for k in ("capital", "intereses", "gastos", "saldo_capital",
                                         "saldo_intereses", "saldo_gastos", "saldo")}
    for o in caso.obligaciones:
        moneda = o.moneda or c.moneda
        mora = max(0, (c.hoy - o.fecha_vencimiento).days) if o.saldo > 0 else 0
        filas.append({
            "referencia": o.referencia, "factura": o.numero_factura or "",
            "producto": o.producto or "", "vencimiento": formato.fecha(o.fecha_vencimiento),
            "dias_mora": mora,
            **{k: c.dinero(getattr(o, k), moneda) for k in totales},
        })
        for clave in totales:
            totales[clave] += getattr(o, clave) or 0
    return {"filas": filas, "totales": {k: c.dinero(v) for k, v in totales.items()},
            "dias_mora": caso.dias_mora(c.hoy)}


def _pagos(caso: Caso, c: _Contexto) -> dict:
    pagos = db.session.scalars(
        select(Pago).where(Pago.caso_id == caso.id).order_by(Pago.fecha, Pago.id)).all()
    aplicados = sum((p.monto for p in pagos if p.estado == "aplicado"), Decimal("0"))
    return {
        "filas": [{
            "fecha": formato.fecha(p.fecha), "monto": c.dinero(p.monto, p.moneda or None),
            "metodo": p.nombre_metodo, "referencia": p.referencia_bancaria,
            "estado": p.nombre_estado, "reversado": p.estado == "reversado",
            "motivo_reversion": p.motivo_reversion or "",
            "credito": c.dinero(p.credito) if p.credito else "",
        } for p in pagos],
        "total": c.dinero(aplicados),
    }


def _acuerdos(caso: Caso, c: _Contexto) -> list[dict]:
    acuerdos = db.session.scalars(
        select(Acuerdo).where(Acuerdo.caso_id == caso.id)
        .order_by(Acuerdo.creado_en, Acuerdo.id)).all()
    return [{
        "id": a.id, "tipo": a.nombre_tipo, "estado": a.nombre_estado,
        "incumplido": a.estado == "incumplido",
        "creado": c.momento(a.creado_en), "creado_por": c.nombre(a.creado_por),
        "vigente_desde": c.momento(a.vigente_desde), "cerrado": c.momento(a.cerrado_en),
        "motivo_cierre": a.motivo_cierre or "", "nota": a.nota or "",
        "deuda": c.dinero(a.deuda_total, a.moneda), "quita": c.dinero(a.quita_total, a.moneda),
        "quita_pct": formato.porcentaje(a.quita_pct),
        "total_acordado": c.dinero(a.total_acordado, a.moneda),
        "abono_inicial": c.dinero(a.abono_inicial, a.moneda),
        "pagado": c.dinero(a.pagado, a.moneda), "pendiente": c.dinero(a.pendiente, a.moneda),
        "numero_cuotas": a.numero_cuotas, "frecuencia": a.nombre_frecuencia,
        "fecha_limite": formato.fecha(a.fecha_limite),
        "cuotas": [{
            "numero": q.numero, "fecha": formato.fecha(q.fecha),
            "monto": c.dinero(q.monto, a.moneda), "pagado": c.dinero(q.pagado, a.moneda),
            "pendiente": c.dinero(q.pendiente, a.moneda),
            "vencida": q.pendiente > 0 and q.fecha < c.hoy,
        } for q in a.cuotas],
    } for a in acuerdos]


def _promesas(caso: Caso, c: _Contexto) -> list[dict]:
    promesas = db.session.scalars(
        select(Promesa).where(Promesa.caso_id == caso.id)
        .order_by(Promesa.fecha, Promesa.id)).all()
    return [{
        "fecha": formato.fecha(p.fecha), "monto": c.dinero(p.monto),
        "pagado": c.dinero(p.monto_pagado), "estado": p.nombre_estado,
        "incumplida": p.estado == "incumplida", "creada": c.momento(p.creado_en),
        "creada_por": c.nombre(p.creado_por), "resuelta": c.momento(p.resuelta_en),
    } for p in promesas]


def _linea_de_tiempo(caso: Caso, c: _Contexto) -> tuple[list[dict], list[dict]]:
    gestiones = db.session.scalars(
        select(Gestion).where(Gestion.caso_id == caso.id)
        .order_by(Gestion.creado_en, Gestion.id)).all()
    cartas = db.session.scalars(
        select(Carta).where(Carta.caso_id == caso.id).order_by(Carta.creado_en, Carta.id)).all()
    return (
        [{
            "fecha": c.momento(g.creado_en), "canal": g.nombre_canal,
            "direccion": DIRECCIONES.get(g.direccion, g.direccion),
            "resultado": g.nombre_resultado, "agente": c.nombre(g.usuario_id),
            "nota": g.nota or "",
            "excepcion": (f"Excepción autorizada por {c.nombre(g.excepcion_autorizada_por)}: "
                          f"{g.excepcion_motivo or ''}") if g.excepcion_autorizada_por else "",
        } for g in gestiones],
        [{
            "id": k.id, "fecha": c.momento(k.creado_en), "plantilla": k.nombre_plantilla,
            "estado": k.nombre_estado, "terminada": c.momento(k.terminado_en),
            "detalle": k.error or k.motivo or "",
        } for k in cartas],
    )


def _juridico(caso: Caso, c: _Contexto) -> dict:
    proceso = db.session.scalars(
        select(ProcesoJuridico).where(ProcesoJuridico.caso_id == caso.id)).first()
    remisiones = db.session.scalars(
        select(Remision).where(Remision.caso_id == caso.id)
        .order_by(Remision.creado_en, Remision.id)).all()
    datos = {
        "remisiones": [{
            "fecha": c.momento(r.creado_en), "origen": r.origen, "estado": r.nombre_estado,
            "motivo": r.motivo or "", "remitida": c.momento(r.remitida_en),
            "decision": r.decision_motivo or "",
        } for r in remisiones],
        "proceso": None,
    }
    if proceso is not None:
        total = sum((k.monto for k in proceso.costos), Decimal("0"))
        datos["proceso"] = {
            "tipo": proceso.nombre_tipo, "juzgado": proceso.juzgado or "—",
            "radicado": proceso.radicado or "—",
            "abogado": (c.nombre(proceso.abogado_id) if proceso.abogado_id
                        else proceso.firma_externa or "—"),
            "estado": "Terminado" if proceso.estado == "terminado" else "En curso",
            "resultado": proceso.nombre_resultado,
            "proxima_audiencia": c.momento(proceso.proxima_audiencia),
            "actuaciones": [{"fecha": formato.fecha(a.fecha), "tipo": a.nombre_tipo,
                             "descripcion": a.descripcion or ""} for a in proceso.actuaciones],
            "costos": [{"fecha": formato.fecha(k.fecha), "concepto": k.concepto,
                        "monto": c.dinero(k.monto, k.moneda)} for k in proceso.costos],
            "total_costos": c.dinero(total),
        }
    return datos


def contexto(expediente: Expediente, caso: Caso, adjuntos: list[Adjunto],
             momento: datetime | None = None) -> dict:
    """Everything the dossier prints, as plain values already formatted."""
    acreedor, deudor = caso.acreedor, caso.deudor
    zona = ZoneInfo(acreedor.zona_horaria or current_app.config["TZ_DEFAULT"])
    momento = (momento or ahora()).astimezone(zona)
    c = _Contexto(zona=zona, moneda=acreedor.moneda, hoy=momento.date())
    ids = set(db.session.scalars(select(Gestion.usuario_id).where(Gestion.caso_id == caso.id)))
    ids |= set(db.session.scalars(
        select(Gestion.excepcion_autorizada_por).where(Gestion.caso_id == caso.id)))
    ids |= set(db.session.scalars(select(Promesa.creado_por).where(Promesa.caso_id == caso.id)))
    ids |= set(db.session.scalars(select(Acuerdo.creado_por).where(Acuerdo.caso_id == caso.id)))
    ids |= set(db.session.scalars(
        select(ProcesoJuridico.abogado_id).where(ProcesoJuridico.caso_id == caso.id)))
    ids |= {caso.agente_id, expediente.solicitado_por}
    c.nombres = _nombres_de_usuarios(ids)
    gestiones, cartas = _linea_de_tiempo(caso, c)
    return {
        "agencia": datos_agencia(),
        "expediente": {"id": expediente.id, "solicitado_por": c.nombre(expediente.solicitado_por)},
        "fecha": momento.strftime("%d/%m/%Y %H:%M"),
        "zona": zona.key,
        "acreedor": {"nombre": acreedor.nombre, "nit": acreedor.nit or "",
                     "codigo": acreedor.codigo},
        "deudor": {"nombre": deudor.nombre, "documento": deudor.documento,
                   "ciudad": deudor.ciudad or ""},
        "caso": {"id": caso.id, "etapa": caso.nombre_etapa, "agente": c.nombre(caso.agente_id),
                 "saldo": c.dinero(caso.saldo), "en_disputa": caso.en_disputa,
                 "disputa_motivo": caso.disputa_motivo or ""},
        "obligaciones": _obligaciones(caso, c),
        "pagos": _pagos(caso, c),
        "acuerdos": _acuerdos(caso, c),
        "promesas": _promesas(caso, c),
        "gestiones": gestiones,
        "cartas": cartas,
        "juridico": _juridico(caso, c),
        "adjuntos": [{
            "nombre": a.documento.nombre_archivo, "tipo": a.documento.nombre_tipo,
            "fecha": c.momento(a.documento.creado_en), "incluido": a.incluido,
            "paginas": a.paginas, "motivo": a.motivo or "",
        } for a in adjuntos],
        "omitidos": sum(1 for a in adjuntos if not a.incluido),
    }


# --- generation -------------------------------------------------------------------------


def _unir(resumen: bytes, adjuntos: list[Adjunto]) -> bytes:
    import pikepdf

    with contextlib.ExitStack() as pila:
        salida = pila.enter_context(pikepdf.open(io.BytesIO(resumen)))
        for adjunto in adjuntos:
            if adjunto.incluido:
                fuente = pila.enter_context(pikepdf.open(io.BytesIO(adjunto.pdf)))
                salida.pages.extend(fuente.pages)
        buffer = io.BytesIO()
        salida.save(buffer)
        return buffer.getvalue()


def generar_expediente(expediente_id: int, al_avanzar=None,
                       momento: datetime | None = None) -> Expediente:
    """Compiles the dossier and stores it; ends lista or error, never raises for an expected
    failure. `al_avanzar()` is called after each progress step (the job commits there)."""
    import pikepdf

    expediente = db.session.get(Expediente, expediente_id)
    if expediente is None:
        raise LookupError(f"El expediente {expediente_id} no existe.")
    if expediente.estado == "lista" and ruta_archivo(expediente).is_file():
        return expediente

    def avanzar(progreso: int) -> None:
        expediente.estado, expediente.progreso, expediente.error = "generando", progreso, None
        db.session.flush()
        if al_avanzar:
            al_avanzar()

    try:
        avanzar(5)
        caso = expediente.caso
        papel = papel_de(caso.acreedor.pais)
        adjuntos = revisar_adjuntos(caso, papel)
        avanzar(30)
        html = entorno().get_template(PLANTILLA).render(
            **contexto(expediente, caso, adjuntos, momento))
        avanzar(45)
        resumen = html_a_pdf(html, papel=papel)
        avanzar(75)
        pdf = _unir(resumen, adjuntos)
        avanzar(90)
    except ErrorPdf as error:
        return _fallar(expediente, str(error))
    except TemplateError as error:
        current_app.logger.warning("Plantilla del expediente: %s", error)
        return _fallar(expediente, f"La plantilla del expediente tiene un error: {error}")
    except pikepdf.PdfError:
        return _fallar(expediente, "No se pudieron unir los documentos adjuntos al expediente.")
    return _terminar(expediente, pdf, adjuntos)


def _terminar(expediente: Expediente, pdf: bytes, adjuntos: list[Adjunto]) -> Expediente:
    ruta = ruta_archivo(expediente)
    try:
        almacen.escribir_archivos([(ruta, pdf)])
    except OSError as error:
        current_app.logger.error("No se pudo guardar %s: %s", ruta, error)
        return _fallar(expediente, "No se pudo guardar el archivo del expediente.")
    antes = {"estado": expediente.estado}
    expediente.estado, expediente.progreso, expediente.error = "lista", 100, None
    expediente.archivo, expediente.tamano = relativa(expediente), len(pdf)
    expediente.sha256 = hashlib.sha256(pdf).hexdigest()
    expediente.omitidos = [
        {"documento_id": a.documento.id, "nombre": a.documento.nombre_archivo,
         "motivo": a.motivo}
        for a in adjuntos if not a.incluido
    ]
    expediente.terminado_en = ahora()
    registrar("expediente.generado", "expediente", expediente.id,
              acreedor_id=expediente.acreedor_id, antes=antes,
              despues={"estado": "lista", "archivo": expediente.archivo,
                       "tamano": expediente.tamano, "sha256": expediente.sha256,
                       "incluidos": sum(1 for a in adjuntos if a.incluido),
                       "omitidos": expediente.omitidos})
    db.session.flush()
    return expediente


def _fallar(expediente: Expediente, mensaje: str) -> Expediente:
    antes = {"estado": expediente.estado}
    expediente.estado, expediente.error = "error", mensaje
    expediente.terminado_en = ahora()
    registrar("expediente.error", "expediente", expediente.id,
              acreedor_id=expediente.acreedor_id, antes=antes,
              despues={"estado": "error", "error": mensaje})
    db.session.flush()
    return expediente


def marcar_error(expediente_id: int, mensaje: str) -> None:
    """After an unexpected failure (the job rolled back): record it on the expediente."""
    expediente = db.session.get(Expediente, expediente_id)
    if expediente is not None and expediente.estado != "lista":
        _fallar(expediente, mensaje)
