"""Letters: request one, queue it, generate its PDF (in a job), and find them again.

A request creates the Carta row (pendiente) and its audit entry; the view commits and then
queues the job, so the job never looks for a row that is not committed yet. Generation is
idempotent: a letter that is lista with its file is left alone; one that crashed half way
is generated again into the same path, and its gestion is looked up before it is written,
so a second run leaves one file and one gestion.

A collection letter goes through the contact policy engine when it is generated (issue 7):
blocked with a next allowed moment, it waits (estado esperando, programado_para, motivo) and
the periodic reencolar_atascadas queues it again once that moment has come, never before;
blocked for good, it ends in error with the reason. Documents the deudor is owed (paz y
salvo, the acuerdo letter) are never held back.
"""

import hashlib
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from jinja2 import TemplateError
from sqlalchemy import or_, select

from agencia.auditoria.servicios import registrar
from agencia.cartas import documentos, plantillas
from agencia.cartas.errores import CartaSinCola, ErrorCarta
from agencia.cartas.modelos import PLANTILLAS_CARTA, Carta
from agencia.cartas.pdf import ErrorPdf, html_a_pdf
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso, Gestion
from agencia.extensiones import db
from agencia.tipos import ahora
from colas.conexion import ColaNoDisponible, encolar

ESTADOS_EN_CURSO = ("pendiente", "generando")
# Documents the deudor is entitled to: generated for a closed caso (paz y salvo: only for a
# pagado one, see documentos.validar_solicitud), in disputa or no-contactar alike. Making the
# document is not contacting the deudor; sending it goes through the contact policy (issue 7).
PLANTILLAS_DE_DERECHO = ("paz_y_salvo",)
# Letters that are not a collection contact: never checked against the contact policy.
PLANTILLAS_SIN_POLITICA = (*PLANTILLAS_DE_DERECHO, "acuerdo_pago")


def es_contacto_de_cobro(plantilla: str) -> bool:
    return plantilla not in PLANTILLAS_SIN_POLITICA


def motivo_sin_cartas(caso) -> str | None:
    """Why no collection letter is made for this caso at all (None when nothing stops it)."""
    if caso.etapa not in ETAPAS_ABIERTAS:
        return f"El caso está cerrado ({caso.nombre_etapa}): no se generan cartas."
    if caso.en_disputa:
        return "El caso está en disputa: no se generan cartas hasta resolverla."
    if caso.deudor.no_contactar:
        return "El deudor está marcado como «no contactar»: no se generan cartas."
    return None


def solicitar_carta(
    caso_id: int, plantilla: str, usuario_id: int | None, parametros: dict | None = None
) -> Carta:
    """Creates the carta, pendiente, with its audit entry. The caller commits, then queues.

    Plantillas and their parametros: "recordatorio_amistoso" ({}), "acuerdo_pago"
    ({"acuerdo_id": id of an acuerdo of this caso}), "paz_y_salvo" ({}, caso pagado only).
    """
    if plantilla not in PLANTILLAS_CARTA:
        raise ErrorCarta(f"La plantilla «{plantilla}» no existe. Elija una de la lista.")
    caso = db.session.get(Caso, caso_id)
    if caso is None:
        raise ErrorCarta("El caso no existe.")
    if plantilla not in PLANTILLAS_DE_DERECHO and (motivo := motivo_sin_cartas(caso)):
        raise ErrorCarta(motivo)
    parametros = documentos.validar_solicitud(caso, plantilla, parametros)
    carta = Carta(
        acreedor_id=caso.acreedor_id,
        caso_id=caso.id,
        plantilla=plantilla,
        parametros=parametros,
        estado="pendiente",
        progreso=0,
        solicitado_por=usuario_id,
    )
    db.session.add(carta)
    db.session.flush()
    registrar(
        "carta.solicitada",
        "carta",
        carta.id,
        acreedor_id=carta.acreedor_id,
        despues={"caso_id": caso.id, "plantilla": plantilla, "estado": "pendiente"},
        usuario_id=usuario_id,
    )
    return carta


def encolar_carta(carta: Carta) -> str:
    """Queues the generation job and keeps its id on the carta (the caller commits).

    Raises CartaSinCola when Redis is down: the carta stays pendiente, and the periodic
    reencolar_atascadas queues it when Redis is back.
    """
    from colas.trabajos.cartas import generar_carta as trabajo_generar

    try:
        job = encolar(trabajo_generar, carta.id)
    except ColaNoDisponible as error:
        raise CartaSinCola(
            "La carta quedó registrada, pero el servicio de tareas no responde en este "
            "momento. Se generará automáticamente cuando el servicio vuelva."
        ) from error
    carta.job_id = job.id
    db.session.flush()
    return job.id


