"""Importing a placement (asignacion de cartera, DISENO §5): one importer for CLI, UI and API.

    importar_archivo(ruta, "ACME")          the CLI: reads the file, imports, commits
    importar_contenido(bytes, nombre, ...)  an upload: reads and imports; the request commits
    importar_filas(acreedor, filas, ...)    rows already split (API, demo); the caller commits

Validation comes first and touches nothing. With `todo_o_nada` (the default) a single rejected
row means nothing is written; otherwise the valid rows are imported and the rejected ones
listed. The same file (same SHA-256) imported again is recognised by its lote and changes
nothing. New casos go to the agents in turn (see `reparto.py`). Audit: one entry per lote, per
caso created, per obligacion added to an existing caso or updated, per caso reopened.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones import carga
from agencia.asignaciones.archivo import ErrorImportacion, leer_contenido, suma_de_control
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.asignaciones.reparto import repartidor
from agencia.asignaciones.reporte import ReporteImportacion
from agencia.asignaciones.validacion import FilaValida, Rechazo, validar_filas
from agencia.auditoria.servicios import registrar, usuario_actual_id
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db

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
                     usuario_id: int | None = None) -> ReporteImportacion:
    """Imports a placement file and commits (one transaction: all the valid rows, or nothing)."""
    ruta = Path(ruta)
    try:
        contenido = ruta.read_bytes()
    except OSError as error:
        raise ErrorImportacion(f"No se pudo abrir el archivo «{ruta.name}».") from error
    try:
        reporte = importar_contenido(contenido, ruta.name, acreedor_codigo,
                                     todo_o_nada=todo_o_nada, usuario_id=usuario_id)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return reporte


def importar_contenido(contenido: bytes, nombre_archivo: str, acreedor_codigo: str, *,
                       todo_o_nada: bool = True, usuario_id: int | None = None
                       ) -> ReporteImportacion:
    """Imports the bytes of a placement file (CSV or XLSX). Flushes; the caller commits."""
    acreedor = buscar_acreedor(acreedor_codigo)
    tabla = leer_contenido(contenido)
    return importar_filas(acreedor, tabla.filas, nombre_archivo, suma_de_control(contenido),
                          todo_o_nada=todo_o_nada, usuario_id=usuario_id,
                          columnas_ignoradas=tabla.ignoradas)


def importar_filas(acreedor: Acreedor, filas: Iterable[tuple[int, Mapping[str, str]]],
                   nombre_archivo: str, checksum: str, *, todo_o_nada: bool = True,
                   usuario_id: int | None = None, columnas_ignoradas: Iterable[str] = ()
                   ) -> ReporteImportacion:
    """The importer's core. `filas` are (line number, {normalised column: text}); `checksum`
    identifies the batch (the same checksum twice is the same lote). Flushes; never commits."""
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

    existentes = carga.buscar_existentes(acreedor.id, validas)
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
    _escribir(acreedor, lote, validas, existentes, reporte, usuario_id)
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


def _escribir(acreedor: Acreedor, lote: LoteAsignacion, filas: list[FilaValida],
              ex: carga.Existentes, reporte: ReporteImportacion, usuario_id: int | None) -> None:
    """Creates and updates rows for the valid rows, one deudor at a time, then audits."""
    por_deudor: dict[tuple[str, str], list[FilaValida]] = {}
    for fila in filas:
        por_deudor.setdefault(fila.documento, []).append(fila)
    siguiente_agente = repartidor()
    auditar = []  # (accion, entidad, objeto, antes, despues-or-callable) once ids exist

    for documento, grupo in por_deudor.items():
        deudor = ex.deudores.get(documento)
        ciudad = next((f.ciudad for f in grupo if f.ciudad), None)
        if deudor is None:
            deudor = ex.deudores[documento] = carga.nuevo_deudor(grupo[0], ciudad, acreedor.pais)
            db.session.add(deudor)
            reporte.deudores_nuevos += 1
        elif deudor.ciudad is None and ciudad:
            deudor.ciudad = ciudad
        contactos = carga.contactos_nuevos(ex, deudor, grupo)
        reporte.contactos_nuevos += len(contactos)
        if deudor.id is None:
            deudor.contactos.extend(contactos)
        elif contactos:
            for contacto in contactos:
                contacto.deudor_id = deudor.id
            db.session.add_all(contactos)
            auditar.append(("deudor.contactos", "deudor", deudor, None,
                            {"contactos": [{"tipo": c.tipo, "valor": c.valor} for c in contactos]}))

        caso = ex.casos.get(deudor.id) if deudor.id is not None else None
        if caso is None:
            caso = Caso(acreedor_id=acreedor.id, deudor=deudor, lote_id=lote.id,
                        etapa="prejuridico", agente_id=siguiente_agente())
            db.session.add(caso)
            obligaciones, nuevo = [], True
            reporte.casos_nuevos += 1
            reporte.casos_sin_agente += int(caso.agente_id is None)
        else:
            obligaciones, nuevo = ex.obligaciones[caso.id], False

        agregadas, cambio = [], False
        for fila in grupo:
            obligacion = None if nuevo else ex.por_referencia.get(fila.referencia)
            if obligacion is None:
                obligacion = carga.nueva_obligacion(acreedor.id, lote.id, fila)
                if nuevo:
                    obligacion.caso = caso
                else:
                    obligacion.caso_id = caso.id
                db.session.add(obligacion)
                obligaciones.append(obligacion)
                agregadas.append(obligacion)
                reporte.obligaciones_nuevas += 1
            elif diferencias := carga.actualizar_obligacion(obligacion, fila):
                antes, despues = diferencias
                auditar.append(("obligacion.actualizar", "obligacion", obligacion, antes,
                                {**despues, "caso_id": caso.id, "lote_id": lote.id}))
                reporte.obligaciones_actualizadas += 1
                cambio = True
            else:
                reporte.sin_cambios += 1
        if not (nuevo or agregadas or cambio):
            continue
        carga.recalcular_caso(caso, obligaciones)
        if nuevo:
            auditar.append(("caso.crear", "caso", caso, None, _alta_caso(caso, deudor, lote)))
            continue
        for obligacion in agregadas:
            auditar.append(("obligacion.crear", "obligacion", obligacion, None,
                            lambda o=obligacion: _alta_obligacion(o, lote)))
        if agregadas and caso.etapa not in ETAPAS_ABIERTAS and caso.saldo > 0:
            # A closed caso placed again is worked again from the start.
            antes = {"etapa": caso.etapa, "agente_id": caso.agente_id}
            caso.etapa = "prejuridico"
            caso.agente_id = caso.agente_id or siguiente_agente()
            auditar.append(("caso.reabrir", "caso", caso, antes, {
                "etapa": caso.etapa, "agente_id": caso.agente_id, "lote_id": lote.id}))
            reporte.casos_reabiertos += 1

    db.session.flush()
    for accion, entidad, objeto, antes, despues in auditar:
        registrar(accion, entidad, objeto.id, acreedor_id=acreedor.id, usuario_id=usuario_id,
                  antes=antes, despues=despues() if callable(despues) else despues)


def _alta_caso(caso: Caso, deudor, lote: LoteAsignacion):
    return lambda: {
        "deudor": f"{deudor.tipo_documento} {deudor.numero_documento}", "etapa": caso.etapa,
        "agente_id": caso.agente_id, "saldo": caso.saldo, "vencimiento": caso.vencimiento,
        "lote_id": lote.id, "referencias": [o.referencia for o in caso.obligaciones],
    }


def _alta_obligacion(obligacion, lote: LoteAsignacion) -> dict:
    return {campo: getattr(obligacion, campo) for campo in (
        "caso_id", "referencia", "fecha_vencimiento", "capital", "intereses", "gastos", "saldo",
    )} | {"lote_id": lote.id}
