"""Bank files of payments (CSV) for one acreedor: every line registered, repeated or rejected.

Columns (headers case- and accent-insensitive, UTF-8 with or without BOM or Windows-1252,
`,` or `;`): referencia_bancaria, fecha, monto, and referencia (the obligacion's reference)
or numero_documento (the deudor's) to find the caso; optional moneda and metodo. The values
are read by the placement importer's parsers (agencia.asignaciones.lectura).

Each line: "registrado" (a new Pago, origen archivo, tied to the LotePagos), "repetido" (its
bank reference was already recorded — counted, not an error) or "rechazado" with line, column
and reason. The import runs inside the request, one SAVEPOINT per line, and is committed by
the view at the end: files are capped at MAXIMO_LINEAS lines. The same file (same SHA-256)
imported again returns the first LotePagos, and anything posted twice is recorded once.
"""

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agencia.asignaciones.archivo import (
    ErrorImportacion,
    _decodificar,
    _filas_csv,
    suma_de_control,
)
from agencia.asignaciones.lectura import (
    ValorInvalido,
    leer_documento,
    leer_fecha,
    leer_monto,
    normalizar_encabezado,
)
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.exportar import celda_segura
from agencia.extensiones import db
from agencia.pagos.modelos import METODOS_PAGO, LotePagos
from agencia.pagos.servicios import (
    MAXIMO_REFERENCIA,
    PagoInvalido,
    pago_por_referencia,
    registrar_pago,
)

MAXIMO_LINEAS = 5000
OBLIGATORIAS = ("referencia_bancaria", "fecha", "monto")
PARA_EL_CASO = ("referencia", "numero_documento")
COLUMNAS = OBLIGATORIAS + PARA_EL_CASO + ("moneda", "metodo")
ESTADOS_LINEA = {"registrado": "Registrado", "repetido": "Repetido", "rechazado": "Rechazado"}
_METODOS_POR_NOMBRE = {normalizar_encabezado(n): c for c, n in METODOS_PAGO.items()} | {
    c: c for c in METODOS_PAGO}


class LineaRechazada(Exception):
    def __init__(self, columna: str, motivo: str):
        super().__init__(motivo)
        self.columna, self.motivo = columna, motivo


@dataclass
class Encabezado:
    columnas: list[str]
    filas: list[tuple[int, dict[str, str]]]


def leer_tabla(contenido: bytes) -> Encabezado:
    """Decodes and splits the file; raises ErrorImportacion for whole-file problems."""
    if not contenido.strip():
        raise ErrorImportacion("El archivo está vacío.")
    if contenido.startswith(b"PK\x03\x04"):
        raise ErrorImportacion("El archivo de pagos debe ser CSV (no XLSX): guárdelo como CSV.")
    try:
        filas = [(n, c) for n, c in _filas_csv(_decodificar(contenido))
                 if any(v.strip() for v in c)]
    except csv.Error as error:
        raise ErrorImportacion(f"El archivo CSV está mal formado: {error}.") from error
    if not filas:
        raise ErrorImportacion("El archivo está vacío.")
    columnas = [normalizar_encabezado(c) for c in filas[0][1]]
    repetidas = sorted({c for c in columnas if c and columnas.count(c) > 1})
    if repetidas:
        raise ErrorImportacion("Columnas repetidas en el encabezado: "
                               + ", ".join(f"«{c}»" for c in repetidas) + ".")
    faltan = [c for c in OBLIGATORIAS if c not in columnas]
    if faltan:
        raise ErrorImportacion("Faltan las columnas obligatorias "
                               + ", ".join(f"«{c}»" for c in faltan) + ".")
    if not any(c in columnas for c in PARA_EL_CASO):
        raise ErrorImportacion("Falta la columna «referencia» (de la obligación) o "
                               "«numero_documento» (del deudor) para encontrar el caso.")
    datos = filas[1:]
    if not datos:
        raise ErrorImportacion("El archivo solo tiene el encabezado: no hay pagos.")
    if len(datos) > MAXIMO_LINEAS:
        raise ErrorImportacion(f"El archivo tiene {len(datos)} líneas de pagos; el máximo por "
                               f"archivo es {MAXIMO_LINEAS}. Divídalo en varios archivos.")
    return Encabezado(columnas=columnas, filas=[
        (numero, {col: (celdas[i].strip() if i < len(celdas) else "")
                  for i, col in enumerate(columnas) if col in COLUMNAS})
        for numero, celdas in datos])


