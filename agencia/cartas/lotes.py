"""Letter batches: choose casos by filter, then generate one PDF per letter and one merged
print file in a job that can be run again after a crash (no duplicate, no gap).

`crear_lote` fixes the selection (the caso ids go in `filtros["caso_ids"]`, so a re-run works
on the same casos whatever has changed since) and `generar_lote` walks it in id order, in
chunks: each caso is checked against the contact policy for the "carta" channel (blocked →
omitted, with its reasons in an audit entry "carta.omitida" of the lote, never generated);
the allowed ones get a Carta of the lote (unique per lote and caso), rendered with ONE
wkhtmltopdf call per chunk and split into one PDF per letter (pdf.lote_a_pdf). Each chunk
commits its letters, their gestiones and the lote's counters together; a re-run skips the
letters that are lista with their file, the casos already omitted, and makes the rest. The
chunk PDF stays beside the letters (its name and the letter's pages are kept in the carta's
parametros) and the merged file is built from the chunks at the end.
"""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.modelos import Auditoria
from agencia.auditoria.servicios import registrar
from agencia.cartas import plantillas
from agencia.cartas.errores import CartaSinCola, ErrorCarta
from agencia.cartas.modelos import PLANTILLAS_A_ELECCION, PLANTILLAS_CARTA, Carta, LoteCartas
from agencia.cartas.pdf import ErrorPdf, dividir, lote_a_pdf
from agencia.cartas.servicios import (
    _escribir_atomico,
    _relativa,
    gestion_de,
    nota_gestion,
    ruta_archivo,
)
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.cumplimiento.motor import evaluar_lote
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.supervision.filtros import FiltroInvalido, Filtros, casos_filtrados, leer_filtros
from agencia.tipos import ahora
from colas.conexion import ColaNoDisponible, encolar

# Templates a batch can use: those that need no parameters of their own (acuerdo_pago needs
# an acuerdo, paz_y_salvo a caso pagado).
PLANTILLAS_LOTE = PLANTILLAS_A_ELECCION
TAMANO_BLOQUE = 300
ACCION_OMITIDA = "carta.omitida"


class ErrorLote(ErrorCarta):
    """A batch cannot be created or generated; the message is for the user."""


def plantillas_lote() -> dict[str, str]:
    return {clave: PLANTILLAS_CARTA[clave] for clave in PLANTILLAS_LOTE}


# --- Selection ---------------------------------------------------------------------------------

def _filtros(acreedor_id: int, filtros: Mapping | Filtros | None) -> Filtros:
    valores = dict(filtros.como_parametros() if isinstance(filtros, Filtros) else filtros or {})
    valores["acreedor_id"] = str(acreedor_id)
    try:
        return leer_filtros(valores)
    except FiltroInvalido as error:
        raise ErrorLote(error.mensaje) from error


def seleccion(acreedor_id: int, filtros: Mapping | Filtros | None) -> list[int]:
    """Ids of the open casos of the acreedor the filter chooses, not in disputa and whose
    deudor may be contacted, in id order."""
    sub = (
        casos_filtrados(_filtros(acreedor_id, filtros))
        .join(Deudor, Deudor.id == Caso.deudor_id)
        .where(Caso.en_disputa.is_(False), Deudor.no_contactar.is_(False))
        .order_by(None)
        .subquery()
    )
    return list(db.session.scalars(select(sub.c.id).order_by(sub.c.id)))


def crear_lote(
    acreedor_id: int, plantilla: str, filtros: Mapping | Filtros | None, usuario_id: int | None
) -> LoteCartas:
    """Creates the batch, pendiente, with the casos the filter chooses now. The caller
    commits, then queues (encolar_lote)."""
    if plantilla not in PLANTILLAS_LOTE:
        raise ErrorLote(
            f"La plantilla «{plantilla}» no se puede usar en un lote. Elija una de la lista: "
            + ", ".join(plantillas_lote().values()) + "."
        )
    acreedor = db.session.get(Acreedor, acreedor_id) if acreedor_id else None
    if acreedor is None:
        raise ErrorLote("Elija el acreedor del lote.")
    elegidos = _filtros(acreedor.id, filtros)
    caso_ids = seleccion(acreedor.id, elegidos)
    if not caso_ids:
        raise ErrorLote(
            "Ningún caso cumple el filtro (abierto, sin disputa y con un deudor que se puede "
            "contactar): no se creó el lote."
        )
    lote = LoteCartas(
        acreedor_id=acreedor.id,
        plantilla=plantilla,
        filtros={**elegidos.como_parametros(), "caso_ids": caso_ids},
        estado="pendiente",
        total=len(caso_ids),
        generadas=0,
        omitidas=0,
        solicitado_por=usuario_id,
    )
    db.session.add(lote)
    db.session.flush()
    registrar(
        "lote_cartas.creado",
        "lote_cartas",
        lote.id,
        acreedor_id=acreedor.id,
        despues={"plantilla": plantilla, "total": lote.total, "filtros": elegidos.como_parametros()},
        usuario_id=usuario_id,
    )
    return lote


