"""Uploaded placement files (cargas): receive and validate, confirm, import in an RQ job.

    recibir_archivo(acreedor, nombre, bytes, usuario_id, origen, todo_o_nada)  → CargaCartera
        stores the file, reads and validates every row (nothing written but the carga), and
        keeps the report (line, column, value, reason) and a preview (columns, first rows)
    confirmar(carga, todo_o_nada)   → en_cola (the caller commits, then `encolar_carga`)
    importar_carga(carga_id)        the job: importando → terminada (with its lote) or error
    reencolar_atascadas()           periodic: cargas whose job never reached Redis or died

Storage: ALMACEN_ARCHIVOS/cargas/<acreedor_id>/<sha256>.<ext>, plus `<sha256>.vista.json`
beside it with the preview (the schema has no column for it; a carga without it just shows no
preview).

Progress: the import runs in one database transaction (all the valid rows, or nothing), so
the rows it has written cannot be seen by the page until the end, nor can a progress counter
written by the same transaction. A second connection does not help on SQLite (one writer: the
import holds the write lock). The progress therefore goes to Redis (`agencia:carga:<id>:avance`,
written after each chunk, kept a day); `avance(carga)` reads it while the carga is importando,
the database otherwise. Redis is up whenever the job runs (the job came from it); a failed
progress write is ignored — it only slows the bar, never the import.

Idempotency: the importer recognises a file by its checksum (one lote per acreedor and
checksum). `importar_carga` sets importando and commits, then locks the carga row, imports, and
marks it terminada with the lote in the import's own transaction: a job that dies half way
leaves nothing written and the carga importando (the periodic job queues it again); a job run
twice finds the carga terminada, or the lote already there, and ends with the same lote.
"""

import json
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones import carga as escritura
from agencia.asignaciones.archivo import ErrorImportacion, leer_contenido, suma_de_control
from agencia.asignaciones.modelos import CargaCartera, LoteAsignacion
from agencia.asignaciones.servicios import importar_filas
from agencia.asignaciones.validacion import validar_filas
from agencia.auditoria.servicios import registrar
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.formato import fecha
from agencia.tipos import ahora
from colas.conexion import ColaNoDisponible, encolar

CARGA_MAX_MB = 50
EXTENSIONES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
FILAS_VISTA = 10
ESTADOS_EN_CURSO = ("en_cola", "importando")
ESTADOS_PENDIENTES = ("validada", *ESTADOS_EN_CURSO)
_TTL_AVANCE = 86400


class CargaInvalida(EntradaInvalida):
    """The file, or the action on a carga, is refused; nothing was stored."""

    def __init__(self, mensaje: str, campo: str = "archivo"):
        super().__init__(campo, mensaje)


class CargaRepetida(CargaInvalida):
    """The same file was already imported (lote_id) or is already on its way (carga_id)."""

    def __init__(self, mensaje: str, *, lote_id: int | None = None, carga_id: int | None = None):
        super().__init__(mensaje)
        self.lote_id, self.carga_id = lote_id, carga_id


class CargaSinCola(Exception):
    """Confirmed, but Redis does not answer: the carga waits en_cola (message for the user)."""


# ---- receive and validate --------------------------------------------------------------------


def maximo_bytes() -> int:
    return int(current_app.config.get("CARGA_MAX_MB", CARGA_MAX_MB)) * 1024 * 1024


