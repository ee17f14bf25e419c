"""Letter batches: choose casos by filter, then generate one PDF per letter and one merged
print file in a job that can be run again after a crash (no duplicate, no gap).

`crear_lote` fixes the selection (the caso ids go in `filtros["caso_ids"]`, so a re-run works
on the same casos whatever has changed since) and `generar_lote` walks it in id order, in
chunks: each caso is checked against the contact policy for the "carta" channel (blocked →
omitted, with its reasons in an audit entry "carta.omitida" of the lote, never generated);
the allowed ones get a Carta of the lote (unique per lote and caso), rendered with ONE
wkhtmltopdf call per chunk and split into one PDF per letter (pdf.lote_a_pdf, pdf.dividir).
Each chunk commits its letters, their gestiones and the lote's counters together; a re-run
skips the letters that are lista with their whole file, the casos already omitted, and makes
the rest. The chunk PDF stays beside the letters (its name and the letter's pages are kept in
the carta's parametros) and the merged file is built from the chunks at the end.

Throughput (benchmarks/cartas.py): PROCESOS chunks render at once, each in a thread that only
waits on its wkhtmltopdf, splits its output and writes the files; this thread prepares the
next chunks and records the finished one with a few statements per chunk (one UPDATE of the
cartas, one INSERT of the gestiones, one of the audit entries), never an ORM flush per letter.
"""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from jinja2 import TemplateError
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.modelos import Auditoria
from agencia.auditoria.servicios import registrar, registrar_varios
from agencia.cartas import plantillas
from agencia.cartas.errores import CartaSinCola, ErrorCarta
from agencia.cartas.modelos import PLANTILLAS_A_ELECCION, PLANTILLAS_CARTA, Carta, LoteCartas
from agencia.cartas.pdf import ErrorPdf, combinar, dividir, lote_a_pdf
from agencia.cartas.servicios import _relativa, nota_gestion, ruta_archivo
from agencia.casos.gestiones_en_bloque import GestionAutomatica, registrar_en_bloque
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso, Gestion
from agencia.cumplimiento.motor import evaluar_lote
from agencia.deudores.modelos import Deudor
from agencia.documentos.almacen import escribir_archivos
from agencia.extensiones import db
from agencia.promesas.servicios import hoy_local
from agencia.supervision.filtros import FiltroInvalido, Filtros, casos_filtrados, leer_filtros
from agencia.tipos import ahora
from colas.conexion import ColaNoDisponible, encolar

# Templates a batch can use: those that need no parameters of their own (acuerdo_pago needs
# an acuerdo, paz_y_salvo a caso pagado).
PLANTILLAS_LOTE = PLANTILLAS_A_ELECCION
TAMANO_BLOQUE = 300
# Chunks rendering at once (one wkhtmltopdf process each): three keep both cores of a small
# server busy while this process stores a finished chunk and another chunk's files are
# flushed to disk (measured: 2 → about 285 letters/s, 3 → about 305, 4 → no better).
PROCESOS = 3
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


def reencolar_atascados(minutos: int = 2, limite: int = 100) -> int:
    """Queues again the batches still pendiente/generando after `minutos` whose job is not
    alive in Redis (never queued because Redis was down, or its worker died mid-batch): the
    re-run carries on where the last committed chunk left off. The caller commits."""
    from colas.conexion import trabajo_vivo

    limite_tiempo = ahora() - timedelta(minutes=minutos)
    lotes = db.session.scalars(
        select(LoteCartas)
        .where(LoteCartas.estado.in_(("pendiente", "generando")),
               LoteCartas.creado_en < limite_tiempo)
        .order_by(LoteCartas.id).limit(limite)
    ).all()
    reencolados = 0
    for lote in lotes:
        if trabajo_vivo(lote.job_id):
            continue
        try:
            encolar_lote(lote)
        except CartaSinCola:
            break  # Redis is still down: the next run tries again
        reencolados += 1
    return reencolados


# --- Generation --------------------------------------------------------------------------------

def ruta_combinado(lote: LoteCartas) -> Path:
    return Path(current_app.config["ALMACEN_ARCHIVOS"]) / _relativa_combinado(lote)


def _relativa_combinado(lote: LoteCartas) -> str:
    return f"cartas/{lote.acreedor_id}/lotes/{lote.id}.pdf"


def _carpeta_bloques(lote: LoteCartas) -> Path:
    return (Path(current_app.config["ALMACEN_ARCHIVOS"])
            / f"cartas/{lote.acreedor_id}/lotes/{lote.id}")