def encolar_lote(lote: LoteCartas) -> str:
    """Queues the batch job and keeps its id (the caller commits). CartaSinCola when Redis
    is down: the lote stays pendiente and can be queued again from its page."""
    from colas.trabajos.cartas import generar_lote as trabajo

    try:
        job = encolar(trabajo, lote.id)
    except ColaNoDisponible as error:
        raise CartaSinCola(
            "El lote quedó registrado, pero el servicio de tareas no responde en este momento. "
            "Vuelva a intentarlo en unos minutos desde la página del lote."
        ) from error
    lote.job_id = job.id
    db.session.flush()
    return job.id


# --- Generation --------------------------------------------------------------------------------

def ruta_combinado(lote: LoteCartas) -> Path:
    return Path(current_app.config["ALMACEN_ARCHIVOS"]) / _relativa_combinado(lote)


def _relativa_combinado(lote: LoteCartas) -> str:
    return f"cartas/{lote.acreedor_id}/lotes/{lote.id}.pdf"


def _ruta_bloque(lote: LoteCartas, nombre: str) -> Path:
    return Path(current_app.config["ALMACEN_ARCHIVOS"]) / f"cartas/{lote.acreedor_id}/lotes/{lote.id}/{nombre}"


def omitidos(lote_id: int) -> dict[int, list[str]]:
    """caso_id → reasons, for the casos the batch left out."""
    filas = db.session.scalars(
        select(Auditoria).where(
            Auditoria.accion == ACCION_OMITIDA,
            Auditoria.entidad == "lote_cartas",
            Auditoria.entidad_id == lote_id,
        ).order_by(Auditoria.id)
    )
    return {int(f.despues["caso_id"]): list(f.despues.get("motivos", [])) for f in filas}


def _motivos_fijos(caso: Caso) -> list[str]:
    motivos = []
    if caso.etapa not in ETAPAS_ABIERTAS:
        motivos.append(f"el caso está cerrado ({caso.nombre_etapa})")
    if caso.en_disputa:
        motivos.append("el caso está en disputa")
    if caso.deudor.no_contactar:
        motivos.append("el deudor está marcado «no contactar»")
    return motivos


def generar_lote(
    lote_id: int,
    *,
    momento: datetime | None = None,
    al_avanzar: Callable[[], None] | None = None,
    tamano_bloque: int | None = None,
) -> LoteCartas:
    """Generates what is missing of the batch; ends lista (with the merged file) or error.
    `al_avanzar()` is called after each chunk (the job commits there). `momento` is when the
    contact policy is evaluated (default now)."""
    lote = db.session.get(LoteCartas, lote_id)
    if lote is None:
        raise ErrorLote(f"El lote {lote_id} no existe.")
    if lote.estado == "lista" and lote.archivo_combinado and ruta_combinado(lote).exists():
        return lote
    tamano = tamano_bloque or current_app.config.get("CARTAS_LOTE_BLOQUE", TAMANO_BLOQUE)
    lote.estado, lote.error = "generando", None
    db.session.flush()

    caso_ids = [int(i) for i in lote.filtros.get("caso_ids", [])]
    cartas = {
        c.caso_id: c
        for c in db.session.scalars(select(Carta).where(Carta.lote_cartas_id == lote.id))
    }
    hechos = set(omitidos(lote.id))
    hechos |= {c.caso_id for c in cartas.values() if _lista(c)}
    faltan = [i for i in caso_ids if i not in hechos]
    bloques = [faltan[i:i + tamano] for i in range(0, len(faltan), tamano)]
    config = current_app.config
    opciones = {
        "timeout": config.get("WKHTMLTOPDF_TIMEOUT_LOTE", 10 * config.get("WKHTMLTOPDF_TIMEOUT", 60)),
        "ejecutable": config.get("WKHTMLTOPDF", "wkhtmltopdf"),
    }
    # Pipeline: wkhtmltopdf renders chunk k+1 (in a thread that only waits on the subprocess)
    # while this thread splits, writes and logs chunk k. Each step is a savepoint: a chunk that
    # fails leaves nothing of itself behind. Carta rows of the chunk being rendered are
    # committed with the previous chunk, still "generando": a re-run picks them up.
    try:
        with ThreadPoolExecutor(max_workers=1) as hilo:

            def lanzar(k: int):
                if k >= len(bloques):
                    return None
                preparado = _preparar(lote, bloques[k], cartas, momento)
                if preparado is None:
                    return None
                futuro = hilo.submit(lote_a_pdf, preparado.documentos, papel=preparado.papel,
                                     **opciones)
                return preparado, futuro

            with db.session.begin_nested():
                en_curso = lanzar(0)
            for k in range(len(bloques)):
                with db.session.begin_nested():
                    actual, en_curso = en_curso, lanzar(k + 1)
                    if actual is not None:
                        preparado, futuro = actual
                        _completar(lote, preparado, *futuro.result())
                    _contar(lote)
                if al_avanzar:
                    al_avanzar()
        _combinar(lote)
    except (ErrorCarta, ErrorPdf, OSError) as error:
        return _fallar(lote, str(error) if not isinstance(error, OSError)
                       else "No se pudo guardar un archivo del lote.")
    except TemplateError as error:
        current_app.logger.warning("Plantilla de carta %s: %s", lote.plantilla, error)
        return _fallar(lote, f"La plantilla «{lote.plantilla}» tiene un error: {error}")
    return lote


