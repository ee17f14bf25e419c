"""The monthly statement (liquidación) of one acreedor: what was recovered, the agency's fees
and the net to remit, line by line, from the fee ledger (Honorario).

Each ledger line is one payment ("pago": the part applied to the debt, its rate and fee) or
the reversal of one ("reversa": the same amounts, negative, on the day of the reversal), so
the statement of a month always adds up to `honorarios.servicios.resumen` for that month.
Deudor names and documents are the acreedor's own data; no gestion or internal note is read.

Also here: the statement as CSV, XLSX and the HTML its PDF is printed from.
"""

import calendar
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import render_template
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.casos.modelos import ETAPAS, Caso, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.errores import EntradaInvalida
from agencia.exportar import celda_segura
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario
from agencia.promesas.servicios import hoy_local

CERO = Decimal("0.00")
CENTAVO = Decimal("0.01")
ANIO_MINIMO = 2000
TIPOS_LINEA = {"pago": "Pago", "reversa": "Reversa"}
_MES = re.compile(r"^(\d{4})-(\d{2})$")
MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre")


class MesInvalido(EntradaInvalida):
    """A statement month that cannot be read or is not closed-or-current."""


@dataclass
class LineaLiquidacion:
    fecha: date
    caso_id: int
    deudor: str
    documento: str
    referencias: str
    tipo: str  # "pago" | "reversa"
    etapa: str
    monto: Decimal
    porcentaje: Decimal
    honorario: Decimal

    @property
    def nombre_tipo(self) -> str:
        return TIPOS_LINEA.get(self.tipo, self.tipo)

    @property
    def nombre_etapa(self) -> str:
        return ETAPAS.get(self.etapa, self.etapa)


@dataclass
class Liquidacion:
    acreedor_id: int
    acreedor_nombre: str
    anio: int
    mes: int
    desde: date
    hasta: date
    moneda: str
    lineas: list = field(default_factory=list)
    recuperado: Decimal = CERO
    honorarios: Decimal = CERO
    neto: Decimal = CERO

    @property
    def periodo(self) -> str:
        """"AAAA-MM", as the pages and file names use it."""
        return f"{self.anio:04d}-{self.mes:02d}"

    @property
    def nombre_periodo(self) -> str:
        return f"{MESES[self.mes - 1]} de {self.anio}"


def mes_anterior(hoy: date | None = None) -> tuple[int, int]:
    hoy = hoy or hoy_local()
    return (hoy.year - 1, 12) if hoy.month == 1 else (hoy.year, hoy.month - 1)


def leer_mes(texto: str, hoy: date | None = None) -> tuple[int, int]:
    """"AAAA-MM" → (anio, mes); a month from 2000 up to the current one, else MesInvalido."""
    encontrado = _MES.match((texto or "").strip())
    if not encontrado:
        raise MesInvalido("mes", "Indique el mes como AAAA-MM, por ejemplo 2026-01.")
    anio, mes = int(encontrado.group(1)), int(encontrado.group(2))
    if not 1 <= mes <= 12:
        raise MesInvalido("mes", "El mes va de 01 a 12.")
    if anio < ANIO_MINIMO:
        raise MesInvalido("mes", f"No hay liquidaciones antes de {ANIO_MINIMO}.")
    hoy = hoy or hoy_local()
    if (anio, mes) > (hoy.year, hoy.month):
        raise MesInvalido("mes", "Ese mes aún no ha empezado: no tiene liquidación.")
    return anio, mes


def _referencias(acreedor_id: int, caso_ids: set[int]) -> dict[int, str]:
    if not caso_ids:
        return {}
    resultado = defaultdict(list)
    for caso_id, referencia in db.session.execute(
            select(Obligacion.caso_id, Obligacion.referencia)
            .where(Obligacion.acreedor_id == acreedor_id, Obligacion.caso_id.in_(caso_ids))
            .order_by(Obligacion.caso_id, Obligacion.referencia)):
        resultado[caso_id].append(referencia)
    return {caso_id: ", ".join(refs) for caso_id, refs in resultado.items()}