def ruta_archivo(carta: Carta) -> Path:
    return Path(current_app.config["ALMACEN_ARCHIVOS"]) / _relativa(carta)


def _relativa(carta: Carta) -> str:
    return f"cartas/{carta.acreedor_id}/{carta.id}.pdf"


def nota_gestion(carta: Carta) -> str:
    """The gestion's note; also how a rerun finds the gestion it already wrote."""
    return f"Carta «{carta.nombre_plantilla}» generada (carta n.º {carta.id}, plantilla {carta.plantilla})."


def gestion_de(carta: Carta) -> Gestion | None:
    return db.session.scalars(
        select(Gestion).where(
            Gestion.caso_id == carta.caso_id,
            Gestion.canal == "carta",
            Gestion.resultado == "carta_generada",
            Gestion.nota == nota_gestion(carta),
        )
    ).first()


def _utc(momento: datetime | None) -> datetime:
    if momento is None:
        return ahora()
    if momento.tzinfo is None:
        raise ValueError("El momento de generación necesita zona horaria")
    return momento.astimezone(UTC)


def _retener(carta: Carta, momento: datetime) -> Carta | None:
    """For a collection letter: the carta left esperando or error when the caso or the contact
    policy does not allow it at `momento`; None when it may be generated now. A letter whose
    gestion exists already went out (a rerun after a crash) and is not checked again."""
    from agencia.cumplimiento.motor import evaluar

    if not es_contacto_de_cobro(carta.plantilla) or gestion_de(carta) is not None:
        return None
    caso = carta.caso
    motivo = motivo_sin_cartas(caso)
    if motivo:
        return _fallar(carta, motivo)
    decision = evaluar(caso, "carta", momento)
    if decision.permitido:
        carta.motivo = None
        return None
    motivos = "; ".join(decision.motivos)
    if decision.proximo_permitido is None:
        return _fallar(carta, f"La política de contacto no permite esta carta: {motivos}.")
    antes = {"estado": carta.estado}
    carta.estado, carta.progreso, carta.error = "esperando", 0, None
    carta.programado_para, carta.motivo = decision.proximo_permitido, motivos
    registrar(
        "carta.esperando",
        "carta",
        carta.id,
        acreedor_id=carta.acreedor_id,
        antes=antes,
        despues={"estado": "esperando", "motivo": motivos,
                 "programado_para": decision.proximo_permitido.isoformat()},
    )
    db.session.flush()
    return carta


def generar_carta(carta_id: int, *, al_avanzar=None, momento: datetime | None = None) -> Carta:
    """Renders the carta to PDF and stores it; ends lista or error (never raises for an
    expected failure), or esperando when the contact policy holds a collection letter back at
    `momento` (default now). A carta esperando is left alone until its programado_para.
    `al_avanzar()` is called after each progress step (the job commits there so the page
    polling the estado sees it)."""
    carta = db.session.get(Carta, carta_id)
    if carta is None:
        raise ErrorCarta(f"La carta {carta_id} no existe.")
    if carta.estado == "lista" and ruta_archivo(carta).exists():
        return carta
    momento = _utc(momento)
    if carta.estado == "esperando" and carta.programado_para and carta.programado_para > momento:
        return carta  # never early
    if carta.plantilla in PLANTILLAS_CARTA and (retenida := _retener(carta, momento)):
        return retenida

    def avanzar(progreso: int) -> None:
        carta.estado, carta.progreso, carta.error = "generando", progreso, None
        db.session.flush()
        if al_avanzar:
            al_avanzar()

    try:
        avanzar(10)
        if carta.plantilla not in PLANTILLAS_CARTA:
            raise ErrorCarta(f"La plantilla «{carta.plantilla}» ya no existe.")
        caso = carta.caso
        html = plantillas.renderizar(carta.plantilla, plantillas.contexto(carta, caso))
        avanzar(40)
        pdf = html_a_pdf(html, papel=plantillas.papel_de(caso.acreedor.pais))
        avanzar(80)
    except (ErrorCarta, ErrorPdf) as error:
        return _fallar(carta, str(error))
    except TemplateError as error:
        current_app.logger.warning("Plantilla de carta %s: %s", carta.plantilla, error)
        return _fallar(carta, f"La plantilla «{carta.plantilla}» tiene un error: {error}")
    return _terminar(carta, pdf, momento)