def _lista(carta: Carta) -> bool:
    return carta.estado == "lista" and bool(carta.archivo) and ruta_archivo(carta).exists()


@dataclass
class _Preparado:
    elegidas: list  # [(Carta, Caso, made by an earlier run)]
    documentos: list[str]  # each letter's HTML
    papel: str


def _preparar(lote: LoteCartas, caso_ids: list[int], cartas: dict[int, Carta], momento
              ) -> "_Preparado | None":
    """Policy check, Carta rows and HTML of one chunk; None when every caso is omitted."""
    casos = list(
        db.session.scalars(
            select(Caso)
            .where(Caso.id.in_(caso_ids))
            .options(
                selectinload(Caso.deudor).selectinload(Deudor.contactos),
                selectinload(Caso.obligaciones),
            )
            .order_by(Caso.id)
        )
    )
    decisiones = evaluar_lote(casos, "carta", momento)
    elegidas: list[tuple[Carta, Caso, bool]] = []
    for caso in casos:
        motivos = _motivos_fijos(caso)
        decision = decisiones[caso.id]
        if not decision.permitido:
            motivos += [m for m in decision.motivos if m not in motivos]
        if motivos:
            registrar(
                ACCION_OMITIDA,
                "lote_cartas",
                lote.id,
                acreedor_id=lote.acreedor_id,
                despues={"caso_id": caso.id, "motivos": motivos},
            )
            continue
        carta = cartas.get(caso.id)
        previa = carta is not None
        if carta is None:
            carta = Carta(
                acreedor_id=lote.acreedor_id,
                caso_id=caso.id,
                plantilla=lote.plantilla,
                parametros={},
                estado="generando",
                progreso=0,
                solicitado_por=lote.solicitado_por,
                lote_cartas_id=lote.id,
            )
            db.session.add(carta)
            cartas[caso.id] = carta
        elegidas.append((carta, caso, previa))
    if not elegidas:
        return None
    db.session.flush()
    documentos = []
    for carta, caso, _ in elegidas:
        carta.parametros = {}
        documentos.append(plantillas.renderizar(carta.plantilla, plantillas.contexto(carta, caso)))
    return _Preparado(elegidas, documentos, plantillas.papel_de(casos[0].acreedor.pais))


def _completar(lote: LoteCartas, preparado: "_Preparado", pdf: bytes, rangos: list[range]):
    """Stores the chunk's PDF, one PDF per letter, and logs each letter."""
    # Unique per rendering: a letter made again alone never overwrites the chunk its
    # neighbours' pages are taken from.
    nombre_bloque = f"bloque-{preparado.elegidas[0][0].id}-{secrets.token_hex(4)}.pdf"
    _escribir_atomico(_ruta_bloque(lote, nombre_bloque), pdf)
    for (carta, caso, previa), rango, datos in zip(
        preparado.elegidas, rangos, dividir(pdf, rangos), strict=True
    ):
        _terminar(carta, caso, datos, previa, nombre_bloque, rango)
    db.session.flush()


