"""Importing a placement (asignacion de cartera, DISENO §5): one importer for CLI, UI and API.

    importar_archivo(ruta, "ACME")          the CLI: reads the file, imports, commits
    importar_contenido(bytes, nombre, ...)  an upload: reads and imports; the request commits
    importar_filas(acreedor, filas, ...)    rows already split (API, demo); the caller commits

Validation comes first and touches nothing. With `todo_o_nada` (the default) a single rejected
row means nothing is written; otherwise the valid rows are imported and the rejected ones
listed. The same file (same SHA-256) imported again is recognised by its lote and changes
nothing. New casos go to the agents in turn (see `reparto.py`). Audit: one entry per lote, per
caso created, per obligacion added to an existing caso or updated, per caso reopened, per
known deudor given new contactos. The rows are written in chunks with SQLAlchemy Core
(`carga.py`); `al_avanzar(hechas, total)`, when given, is called after each chunk.
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones import carga
from agencia.asignaciones.archivo import ErrorImportacion, leer_contenido, suma_de_control
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.asignaciones.reparto import repartidor
from agencia.asignaciones.reporte import ReporteImportacion
from agencia.asignaciones.validacion import Rechazo, validar_filas
from agencia.auditoria.servicios import registrar, usuario_actual_id
from agencia.extensiones import db

Avance = Callable[[int, int], None]  # al_avanzar(rows written, valid rows to write)

__all__ = ["ErrorImportacion", "Rechazo", "ReporteImportacion", "importar_archivo",
           "importar_contenido", "importar_filas"]


def buscar_acreedor(codigo: str) -> Acreedor:
    acreedor = db.session.scalar(
        select(Acreedor).where(func.upper(Acreedor.codigo) == codigo.strip().upper())
    )
    if acreedor is None:
        raise ErrorImportacion(f"No existe el acreedor «{codigo}».")
    if not acreedor.activo:
        raise ErrorImportacion(f"El acreedor «{acreedor.codigo}» está inactivo: no recibe cartera.")
    return acreedor


def importar_archivo(ruta: Path, acreedor_codigo: str, *, todo_o_nada: bool = True,
                     usuario_id: int | None = None, al_avanzar: Avance | None = None
                     ) -> ReporteImportacion:
    """Imports a placement file and commits (one transaction: all the valid rows, or nothing)."""
    ruta = Path(ruta)
    try:
        contenido = ruta.read_bytes()
    except OSError as error:
        raise ErrorImportacion(f"No se pudo abrir el archivo «{ruta.name}».") from error
    try:
        reporte = importar_contenido(contenido, ruta.name, acreedor_codigo,
                                     todo_o_nada=todo_o_nada, usuario_id=usuario_id,
                                     al_avanzar=al_avanzar)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return reporte


def importar_contenido(contenido: bytes, nombre_archivo: str, acreedor_codigo: str, *,
                       todo_o_nada: bool = True, usuario_id: int | None = None,
                       al_avanzar: Avance | None = None) -> ReporteImportacion:
    """Imports the bytes of a placement file (CSV or XLSX). Flushes; the caller commits."""
    acreedor = buscar_acreedor(acreedor_codigo)
    tabla = leer_contenido(contenido)
    return importar_filas(acreedor, tabla.filas, nombre_archivo, suma_de_control(contenido),
                          todo_o_nada=todo_o_nada, usuario_id=usuario_id,
                          columnas_ignoradas=tabla.ignoradas, al_avanzar=al_avanzar)


def importar_filas(acreedor: Acreedor, filas: Iterable[tuple[int, Mapping[str, str]]],
                   nombre_archivo: str, checksum: str, *, todo_o_nada: bool = True,
                   usuario_id: int | None = None, columnas_ignoradas: Iterable[str] = (),
                   al_avanzar: Avance | None = None) -> ReporteImportacion:
    """The importer's core. `filas` are (line number, {normalised column: text}); `checksum`
    identifies the batch (the same checksum twice is the same lote). `al_avanzar(hechas,
    total)` is called after each chunk of valid rows written (a progress bar). Flushes (the
    rows are written with Core in the session's transaction); never commits."""
    usuario_id = usuario_id if usuario_id is not None else usuario_actual_id()
    reporte = ReporteImportacion(archivo=nombre_archivo, acreedor_codigo=acreedor.codigo,
                                 todo_o_nada=todo_o_nada, columnas_ignoradas=list(columnas_ignoradas))
    reporte.filas, validas, reporte.rechazos = validar_filas(filas, acreedor.moneda, acreedor.pais)

    anterior = db.session.scalar(select(LoteAsignacion).where(
        LoteAsignacion.acreedor_id == acreedor.id, LoteAsignacion.checksum == checksum))
    if anterior is not None:
        reporte.importado, reporte.lote_id = True, anterior.id
        reporte.importado_antes_en, reporte.sin_cambios = anterior.creado_en, len(validas)
        return reporte
    if reporte.rechazos and todo_o_nada:
        return reporte

    db.session.flush()  # pending ORM changes first: the Core reads below must see them
    existentes = carga.obligaciones_existentes(acreedor.id, validas)
    if choques := carga.conflictos(existentes, validas):
        reporte.rechazos += choques
        if todo_o_nada:
            return reporte
        rechazadas = {r.linea for r in choques}
        validas = [f for f in validas if f.linea not in rechazadas]
    if not validas:
        return reporte

    lote = LoteAsignacion(acreedor_id=acreedor.id, archivo=nombre_archivo[:255],
                          checksum=checksum, filas=reporte.filas, usuario_id=usuario_id)
    db.session.add(lote)
    db.session.flush()
    carga.escribir(acreedor, lote, validas, existentes, reporte, usuario_id, repartidor(),
                   al_avanzar=al_avanzar)
    lote.obligaciones_nuevas = reporte.obligaciones_nuevas
    lote.obligaciones_actualizadas = reporte.obligaciones_actualizadas
    lote.casos_nuevos = reporte.casos_nuevos
    reporte.importado, reporte.lote_id = True, lote.id
    registrar("lote.importar", "lote_asignacion", lote.id, acreedor_id=acreedor.id,
              usuario_id=usuario_id, despues=_resumen(reporte))
    db.session.flush()
    return reporte


def _resumen(reporte: ReporteImportacion) -> dict:
    campos = ("archivo", "filas", "obligaciones_nuevas", "obligaciones_actualizadas",
              "sin_cambios", "casos_nuevos", "deudores_nuevos", "filas_rechazadas")
    return {campo: getattr(reporte, campo) for campo in campos}
