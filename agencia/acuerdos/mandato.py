"""The acreedor's mandate: read it (with the defaults when never set) and change it (audited).

Rules checked on saving: percentages between 0 and 100; the acreedor's threshold not below the
supervisor's; at least one cuota; a cuota mínima not negative and in the acreedor's currency's
minor unit (COP and CLP whole pesos). Services flush; the route commits.
"""

from decimal import Decimal

from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos.calculo import MAXIMO_CUOTAS, texto_pct
from agencia.acuerdos.modelos import Mandato
from agencia.auditoria.servicios import registrar
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.monedas import en_unidad_minima, texto_unidad
from agencia.tipos import ahora

CERO, CIEN = Decimal("0"), Decimal("100")
PORCENTAJES = {
    "quita_max_capital_pct": "La quita máxima sobre capital",
    "quita_max_intereses_pct": "La quita máxima sobre intereses",
    "quita_max_gastos_pct": "La quita máxima sobre gastos",
    "abono_inicial_min_pct": "El abono inicial mínimo",
    "umbral_supervisor_pct": "El umbral de aprobación del supervisor",
    "umbral_acreedor_pct": "El umbral de aprobación del acreedor",
}
CAMPOS = (*PORCENTAJES, "condonar_intereses", "cuotas_max", "cuota_minima")
# What a mandate says before an admin sets it (the columns' defaults).
DEFECTO = {
    "quita_max_capital_pct": Decimal("0"),
    "quita_max_intereses_pct": Decimal("100"),
    "quita_max_gastos_pct": Decimal("100"),
    "condonar_intereses": True,
    "cuotas_max": 12,
    "abono_inicial_min_pct": Decimal("10"),
    "cuota_minima": Decimal("0"),
    "umbral_supervisor_pct": Decimal("20"),
    "umbral_acreedor_pct": Decimal("40"),
}


class MandatoInvalido(EntradaInvalida):
    """A mandate value that cannot be saved."""


def mandato_de(acreedor_id: int) -> Mandato:
    """The acreedor's mandate, or an unsaved one with the defaults (never added to the
    session)."""
    fila = db.session.scalar(select(Mandato).where(Mandato.acreedor_id == acreedor_id))
    return fila if fila is not None else Mandato(acreedor_id=acreedor_id, **DEFECTO)


def como_dict(mandato: Mandato) -> dict:
    return {campo: getattr(mandato, campo) for campo in CAMPOS}


def validar_mandato(datos: dict, moneda: str) -> dict:
    """The values to save, or MandatoInvalido naming the field."""
    limpio = {}
    for campo, nombre in PORCENTAJES.items():
        valor = datos.get(campo)
        if valor is None:
            raise MandatoInvalido(campo, f"{nombre} es obligatorio (0 a 100 %).")
        valor = Decimal(valor)
        if valor < CERO or valor > CIEN:
            raise MandatoInvalido(campo, f"{nombre} debe estar entre 0 y 100 %.")
        if valor != valor.quantize(Decimal("0.01")):
            raise MandatoInvalido(campo, f"{nombre} admite hasta dos decimales.")
        limpio[campo] = valor
    if limpio["umbral_acreedor_pct"] < limpio["umbral_supervisor_pct"]:
        raise MandatoInvalido(
            "umbral_acreedor_pct",
            f"El umbral del acreedor ({texto_pct(limpio['umbral_acreedor_pct'])} %) no puede ser "
            f"menor que el del supervisor ({texto_pct(limpio['umbral_supervisor_pct'])} %).")
    cuotas = datos.get("cuotas_max")
    if cuotas is None or int(cuotas) < 1:
        raise MandatoInvalido("cuotas_max", "El número máximo de cuotas debe ser al menos 1.")
    if int(cuotas) > MAXIMO_CUOTAS:
        raise MandatoInvalido("cuotas_max",
                              f"El número máximo de cuotas admite hasta {MAXIMO_CUOTAS}.")
    limpio["cuotas_max"] = int(cuotas)
    minima = datos.get("cuota_minima")
    minima = CERO if minima is None else Decimal(minima)
    if minima < CERO:
        raise MandatoInvalido("cuota_minima", "La cuota mínima no puede ser negativa.")
    if not en_unidad_minima(minima, moneda):
        raise MandatoInvalido("cuota_minima",
                              f"La cuota mínima en {moneda} va {texto_unidad(moneda)}.")
    limpio["cuota_minima"] = minima
    limpio["condonar_intereses"] = bool(datos.get("condonar_intereses"))
    return limpio


def guardar_mandato(acreedor: Acreedor, datos: dict, usuario_id: int | None) -> Mandato:
    """Creates or updates the acreedor's mandate; audit "mandato.actualizar" (antes/después)."""
    limpio = validar_mandato(datos, acreedor.moneda)
    mandato = mandato_de(acreedor.id)
    antes = como_dict(mandato) if mandato.id else None
    for campo, valor in limpio.items():
        setattr(mandato, campo, valor)
    mandato.actualizado_por, mandato.actualizado_en = usuario_id, ahora()
    if mandato.id is None:
        db.session.add(mandato)
    db.session.flush()
    registrar("mandato.actualizar", "mandato", mandato.id, acreedor_id=acreedor.id,
              antes=antes, despues=como_dict(mandato), usuario_id=usuario_id)
    return mandato