def _terminar(carta: Carta, caso: Caso, pdf: bytes, previa: bool, bloque: str, rango: range):
    """Like servicios._terminar for one letter of a batch: file, estado, gestion (looked up
    first when the carta comes from an earlier run), audit."""
    from agencia.casos.servicios import registrar_gestion

    _escribir_atomico(ruta_archivo(carta), pdf)
    carta.estado, carta.progreso, carta.error = "lista", 100, None
    carta.archivo, carta.tamano = _relativa(carta), len(pdf)
    carta.sha256 = hashlib.sha256(pdf).hexdigest()
    carta.terminado_en = ahora()
    carta.parametros = {"bloque": bloque, "paginas": [rango.start, rango.stop]}
    if not previa or gestion_de(carta) is None:
        registrar_gestion(
            caso,
            carta.solicitado_por,
            "carta",
            "saliente",
            "carta_generada",
            nota_gestion(carta),
            # Checked just before, for the whole chunk (evaluar_lote).
            verificar_politica=False,
        )
    registrar(
        "carta.generada",
        "carta",
        carta.id,
        acreedor_id=carta.acreedor_id,
        despues={"estado": "lista", "archivo": carta.archivo, "tamano": carta.tamano,
                 "sha256": carta.sha256, "lote_cartas_id": carta.lote_cartas_id},
    )


def _contar(lote: LoteCartas) -> None:
    db.session.flush()
    lote.generadas = db.session.scalar(
        select(func.count()).select_from(Carta)
        .where(Carta.lote_cartas_id == lote.id, Carta.estado == "lista")
    )
    lote.omitidas = db.session.scalar(
        select(func.count()).select_from(Auditoria).where(
            Auditoria.accion == ACCION_OMITIDA,
            Auditoria.entidad == "lote_cartas",
            Auditoria.entidad_id == lote.id,
        )
    )
    db.session.flush()


def _combinar(lote: LoteCartas) -> None:
    """The merged print file: every letter's pages, in caso order, taken from the chunks."""
    from pypdf import PdfReader, PdfWriter

    _contar(lote)
    cartas = list(
        db.session.scalars(
            select(Carta)
            .where(Carta.lote_cartas_id == lote.id, Carta.estado == "lista")
            .order_by(Carta.caso_id)
        )
    )
    escritor = PdfWriter()
    lectores: dict[str, PdfReader] = {}
    for carta in cartas:
        bloque = (carta.parametros or {}).get("bloque")
        paginas = (carta.parametros or {}).get("paginas")
        if bloque and paginas and _ruta_bloque(lote, bloque).exists():
            if bloque not in lectores:
                lectores[bloque] = PdfReader(_ruta_bloque(lote, bloque))
            lector = lectores[bloque]
            for numero in range(*paginas):
                escritor.add_page(lector.pages[numero])
        else:  # a letter made elsewhere: its own file
            for pagina in PdfReader(ruta_archivo(carta)).pages:
                escritor.add_page(pagina)
    ruta = ruta_combinado(lote)
    if cartas:
        from io import BytesIO

        buffer = BytesIO()
        escritor.write(buffer)
        datos = buffer.getvalue()
        _escribir_atomico(ruta, datos)
        lote.archivo_combinado = _relativa_combinado(lote)
        lote.sha256 = hashlib.sha256(datos).hexdigest()
    lote.estado, lote.error = "lista", None
    lote.terminado_en = ahora()
    registrar(
        "lote_cartas.generado",
        "lote_cartas",
        lote.id,
        acreedor_id=lote.acreedor_id,
        despues={"estado": "lista", "generadas": lote.generadas, "omitidas": lote.omitidas,
                 "archivo_combinado": lote.archivo_combinado, "sha256": lote.sha256},
    )
    db.session.flush()


def _fallar(lote: LoteCartas, mensaje: str) -> LoteCartas:
    antes = {"estado": lote.estado}
    lote.estado, lote.error = "error", mensaje
    lote.terminado_en = ahora()
    registrar("lote_cartas.error", "lote_cartas", lote.id, acreedor_id=lote.acreedor_id,
              antes=antes, despues={"estado": "error", "error": mensaje})
    db.session.flush()
    return lote


def marcar_error(lote_id: int, mensaje: str) -> None:
    """After an unexpected failure (the job rolled back): record it on the lote."""
    lote = db.session.get(LoteCartas, lote_id)
    if lote is not None and lote.estado != "lista":
        _fallar(lote, mensaje)


def progreso(lote: LoteCartas) -> int:
    if lote.estado == "lista":
        return 100
    if not lote.total:
        return 0
    return min(99, (lote.generadas + lote.omitidas) * 100 // lote.total)


def mensaje(lote: LoteCartas) -> str:
    if lote.estado == "error":
        return lote.error or "No se pudo generar el lote."
    if lote.estado == "lista":
        return f"Listo: {lote.generadas} cartas generadas, {lote.omitidas} omitidas."
    if lote.estado == "generando":
        return f"Generando… {lote.generadas + lote.omitidas} de {lote.total}"
    return "En cola…"