def _ruta_bloque(lote: LoteCartas, nombre: str) -> Path:
    return _carpeta_bloques(lote) / nombre


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
    config = current_app.config
    tamano = tamano_bloque or config.get("CARTAS_LOTE_BLOQUE", TAMANO_BLOQUE)
    en_vuelo = max(1, int(config.get("CARTAS_LOTE_PROCESOS", PROCESOS)))
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
    opciones = {
        "timeout": config.get("WKHTMLTOPDF_TIMEOUT_LOTE", 10 * config.get("WKHTMLTOPDF_TIMEOUT", 60)),
        "ejecutable": config.get("WKHTMLTOPDF", "wkhtmltopdf"),
    }
    # Pipeline: up to `en_vuelo` chunks render at once (threads that wait on wkhtmltopdf and
    # split its output) while this thread stores and logs the oldest one. Each step is a
    # savepoint: a chunk that fails leaves nothing of itself behind. Carta rows of chunks still
    # rendering are committed with an earlier chunk, "generando": a re-run picks them up.
    try:
        with ThreadPoolExecutor(max_workers=en_vuelo) as hilos:

            plantilla = plantillas.plantilla_para(lote.plantilla, lote.acreedor_id)

            def lanzar(k: int):
                if k >= len(bloques):
                    return None
                with db.session.begin_nested():
                    preparado = _preparar(lote, bloques[k], cartas, momento, plantilla)
                if preparado is None:
                    return None
                return preparado, hilos.submit(_renderizar, preparado, opciones)

            cola = [lanzar(k) for k in range(min(en_vuelo, len(bloques)))]
            for k in range(len(bloques)):
                actual = cola.pop(0)
                with db.session.begin_nested():
                    if actual is not None:
                        preparado, futuro = actual
                        _completar(lote, preparado, futuro.result())
                    _contar(lote)
                if al_avanzar:
                    al_avanzar()
                cola.append(lanzar(k + en_vuelo))
        _combinar(lote)
    except (ErrorCarta, ErrorPdf, OSError) as error:
        return _fallar(lote, str(error) if not isinstance(error, OSError)
                       else "No se pudo guardar un archivo del lote.")
    except TemplateError as error:
        current_app.logger.warning("Plantilla de carta %s: %s", lote.plantilla, error)
        return _fallar(lote, f"La plantilla «{lote.plantilla}» tiene un error: {error}")
    return lote


def _lista(carta: Carta) -> bool:
    """Made, with its whole file (a crash between the write and the commit of the next chunk
    could leave a file without its bytes on disk: the size says)."""
    if carta.estado != "lista" or not carta.archivo:
        return False
    try:
        return ruta_archivo(carta).stat().st_size == carta.tamano
    except OSError:
        return False


@dataclass(frozen=True)
class _Item:
    """What storing one letter of a chunk needs, as plain values: the chunk is stored after
    a commit has expired its ORM objects."""

    carta_id: int
    caso_id: int
    previa: bool  # the Carta row comes from an earlier run (its gestion may exist)
    archivo: str  # relative to ALMACEN_ARCHIVOS
    nota: str  # the gestion's note
    ultima_gestion_en: datetime | None
    proxima_accion: date | None


@dataclass(frozen=True)
class _Preparado:
    items: list[_Item]
    documentos: list[str]  # each letter's HTML
    papel: str
    raiz: Path  # ALMACEN_ARCHIVOS
    carpeta_bloques: Path  # where the lote's chunk files go


def _preparar(lote: LoteCartas, caso_ids: list[int], cartas: dict[int, Carta], momento,
              plantilla) -> "_Preparado | None":
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
    omitidas = []
    for caso in casos:
        motivos = _motivos_fijos(caso)
        decision = decisiones[caso.id]
        if not decision.permitido:
            motivos += [m for m in decision.motivos if m not in motivos]
        if motivos:
            omitidas.append({"accion": ACCION_OMITIDA, "entidad": "lote_cartas",
                             "entidad_id": lote.id, "acreedor_id": lote.acreedor_id,
                             "despues": {"caso_id": caso.id, "motivos": motivos}})
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
    registrar_varios(omitidas)
    if not elegidas:
        return None
    db.session.flush()
    documentos, items = [], []
    for carta, caso, previa in elegidas:
        carta.parametros = {}
        documentos.append(plantilla.render(**plantillas.contexto(carta, caso)))
        items.append(_Item(carta.id, caso.id, previa, _relativa(carta), nota_gestion(carta),
                           caso.ultima_gestion_en, caso.proxima_accion))
    return _Preparado(items, documentos, plantillas.papel_de(casos[0].acreedor.pais),
                      Path(current_app.config["ALMACEN_ARCHIVOS"]), _carpeta_bloques(lote))