def _terminar(carta: Carta, pdf: bytes, momento: datetime) -> Carta:
    # Row lock: two runs of the same carta finish one after the other, and the second sees
    # the first's gestion (on SQLite the single writer gives the same order).
    db.session.refresh(carta, with_for_update=True)
    ruta = ruta_archivo(carta)
    if carta.estado == "lista" and ruta.exists():
        return carta
    try:
        _escribir_atomico(ruta, pdf)
    except OSError as error:
        current_app.logger.error("No se pudo guardar %s: %s", ruta, error)
        return _fallar(carta, "No se pudo guardar el archivo de la carta.")
    antes = {"estado": carta.estado}
    carta.estado, carta.progreso, carta.error = "lista", 100, None
    carta.archivo, carta.tamano = _relativa(carta), len(pdf)
    carta.sha256 = hashlib.sha256(pdf).hexdigest()
    carta.terminado_en = ahora()
    if gestion_de(carta) is None:
        from agencia.casos.servicios import registrar_gestion

        registrar_gestion(
            carta.caso,
            carta.solicitado_por,
            "carta",
            "saliente",
            "carta_generada",
            nota_gestion(carta),
            # The acuerdo letter and the paz y salvo leave the caso's next action as it is
            # (the acuerdo's schedule sets it; a closed caso has none to suggest).
            proxima_accion=(
                carta.caso.proxima_accion
                if carta.plantilla in documentos.PLANTILLAS_DOCUMENTO
                else None
            ),
            momento=momento,
            # A collection letter was checked just before rendering (_retener).
            verificar_politica=False,
        )
    registrar(
        "carta.generada",
        "carta",
        carta.id,
        acreedor_id=carta.acreedor_id,
        antes=antes,
        despues={
            "estado": "lista",
            "archivo": carta.archivo,
            "tamano": carta.tamano,
            "sha256": carta.sha256,
        },
    )
    db.session.flush()
    return carta


def _escribir_atomico(ruta: Path, datos: bytes) -> None:
    """Writes to a temporary file beside the target and renames it: never a partial PDF."""
    ruta.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporal = tempfile.mkstemp(dir=ruta.parent, prefix=f".{ruta.stem}-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as archivo:
            archivo.write(datos)
            archivo.flush()
            os.fsync(archivo.fileno())
        os.replace(temporal, ruta)
    except BaseException:
        Path(temporal).unlink(missing_ok=True)
        raise


def _fallar(carta: Carta, mensaje: str) -> Carta:
    antes = {"estado": carta.estado}
    carta.estado, carta.error = "error", mensaje
    carta.terminado_en = ahora()
    registrar(
        "carta.error",
        "carta",
        carta.id,
        acreedor_id=carta.acreedor_id,
        antes=antes,
        despues={"estado": "error", "error": mensaje},
    )
    db.session.flush()
    return carta


def marcar_error(carta_id: int, mensaje: str) -> None:
    """After an unexpected failure (the job rolled back): record it on the carta."""
    carta = db.session.get(Carta, carta_id)
    if carta is not None and carta.estado != "lista":
        _fallar(carta, mensaje)


def cartas_del_caso(caso_id: int, limite: int = 20) -> list[Carta]:
    """The caso's latest cartas. The caller has loaded the caso with obtener_o_404, so the
    tenant check is done: a carta always belongs to its caso's acreedor."""
    return list(
        db.session.scalars(
            select(Carta).where(Carta.caso_id == caso_id).order_by(Carta.id.desc()).limit(limite)
        )
    )


def reencolar_atascadas(minutos: int = 2, limite: int = 500,
                        momento: datetime | None = None) -> int:
    """Queues again cartas still pendiente/generando after `minutos` whose job is not alive
    in Redis (never queued because Redis was down, or its work horse died), and single
    cartas esperando whose programado_para has come at `momento` (default now)."""
    from colas.conexion import trabajo_vivo

    momento = _utc(momento)
    antiguas = db.session.scalars(
        select(Carta)
        .where(
            or_(
                # A batch's letters are the batch's: lotes.reencolar_atascados re-runs it.
                (Carta.estado.in_(ESTADOS_EN_CURSO))
                & Carta.lote_cartas_id.is_(None)
                & (Carta.creado_en < momento - timedelta(minutes=minutos)),
                (Carta.estado == "esperando")
                & Carta.lote_cartas_id.is_(None)
                & (Carta.programado_para <= momento),
            )
        )
        .order_by(Carta.id)
        .limit(limite)
    ).all()
    reencoladas = 0
    for carta in antiguas:
        if trabajo_vivo(carta.job_id):
            continue
        encolar_carta(carta)
        reencoladas += 1
    return reencoladas
