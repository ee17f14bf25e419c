"""Validation of placement rows: text cells in, clean values or rejections (line, column, reason).

Pure functions, no database: what can be decided from the file alone is decided here, so a
todo-o-nada import with a bad row stops before reading or writing anything else.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from agencia.asignaciones.lectura import (
    ValorInvalido,
    leer_documento,
    leer_email,
    leer_fecha,
    leer_monto,
    leer_telefono,
)
from agencia.deudores.modelos import TIPOS_DOCUMENTO

TIPO_DOCUMENTO_POR_DEFECTO = "CC"
# Longest text each column may hold (the model's column sizes).
LARGOS = {"referencia": 60, "nombre": 200, "numero_factura": 60, "producto": 100,
          "ciudad": 100, "direccion": 300}


@dataclass(frozen=True)
class Rechazo:
    """One problem of one row: file line (header = 1), column and reason in Spanish."""

    linea: int
    columna: str
    motivo: str

    def como_texto(self) -> str:
        return f"Línea {self.linea}, columna «{self.columna}»: {self.motivo}."


@dataclass
class FilaValida:
    """A row ready to import. `intereses`/`gastos` are None when the file left them blank,
    so a re-placement without them keeps the amounts already placed."""

    linea: int
    referencia: str
    tipo_documento: str
    numero_documento: str
    nombre: str
    fecha_vencimiento: date
    capital: Decimal
    intereses: Decimal | None = None
    gastos: Decimal | None = None
    moneda: str = "COP"
    numero_factura: str | None = None
    producto: str | None = None
    ciudad: str | None = None
    emails: list[str] = field(default_factory=list)
    telefonos: list[str] = field(default_factory=list)
    direcciones: list[str] = field(default_factory=list)

    @property
    def documento(self) -> tuple[str, str]:
        return self.tipo_documento, self.numero_documento


def _texto(datos: Mapping[str, str], columna: str) -> str:
    return " ".join((datos.get(columna) or "").split())


def validar_fila(
    linea: int, datos: Mapping[str, str], moneda: str, pais: str
) -> tuple[FilaValida | None, list[Rechazo]]:
    """The clean row, or None and every problem found in it."""
    rechazos: list[Rechazo] = []
    # A spreadsheet formula (`=HYPERLINK(...)`) is never imported: its column is reported once.
    formulas = sorted(c for c, v in datos.items() if v and v.lstrip().startswith("="))

    def rechazar(columna: str, motivo: str) -> None:
        rechazos.append(Rechazo(linea, columna, motivo))

    def leer(columna: str, lector, texto: str | None = None, obligatoria: bool = False):
        texto = _texto(datos, columna) if texto is None else texto.strip()
        if not texto:
            if obligatoria:
                rechazar(columna, "falta el valor (columna obligatoria)")
            return None
        try:
            return lector(texto)
        except ValorInvalido as error:
            rechazar(columna, str(error))
            return None

    valores = {}
    for columna in ("referencia", "nombre", "numero_factura", "producto", "ciudad", "direccion"):
        valor = _texto(datos, columna) or None
        if valor and len(valor) > LARGOS[columna]:
            rechazar(columna, f"texto demasiado largo (máximo {LARGOS[columna]} caracteres)")
        valores[columna] = valor
    for columna in ("referencia", "nombre"):
        if not valores[columna]:
            rechazar(columna, "falta el valor (columna obligatoria)")

    tipo = (_texto(datos, "tipo_documento") or TIPO_DOCUMENTO_POR_DEFECTO).upper().replace(".", "")
    if tipo not in TIPOS_DOCUMENTO:
        rechazar("tipo_documento",
                 f"tipo de documento no reconocido «{tipo}» (válidos: {', '.join(TIPOS_DOCUMENTO)})")
    documento = leer("numero_documento", leer_documento, obligatoria=True)
    vencimiento = leer("fecha_vencimiento", leer_fecha, obligatoria=True)
    capital = leer("capital", leer_monto, obligatoria=True)
    intereses = leer("intereses", leer_monto)
    gastos = leer("gastos", leer_monto)

    moneda_fila = _texto(datos, "moneda").upper() or moneda
    if moneda_fila != moneda:
        rechazar("moneda", f"moneda «{moneda_fila}» distinta de la del acreedor ({moneda})")

    # Several emails or phones in one cell are separated by `|`.
    emails = [leer("email", leer_email, parte)
              for parte in _texto(datos, "email").replace(";", "|").split("|") if parte.strip()]
    telefonos = [leer("telefono", partial(leer_telefono, pais=pais), parte)
                 for parte in _texto(datos, "telefono").split("|") if parte.strip()]

    if formulas:
        rechazos = [Rechazo(linea, columna, "la celda contiene una fórmula de hoja de cálculo "
                            f"«{_texto(datos, columna)[:40]}»: guarde el archivo solo con valores")
                    for columna in formulas] + [r for r in rechazos if r.columna not in formulas]
    if rechazos:
        return None, rechazos
    return FilaValida(
        linea=linea, referencia=valores["referencia"], tipo_documento=tipo,
        numero_documento=documento, nombre=valores["nombre"], fecha_vencimiento=vencimiento,
        capital=capital, intereses=intereses, gastos=gastos, moneda=moneda,
        numero_factura=valores["numero_factura"], producto=valores["producto"],
        ciudad=valores["ciudad"], emails=list(dict.fromkeys(emails)),
        telefonos=list(dict.fromkeys(telefonos)),
        direcciones=[valores["direccion"]] if valores["direccion"] else [],
    ), []


def validar_filas(
    filas: Iterable[tuple[int, Mapping[str, str]]], moneda: str, pais: str
) -> tuple[int, list[FilaValida], list[Rechazo]]:
    """Validates every row; a referencia repeated in the file is rejected after its first line.
    Returns (rows read, valid rows, rejections)."""
    leidas, validas, rechazos = 0, [], []
    primera_linea: dict[str, int] = {}
    for linea, datos in filas:
        leidas += 1
        fila, problemas = validar_fila(linea, datos, moneda, pais)
        referencia = _texto(datos, "referencia")
        if referencia in primera_linea:
            problemas.append(Rechazo(linea, "referencia", f"referencia «{referencia}» repetida "
                                     f"(ya aparece en la línea {primera_linea[referencia]})"))
            fila = None
        elif referencia:
            primera_linea[referencia] = linea
        rechazos.extend(problemas)
        if fila is not None:
            validas.append(fila)
    return leidas, validas, rechazos