@dataclass(frozen=True)
class _Renderizado:
    bloque: str  # the chunk's file name
    rangos: list[range]  # each letter's pages in it
    archivos: list[tuple[int, str]]  # each letter's file: (size, sha256)


def _renderizar(preparado: _Preparado, opciones: dict) -> _Renderizado:
    """In a worker thread (no database): ONE wkhtmltopdf call for the chunk, one PDF per
    letter, and the files written. They are not lista until the chunk's commit says so."""
    datos, rangos = lote_a_pdf(preparado.documentos, papel=preparado.papel, **opciones)
    partes = dividir(datos, rangos)
    # Unique per rendering: a letter made again alone never overwrites the chunk its
    # neighbours' pages are taken from.
    bloque = f"bloque-{preparado.items[0].carta_id}-{secrets.token_hex(4)}.pdf"
    escribir_archivos([(preparado.carpeta_bloques / bloque, datos)]
                      + [(preparado.raiz / item.archivo, parte)
                         for item, parte in zip(preparado.items, partes, strict=True)])
    return _Renderizado(bloque, rangos,
                        [(len(parte), hashlib.sha256(parte).hexdigest()) for parte in partes])


def _completar(lote: LoteCartas, preparado: _Preparado, hecho: _Renderizado) -> None:
    """Marks the chunk's cartas lista and logs each letter as a gestion — a few statements
    for the whole chunk."""
    terminado = ahora()
    filas, auditoria = [], []
    for item, rango, (tamano, sha256) in zip(preparado.items, hecho.rangos, hecho.archivos,
                                             strict=True):
        archivo = {"archivo": item.archivo, "tamano": tamano, "sha256": sha256}
        filas.append({"id": item.carta_id, "estado": "lista", "progreso": 100, "error": None,
                      "terminado_en": terminado,
                      "parametros": {"bloque": hecho.bloque, "paginas": [rango.start, rango.stop]},
                      **archivo})
        auditoria.append({"accion": "carta.generada", "entidad": "carta",
                          "entidad_id": item.carta_id, "acreedor_id": lote.acreedor_id,
                          "despues": {"estado": "lista", **archivo, "lote_cartas_id": lote.id}})
    db.session.execute(update(Carta), filas)
    _registrar_gestiones(lote, preparado.items)
    registrar_varios(auditoria)


def _registrar_gestiones(lote: LoteCartas, items: list[_Item]) -> None:
    """One gestion per letter; a carta from an earlier run may have logged its own already
    (found by its note, as servicios.gestion_de does)."""
    previas = [i for i in items if i.previa]
    ya = set()
    if previas:
        ya = set(db.session.execute(
            select(Gestion.caso_id, Gestion.nota).where(
                Gestion.caso_id.in_([i.caso_id for i in previas]),
                Gestion.canal == "carta", Gestion.resultado == "carta_generada",
                Gestion.nota.in_([i.nota for i in previas]))).all())
    registrar_en_bloque(
        [GestionAutomatica(i.caso_id, lote.acreedor_id, i.nota, i.ultima_gestion_en,
                           i.proxima_accion)
         for i in items if (i.caso_id, i.nota) not in ya],
        canal="carta", resultado="carta_generada", usuario_id=lote.solicitado_por,
        momento=ahora(), hoy=hoy_local())


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
    _contar(lote)
    cartas = list(
        db.session.scalars(
            select(Carta)
            .where(Carta.lote_cartas_id == lote.id, Carta.estado == "lista")
            .order_by(Carta.caso_id)
        )
    )
    fuentes = []
    for carta in cartas:
        bloque = (carta.parametros or {}).get("bloque")
        paginas = (carta.parametros or {}).get("paginas")
        if bloque and paginas and _ruta_bloque(lote, bloque).exists():
            fuentes.append((_ruta_bloque(lote, bloque), range(*paginas)))
        else:  # a letter made elsewhere: its own file
            fuentes.append((ruta_archivo(carta), None))
    if cartas:
        datos = combinar(fuentes)
        escribir_archivos([(ruta_combinado(lote), datos)])
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