def liquidacion(acreedor_id: int, anio: int, mes: int) -> Liquidacion:
    """The acreedor's statement for one calendar month (ledger dates, both ends included).
    A month without activity is an empty statement with zeros. LookupError if the acreedor
    does not exist."""
    acreedor = db.session.get(Acreedor, acreedor_id)
    if acreedor is None:
        raise LookupError(f"No existe el acreedor {acreedor_id}")
    desde = date(anio, mes, 1)
    hasta = date(anio, mes, calendar.monthrange(anio, mes)[1])
    filas = db.session.execute(
        select(Honorario, Deudor.nombre, Deudor.tipo_documento, Deudor.numero_documento)
        .join(Caso, Caso.id == Honorario.caso_id)
        .join(Deudor, Deudor.id == Caso.deudor_id)
        .where(Honorario.acreedor_id == acreedor_id, Caso.acreedor_id == acreedor_id,
               Honorario.fecha >= desde, Honorario.fecha <= hasta)
        .order_by(Honorario.fecha, Honorario.id)).all()
    referencias = _referencias(acreedor_id, {h.caso_id for h, *_ in filas})
    lineas = [
        LineaLiquidacion(
            fecha=h.fecha, caso_id=h.caso_id, deudor=nombre,
            documento=f"{tipo_doc} {numero_doc}", referencias=referencias.get(h.caso_id, ""),
            tipo="reversa" if h.tipo == "reversa" else "pago", etapa=h.etapa,
            monto=Decimal(h.base).quantize(CENTAVO), porcentaje=Decimal(h.porcentaje),
            honorario=Decimal(h.monto).quantize(CENTAVO))
        for h, nombre, tipo_doc, numero_doc in filas
    ]
    recuperado = sum((linea.monto for linea in lineas), CERO)
    honorarios = sum((linea.honorario for linea in lineas), CERO)
    return Liquidacion(acreedor_id=acreedor.id, acreedor_nombre=acreedor.nombre, anio=anio,
                       mes=mes, desde=desde, hasta=hasta, moneda=acreedor.moneda, lineas=lineas,
                       recuperado=recuperado, honorarios=honorarios,
                       neto=recuperado - honorarios)


# ---- files -----------------------------------------------------------------------------------

COLUMNAS = ("Fecha", "Caso", "Deudor", "Documento", "Referencias", "Tipo", "Etapa",
            "Monto recuperado", "Porcentaje", "Honorario")


def nombre_archivo(liq: Liquidacion, extension: str) -> str:
    return f"liquidacion-{liq.periodo}.{extension}"


def _numero_csv(valor: Decimal) -> str:
    """Decimal comma, no thousands separator: a number for a spreadsheet in Spanish."""
    return format(valor, "f").replace(".", ",")


def a_csv(liq: Liquidacion) -> str:
    """The statement as CSV: `;` separated, UTF-8 with BOM (like the app's other CSV
    reports), text cells neutralised against formulas, totals at the end."""
    salida = io.StringIO()
    escritor = csv.writer(salida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(COLUMNAS)
    for linea in liq.lineas:
        escritor.writerow([
            linea.fecha.isoformat(), linea.caso_id, celda_segura(linea.deudor),
            celda_segura(linea.documento), celda_segura(linea.referencias),
            linea.nombre_tipo, linea.nombre_etapa, _numero_csv(linea.monto),
            _numero_csv(linea.porcentaje), _numero_csv(linea.honorario)])
    escritor.writerow([])
    escritor.writerow(["Total recuperado", "", "", "", "", "", "", _numero_csv(liq.recuperado)])
    escritor.writerow(["Total honorarios", "", "", "", "", "", "", "", "",
                       _numero_csv(liq.honorarios)])
    escritor.writerow(["Neto a transferir", "", "", "", "", "", "", _numero_csv(liq.neto)])
    return "\ufeff" + salida.getvalue()


def a_xlsx(liq: Liquidacion) -> bytes:
    """The statement as an Excel workbook: numbers and dates as real cells, text neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    libro = Workbook()
    hoja = libro.active
    hoja.title = f"Liquidación {liq.periodo}"
    negrita = Font(bold=True)
    hoja.append([celda_segura(f"Liquidación de {liq.acreedor_nombre}")])
    hoja.append([f"Periodo: {liq.desde:%d/%m/%Y} a {liq.hasta:%d/%m/%Y}", f"Moneda: {liq.moneda}"])
    hoja.append([])
    hoja.append(list(COLUMNAS))
    fila_titulos = hoja.max_row
    for celda in hoja[fila_titulos]:
        celda.font = negrita
    hoja["A1"].font = negrita
    for linea in liq.lineas:
        hoja.append([linea.fecha, linea.caso_id, celda_segura(linea.deudor),
                     celda_segura(linea.documento), celda_segura(linea.referencias),
                     linea.nombre_tipo, linea.nombre_etapa, linea.monto, linea.porcentaje,
                     linea.honorario])
        fila = hoja.max_row
        hoja.cell(fila, 1).number_format = "DD/MM/YYYY"
        for columna in (8, 10):
            hoja.cell(fila, columna).number_format = "#,##0.00"
        hoja.cell(fila, 9).number_format = "0.00"
    hoja.append([])
    for rotulo, valor in (("Total recuperado", liq.recuperado),
                          ("Total honorarios", liq.honorarios),
                          ("Neto a transferir", liq.neto)):
        hoja.append([rotulo, None, None, None, None, None, None, valor])
        fila = hoja.max_row
        hoja.cell(fila, 1).font = negrita
        hoja.cell(fila, 8).number_format = "#,##0.00"
        hoja.cell(fila, 8).font = negrita
    for letra, ancho in zip("ABCDEFGHIJ", (12, 8, 32, 18, 24, 10, 14, 18, 11, 16), strict=True):
        hoja.column_dimensions[letra].width = ancho
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def html_pdf(liq: Liquidacion) -> str:
    """The HTML the PDF is printed from (autoescaped: a name is always text)."""
    from agencia.cartas.plantillas import datos_agencia

    return render_template("honorarios/liquidacion_pdf.html", liq=liq, agencia=datos_agencia())