def importar_archivo(acreedor, nombre: str, contenido: bytes, usuario_id: int | None,
                     hoy) -> LotePagos:
    """Imports a bank file; returns its LotePagos (`ya_importado` True when this very file
    had been imported before: then nothing is done). Raises ErrorImportacion."""
    tabla = leer_tabla(contenido)
    sha = suma_de_control(contenido)
    anterior = _lote_por_sha(acreedor.id, sha)
    if anterior is not None:
        anterior.ya_importado = True
        return anterior
    lote = LotePagos(acreedor_id=acreedor.id, archivo=(nombre or "pagos.csv")[:255], sha256=sha,
                     filas=len(tabla.filas), usuario_id=usuario_id, reporte=[])
    try:
        with db.session.begin_nested():
            db.session.add(lote)
            db.session.flush()
    except IntegrityError:
        anterior = _lote_por_sha(acreedor.id, sha)
        if anterior is None:  # pragma: no cover
            raise
        anterior.ya_importado = True
        return anterior
    lote.ya_importado = False
    reporte = [_importar_linea(acreedor, lote, numero, datos, usuario_id, hoy)
               for numero, datos in tabla.filas]
    lote.reporte = reporte
    lote.registrados = sum(r["estado"] == "registrado" for r in reporte)
    lote.repetidos = sum(r["estado"] == "repetido" for r in reporte)
    lote.rechazados = sum(r["estado"] == "rechazado" for r in reporte)
    db.session.flush()
    from agencia.auditoria.servicios import registrar

    registrar("pago.archivo", "lote_pagos", lote.id, acreedor_id=acreedor.id,
              despues={"archivo": lote.archivo, "sha256": sha, "filas": lote.filas,
                       "registrados": lote.registrados, "repetidos": lote.repetidos,
                       "rechazados": lote.rechazados},
              usuario_id=usuario_id)
    return lote


def _lote_por_sha(acreedor_id: int, sha: str) -> LotePagos | None:
    return db.session.scalar(select(LotePagos).where(LotePagos.acreedor_id == acreedor_id,
                                                     LotePagos.sha256 == sha))


def _importar_linea(acreedor, lote: LotePagos, numero: int, datos: dict, usuario_id, hoy) -> dict:
    fila = {"linea": numero, "referencia_bancaria": datos.get("referencia_bancaria", ""),
            "monto": datos.get("monto", ""), "estado": "rechazado", "columna": "",
            "motivo": "", "pago_id": None, "caso_id": None}
    try:
        referencia = datos.get("referencia_bancaria", "").strip()
        if not referencia:
            raise LineaRechazada("referencia_bancaria", "falta la referencia bancaria")
        if len(referencia) > MAXIMO_REFERENCIA:
            raise LineaRechazada("referencia_bancaria",
                                 f"referencia demasiado larga (máximo {MAXIMO_REFERENCIA})")
        existente = pago_por_referencia(acreedor.id, referencia)
        if existente is not None:
            fila.update(estado="repetido", pago_id=existente.id, caso_id=existente.caso_id,
                        motivo=f"ya registrado (pago {existente.id})")
            return fila
        fecha = _leer(datos, "fecha", leer_fecha)
        monto = _leer(datos, "monto", leer_monto)
        moneda = (datos.get("moneda") or acreedor.moneda).strip().upper()
        metodo = _metodo(datos.get("metodo", ""))
        caso = _buscar_caso(acreedor.id, datos)
        fila["caso_id"] = caso.id
        with db.session.begin_nested():
            pago = registrar_pago(caso, monto, fecha, metodo, referencia, usuario_id,
                                  moneda=moneda, origen="archivo", lote=lote, hoy=hoy)
        if pago.ya_existia:
            fila.update(estado="repetido", pago_id=pago.id, motivo=f"ya registrado (pago {pago.id})")
        else:
            fila.update(estado="registrado", pago_id=pago.id,
                        motivo=f"crédito a favor {pago.credito}" if pago.credito else "")
    except LineaRechazada as error:
        fila.update(columna=error.columna, motivo=error.motivo)
    except PagoInvalido as error:
        columna = error.campo if error.campo in COLUMNAS else (
            "referencia" if datos.get("referencia") else "numero_documento")
        fila.update(columna=columna, motivo=error.mensaje)
    return fila