def recibir_archivo(acreedor: Acreedor, nombre: str, contenido: bytes, usuario_id: int | None,
                    origen: str = "ui", todo_o_nada: bool = True) -> CargaCartera:
    """Stores and validates an uploaded file; returns the carga, validada. Flushes.

    Raises CargaInvalida (or CargaRepetida) with a Spanish message; then nothing is stored."""
    nombre = Path((nombre or "").replace("\\", "/")).name.strip() or "cartera.csv"
    if not acreedor.activo:
        raise CargaInvalida(f"El acreedor «{acreedor.codigo}» está inactivo: no recibe cartera.")
    _revisar_tamano(contenido)
    extension = _extension(nombre)
    try:
        tabla = leer_contenido(contenido)
    except ErrorImportacion as error:
        raise CargaInvalida(str(error)) from error
    sha256 = suma_de_control(contenido)
    _revisar_repetido(acreedor, sha256)

    leidas, validas, rechazos = validar_filas(tabla.filas, acreedor.moneda, acreedor.pais)
    db.session.flush()  # what the session holds first: the lookups below must see it
    rechazos += escritura.conflictos(escritura.obligaciones_existentes(acreedor.id, validas),
                                     validas)
    celdas = {linea: datos for linea, datos in tabla.filas}
    reporte = [
        {"linea": r.linea, "columna": r.columna, "motivo": r.motivo,
         "valor": (celdas.get(r.linea) or {}).get(r.columna, "")[:200]}
        for r in sorted(rechazos, key=lambda r: (r.linea, r.columna))
    ]

    relativa = f"cargas/{acreedor.id}/{sha256}.{extension}"
    ruta = _almacen() / relativa
    _escribir_atomico(ruta, contenido)
    vista = {"columnas": tabla.columnas, "ignoradas": tabla.ignoradas,
             "filas": [{"linea": linea, "datos": datos}
                       for linea, datos in tabla.filas[:FILAS_VISTA]]}
    _escribir_atomico(ruta.with_suffix(".vista.json"),
                      json.dumps(vista, ensure_ascii=False).encode())

    carga = CargaCartera(
        acreedor_id=acreedor.id, tipo="asignacion", origen=origen, nombre_archivo=nombre[:255],
        ruta=relativa, sha256=sha256, tamano=len(contenido), todo_o_nada=bool(todo_o_nada),
        estado="validada", total_filas=leidas, filas_procesadas=0,
        filas_rechazadas=len({r.linea for r in rechazos}), reporte=reporte, usuario_id=usuario_id,
    )
    db.session.add(carga)
    db.session.flush()
    registrar("carga.recibida", "carga_cartera", carga.id, acreedor_id=acreedor.id,
              usuario_id=usuario_id, despues=_resumen(carga))
    return carga


def _revisar_tamano(contenido: bytes) -> None:
    maximo = maximo_bytes()
    if len(contenido) > maximo:
        raise CargaInvalida(
            f"El archivo pesa {len(contenido) / 1048576:.1f} MB y el máximo es "
            f"{maximo // 1048576} MB: divídalo en varios archivos."
        )
    if not contenido.strip():
        raise CargaInvalida("El archivo está vacío.")


def _extension(nombre: str) -> str:
    sufijo = Path(nombre).suffix.lower()
    if sufijo not in EXTENSIONES:
        raise CargaInvalida(
            f"Formato no reconocido «{sufijo or nombre}»: suba la cartera como CSV (.csv) o "
            "Excel (.xlsx)."
        )
    return EXTENSIONES[sufijo]


def _revisar_repetido(acreedor: Acreedor, sha256: str) -> None:
    lote = db.session.scalar(select(LoteAsignacion).where(
        LoteAsignacion.acreedor_id == acreedor.id, LoteAsignacion.checksum == sha256))
    if lote is not None:
        raise CargaRepetida(
            f"Este archivo ya se importó el {fecha(lote.creado_en)} (lote {lote.id}): "
            "importarlo de nuevo no cambiaría nada.", lote_id=lote.id,
            carga_id=db.session.scalar(select(CargaCartera.id).where(
                CargaCartera.lote_id == lote.id).order_by(CargaCartera.id.desc()).limit(1)))
    pendiente = db.session.scalar(select(CargaCartera).where(
        CargaCartera.acreedor_id == acreedor.id, CargaCartera.sha256 == sha256,
        CargaCartera.tipo == "asignacion", CargaCartera.estado.in_(ESTADOS_PENDIENTES)))
    if pendiente is not None:
        raise CargaRepetida(
            f"Este archivo ya se subió (carga {pendiente.id}, {pendiente.nombre_estado.lower()}):"
            " continúe con esa carga.", carga_id=pendiente.id)


def vista_previa(carga: CargaCartera) -> dict | None:
    """{columnas, ignoradas, filas: [{linea, datos}]} saved on upload, or None."""
    try:
        return json.loads(ruta_de(carga).with_suffix(".vista.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


# ---- confirm and queue -----------------------------------------------------------------------


def confirmar(carga: CargaCartera, todo_o_nada: bool | None = None,
              usuario_id: int | None = None) -> CargaCartera:
    """Validada → en_cola. Flushes; the caller commits, then calls `encolar_carga`."""
    if carga.estado != "validada":
        raise CargaInvalida(f"La carga {carga.id} ya no espera confirmación "
                            f"(estado: {carga.nombre_estado.lower()}).", "estado")
    if todo_o_nada is not None:
        carga.todo_o_nada = bool(todo_o_nada)
    if carga.todo_o_nada and carga.filas_rechazadas:
        raise CargaInvalida(
            f"No se puede importar con «todo o nada»: {carga.filas_rechazadas} de "
            f"{carga.total_filas} filas tienen errores. Corrija el archivo y súbalo de nuevo, o "
            "elija «importar las filas válidas».", "todo_o_nada")
    if carga.filas_rechazadas >= carga.total_filas:
        raise CargaInvalida("Ninguna fila del archivo es válida: no hay nada que importar.")
    antes = {"estado": carga.estado}
    carga.estado, carga.error = "en_cola", None
    db.session.flush()
    registrar("carga.confirmada", "carga_cartera", carga.id, acreedor_id=carga.acreedor_id,
              usuario_id=usuario_id, antes=antes, despues=_resumen(carga))
    return carga


def cancelar(carga: CargaCartera, usuario_id: int | None = None) -> CargaCartera:
    """A validada carga the user does not want: it ends in estado error, "cancelada"
    (the schema has no estado of its own for it; the row stays for the history)."""
    if carga.estado != "validada":
        raise CargaInvalida("Solo se puede cancelar una carga que aún no se confirmó.", "estado")
    carga.estado, carga.error, carga.terminado_en = "error", "Carga cancelada antes de importarla.", ahora()
    db.session.flush()
    registrar("carga.cancelada", "carga_cartera", carga.id, acreedor_id=carga.acreedor_id,
              usuario_id=usuario_id, antes={"estado": "validada"}, despues={"estado": "error"})
    return carga


def encolar_carga(carga: CargaCartera) -> str:
    """Queues the import job and keeps its id (the caller commits). Raises CargaSinCola when
    Redis is down: the carga stays en_cola and `reencolar_atascadas` queues it later."""
    from colas.trabajos.asignaciones import importar_carga_job

    try:
        job = encolar(importar_carga_job, carga.id)
    except ColaNoDisponible as error:
        raise CargaSinCola(
            "La carga quedó confirmada, pero el servicio de tareas no responde en este "
            "momento. Se importará automáticamente cuando el servicio vuelva."
        ) from error
    carga.job_id = job.id
    db.session.flush()
    return job.id


def reencolar_atascadas(limite: int = 100) -> int:
    """Queues again cargas en_cola or importando whose job is not alive in Redis (never
    queued because Redis was down, or the worker died half way). The import is idempotent."""
    from colas.conexion import trabajo_vivo

    cargas = db.session.scalars(
        select(CargaCartera)
        .where(CargaCartera.tipo == "asignacion", CargaCartera.estado.in_(ESTADOS_EN_CURSO))
        .order_by(CargaCartera.id).limit(limite)
    ).all()
    reencoladas = 0
    for carga in cargas:
        if trabajo_vivo(carga.job_id):
            continue
        encolar_carga(carga)
        reencoladas += 1
    return reencoladas


# ---- the import (run by the job) -------------------------------------------------------------


def importar_carga(carga_id: int, *, al_iniciar=None) -> CargaCartera | None:
    """Imports a confirmed carga; ends terminada (with its lote) or error. `al_iniciar()` is
    called once the carga is importando (the job commits there, so the page sees it).
    Flushes; the job commits. An unexpected exception propagates: the job rolls back and
    calls `marcar_error`."""
    carga = db.session.get(CargaCartera, carga_id)
    if carga is None or carga.estado not in ESTADOS_EN_CURSO:
        return carga  # gone, not confirmed, or already terminada / error: nothing to do
    carga.estado, carga.filas_procesadas = "importando", 0
    db.session.flush()
    if al_iniciar:
        al_iniciar()
    _publicar_avance(carga.id, 0)

    # The import's transaction: the row lock makes a second run of the same carga wait for
    # this one and then find it terminada (SQLite's single writer gives the same order).
    db.session.refresh(carga, with_for_update=True)
    if carga.estado != "importando":
        return carga
    try:
        contenido = ruta_de(carga).read_bytes()
    except OSError:
        return _fallar(carga, "No se encontró el archivo guardado de la carga: súbalo de nuevo.")
    try:
        tabla = leer_contenido(contenido)
    except ErrorImportacion as error:
        return _fallar(carga, str(error))
    acreedor = db.session.get(Acreedor, carga.acreedor_id)
    rechazadas_antes = carga.filas_rechazadas

    def al_avanzar(hechas: int, total: int) -> None:
        _publicar_avance(carga_id, min(carga.total_filas, rechazadas_antes + hechas))

    reporte = importar_filas(
        acreedor, tabla.filas, carga.nombre_archivo, carga.sha256,
        todo_o_nada=carga.todo_o_nada, usuario_id=carga.usuario_id,
        columnas_ignoradas=tabla.ignoradas, al_avanzar=al_avanzar,
    )
    celdas = {linea: datos for linea, datos in tabla.filas}
    carga.reporte = [
        {"linea": r.linea, "columna": r.columna, "motivo": r.motivo,
         "valor": (celdas.get(r.linea) or {}).get(r.columna, "")[:200]}
        for r in sorted(reporte.rechazos, key=lambda r: (r.linea, r.columna))
    ]
    carga.filas_rechazadas = reporte.filas_rechazadas
    if not reporte.importado:
        if reporte.rechazos and carga.todo_o_nada:
            return _fallar(carga, f"No se importó nada: {reporte.filas_rechazadas} filas tienen "
                                  "errores y la carga es de «todo o nada».")
        return _fallar(carga, "No se importó nada: ninguna fila del archivo es válida.")
    antes = {"estado": "importando"}
    carga.estado, carga.lote_id, carga.error = "terminada", reporte.lote_id, None
    carga.filas_procesadas, carga.terminado_en = carga.total_filas, ahora()
    db.session.flush()
    _publicar_avance(carga.id, carga.total_filas)
    registrar("carga.terminada", "carga_cartera", carga.id, acreedor_id=carga.acreedor_id,
              usuario_id=carga.usuario_id, antes=antes,
              despues={**_resumen(carga), "lote_id": carga.lote_id,
                       "obligaciones_nuevas": reporte.obligaciones_nuevas,
                       "obligaciones_actualizadas": reporte.obligaciones_actualizadas,
                       "casos_nuevos": reporte.casos_nuevos,
                       "ya_importado_antes": reporte.importado_antes_en is not None})
    return carga


def marcar_error(carga_id: int, mensaje: str) -> None:
    """After an unexpected failure (the job rolled back the import): record it on the carga."""
    carga = db.session.get(CargaCartera, carga_id)
    if carga is not None and carga.estado in ESTADOS_EN_CURSO:
        _fallar(carga, mensaje)


def _fallar(carga: CargaCartera, mensaje: str) -> CargaCartera:
    antes = {"estado": carga.estado}
    carga.estado, carga.error, carga.terminado_en = "error", mensaje, ahora()
    db.session.flush()
    registrar("carga.error", "carga_cartera", carga.id, acreedor_id=carga.acreedor_id,
              usuario_id=carga.usuario_id, antes=antes,
              despues={"estado": "error", "error": mensaje})
    return carga


# ---- progress --------------------------------------------------------------------------------


def _clave_avance(carga_id: int) -> str:
    return f"agencia:carga:{carga_id}:avance"


def _publicar_avance(carga_id: int, procesadas: int) -> None:
    import redis

    from colas.conexion import conexion

    try:
        conexion().set(_clave_avance(carga_id), procesadas, ex=_TTL_AVANCE)
    except redis.exceptions.RedisError:
        current_app.logger.warning("No se pudo publicar el avance de la carga %s", carga_id)


def avance(carga: CargaCartera) -> tuple[int, int]:
    """(rows processed, percentage) for the progress bar."""
    procesadas = carga.filas_procesadas
    if carga.estado == "terminada":
        return carga.total_filas, 100
    if carga.estado == "importando":
        import redis

        from colas.conexion import conexion

        try:
            valor = conexion().get(_clave_avance(carga.id))
        except redis.exceptions.RedisError:
            valor = None
        if valor is not None:
            procesadas = int(valor)
    if not carga.total_filas:
        return procesadas, 0
    # Not 100 % until the import's transaction is committed.
    return procesadas, min(99, 100 * procesadas // carga.total_filas)


def estado_json(carga: CargaCartera, url_resultado: str) -> dict:
    """For app.js's progress poller ({estado, progreso, mensaje, url}). The poller stops on
    "lista" (showing the link) or "error": a terminada carga answers "lista"; the carga's own
    estado is in `estado_carga`."""
    procesadas, porcentaje = avance(carga)
    if carga.estado == "terminada":
        estado, mensaje = "lista", f"Importación terminada: {carga.total_filas} filas procesadas."
    elif carga.estado == "error":
        estado, mensaje = "error", carga.error or "La importación falló."
    elif carga.estado == "importando":
        estado, mensaje = "importando", (f"Importando… {procesadas} de {carga.total_filas} "
                                         f"filas ({porcentaje} %)")
    else:
        estado, mensaje = carga.estado, carga.nombre_estado + "…"
    return {"estado": estado, "estado_carga": carga.estado, "progreso": porcentaje,
            "procesadas": procesadas, "total": carga.total_filas, "mensaje": mensaje,
            "url": url_resultado if carga.estado == "terminada" else None}


# ---- lookups and files -----------------------------------------------------------------------


def carga_visible(carga_id: int, acreedor_id: int | None) -> CargaCartera | None:
    """The asignacion carga with that id, if `acreedor_id` (None: staff, every acreedor) may
    see it. CargaCartera is not among agencia.tenencia's models, so the tenant condition is
    applied here; routes pass `acreedor_del_usuario()`."""
    stmt = select(CargaCartera).where(CargaCartera.id == carga_id,
                                      CargaCartera.tipo == "asignacion")
    if acreedor_id is not None:
        stmt = stmt.where(CargaCartera.acreedor_id == acreedor_id)
    return db.session.scalar(stmt)


def recientes(acreedor_id: int | None, limite: int = 20) -> list[CargaCartera]:
    stmt = select(CargaCartera).where(CargaCartera.tipo == "asignacion")
    if acreedor_id is not None:
        stmt = stmt.where(CargaCartera.acreedor_id == acreedor_id)
    return list(db.session.scalars(stmt.order_by(CargaCartera.id.desc()).limit(limite)))


def casos_del_lote(carga: CargaCartera, limite: int = 50) -> list:
    """The first casos of the carga's lote (new casos and casos given new obligaciones)."""
    from agencia.casos.modelos import Caso, Obligacion

    if carga.lote_id is None:
        return []
    ids = select(Obligacion.caso_id).where(Obligacion.lote_id == carga.lote_id,
                                           Obligacion.acreedor_id == carga.acreedor_id)
    return list(db.session.scalars(
        select(Caso).where(Caso.acreedor_id == carga.acreedor_id, Caso.id.in_(ids))
        .order_by(Caso.id).limit(limite)))


def ruta_de(carga: CargaCartera) -> Path:
    almacen = _almacen().resolve()
    ruta = (almacen / carga.ruta).resolve()
    if not ruta.is_relative_to(almacen):
        raise CargaInvalida("La ruta de la carga no es válida.")
    return ruta


def _almacen() -> Path:
    return Path(current_app.config["ALMACEN_ARCHIVOS"])


def _escribir_atomico(ruta: Path, datos: bytes) -> None:
    """A temporary file beside the target, then a rename: never a partial file."""
    ruta.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporal = tempfile.mkstemp(dir=ruta.parent, prefix=f".{ruta.stem}-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as archivo:
            archivo.write(datos)
        os.replace(temporal, ruta)
    except BaseException:
        Path(temporal).unlink(missing_ok=True)
        raise


def _resumen(carga: CargaCartera) -> dict:
    return {"archivo": carga.nombre_archivo, "sha256": carga.sha256, "tamano": carga.tamano,
            "origen": carga.origen, "todo_o_nada": carga.todo_o_nada, "estado": carga.estado,
            "total_filas": carga.total_filas, "filas_rechazadas": carga.filas_rechazadas}