def _leer(datos: dict, columna: str, lector):
    texto = (datos.get(columna) or "").strip()
    if not texto:
        raise LineaRechazada(columna, "falta el valor (columna obligatoria)")
    try:
        return lector(texto)
    except ValorInvalido as error:
        raise LineaRechazada(columna, str(error)) from error


def _metodo(texto: str) -> str:
    if not texto.strip():
        return "transferencia"
    metodo = _METODOS_POR_NOMBRE.get(normalizar_encabezado(texto))
    if metodo is None:
        raise LineaRechazada("metodo", f"método no reconocido «{texto.strip()}» (válidos: "
                                       + ", ".join(METODOS_PAGO) + ")")
    return metodo


def _buscar_caso(acreedor_id: int, datos: dict) -> Caso:
    referencia = (datos.get("referencia") or "").strip()
    if referencia:
        caso = db.session.scalar(select(Caso).join(Obligacion, Obligacion.caso_id == Caso.id)
                                 .where(Obligacion.acreedor_id == acreedor_id,
                                        Obligacion.referencia == referencia))
        if caso is None:
            raise LineaRechazada("referencia", f"no hay una obligación con la referencia "
                                               f"«{referencia}» en este acreedor")
        return caso
    texto = (datos.get("numero_documento") or "").strip()
    if not texto:
        raise LineaRechazada("referencia", "falta la referencia de la obligación o el número "
                                           "de documento del deudor")
    try:
        documento = leer_documento(texto)
    except ValorInvalido as error:
        raise LineaRechazada("numero_documento", str(error)) from error
    casos = list(db.session.scalars(
        select(Caso).join(Deudor, Caso.deudor_id == Deudor.id)
        .where(Caso.acreedor_id == acreedor_id, Deudor.numero_documento == documento)))
    if not casos:
        raise LineaRechazada("numero_documento", f"no hay un caso de este acreedor con el "
                                                 f"documento «{documento}»")
    if len(casos) > 1:
        raise LineaRechazada("numero_documento", f"el documento «{documento}» corresponde a "
                                                 "varios deudores: use la referencia")
    return casos[0]


def reporte_csv(lote: LotePagos) -> str:
    """The report as CSV (`;`, for spreadsheets in Spanish locales), UTF-8 with BOM."""
    salida = io.StringIO()
    escritor = csv.writer(salida, delimiter=";")
    escritor.writerow(["linea", "estado", "referencia_bancaria", "monto", "caso_id", "pago_id",
                       "columna", "motivo"])
    for fila in lote.reporte or []:
        escritor.writerow([fila.get("linea"), ESTADOS_LINEA.get(fila.get("estado"), ""),
                           celda_segura(fila.get("referencia_bancaria")),
                           celda_segura(fila.get("monto")),
                           fila.get("caso_id") or "", fila.get("pago_id") or "",
                           fila.get("columna") or "", celda_segura(fila.get("motivo"))])
    return "\ufeff" + salida.getvalue()


