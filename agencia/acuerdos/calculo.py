"""The plan calculator: pure money, no database. Decimal only.

Rules (the same for the caso page, the proposal and the tests):

- The debt is per component (capital, intereses, gastos): the saldo_* of the caso's
  obligaciones. The agent chooses a quita (discount) **percentage per component**, 0–100; the
  calculator derives the money. Per component, what is agreed is
  `truncar(deuda × (100 − pct) / 100)` in the currency's minor unit and the quita is the rest,
  so quita + acordado = deuda exactly, the quita is never negative and the total is always a
  whole number of minor units (COP and CLP whole pesos, the others cents).
- total acordado = Σ acordado per component; it must be above zero.
- Plan: an abono inicial (≥ 0, less than the total) and `numero_cuotas` cuotas for the rest.
  The first payment (the abono inicial when there is one, else cuota 1) falls on
  `primera_fecha`; each next one a period later: semanal = 7 days, quincenal = 15 days,
  mensual = the same day of the month, clamped to the month's end (31/01 → 28/02 → 31/03: each
  date is counted from the first one, never chained).
  The rest is split in minor units: every cuota gets `resto // n` units and the first
  `resto % n` cuotas one unit more, so the cuotas add up exactly to the total, differ by at most
  one unit, and none is zero (more cuotas than minor units is refused).
- Dates: the first payment, or the pronto pago limit, from today up to a year ahead.
- Pronto pago (early-payment discount offer): one payment of the total by `fecha_limite`
  (cuota numero 1 dated fecha_limite).
- Mandate check (`evaluar_mandato`): the breaches, in Spanish, and the approval level:
  "acreedor" when the total quita % is above umbral_acreedor_pct; otherwise "supervisor" when
  there is any breach or the total quita % is above umbral_supervisor_pct; otherwise "agente".
  The total quita % used for the level is the exact weighted percentage
  Σ deuda_c × pct_c / Σ deuda_c (not the truncated money), so the level only grows with the
  quita. The abono inicial minimum is a percentage of the total acordado.
"""

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from agencia.errores import EntradaInvalida
from agencia.formato import dinero
from agencia.monedas import en_unidad_minima, texto_unidad, truncar, unidad_minima

CERO = Decimal("0")
CIEN = Decimal("100")
COMPONENTES = ("capital", "intereses", "gastos")
NOMBRES_COMPONENTE = {"capital": "capital", "intereses": "intereses", "gastos": "gastos"}
FRECUENCIAS = ("semanal", "quincenal", "mensual")
MAXIMO_CUOTAS = 360  # whatever the mandate says, a sane ceiling for one plan
PLAZO_MAXIMO_DIAS = 366  # the first payment (or the pronto pago limit) within a year


class CalculoInvalido(EntradaInvalida):
    """The inputs of the calculator cannot make a plan (campo names the form field)."""


@dataclass(frozen=True)
class Deuda:
    capital: Decimal
    intereses: Decimal
    gastos: Decimal

    @property
    def total(self) -> Decimal:
        return self.capital + self.intereses + self.gastos

    def de(self, componente: str) -> Decimal:
        return getattr(self, componente)


@dataclass(frozen=True)
class Condiciones:
    """What the agent asks for. `quita_pct` maps component → percentage (missing = 0)."""

    deuda: Deuda
    moneda: str
    quita_pct: dict
    tipo: str = "plan"
    abono_inicial: Decimal = CERO
    numero_cuotas: int = 1
    frecuencia: str = "mensual"
    primera_fecha: date | None = None
    fecha_limite: date | None = None


@dataclass(frozen=True)
class CuotaPlan:
    numero: int
    fecha: date
    monto: Decimal


@dataclass
class Plan:
    """The result: quita per component (money and %), total, schedule."""

    condiciones: Condiciones
    quita: dict  # componente -> money
    acordado: dict  # componente -> money
    total_acordado: Decimal
    cuotas: list[CuotaPlan]

    @property
    def deuda(self) -> Deuda:
        return self.condiciones.deuda

    @property
    def quita_total(self) -> Decimal:
        return sum(self.quita.values(), CERO)

    def quita_pct(self, componente: str | None = None) -> Decimal:
        """The quita in money as a % of the debt (of one component, or of the total), 2 dp."""
        deuda = self.deuda.total if componente is None else self.deuda.de(componente)
        quita = self.quita_total if componente is None else self.quita[componente]
        return porcentaje(quita, deuda)

    @property
    def filas_quita(self) -> list[tuple[str, Decimal, Decimal]]:
        """(component, debt, quita) rows and the total, for the quita table."""
        filas = [(nombre.capitalize(), self.deuda.de(c), self.quita[c])
                 for c, nombre in NOMBRES_COMPONENTE.items()]
        return filas + [("Total", self.deuda.total, self.quita_total)]

    @property
    def quita_pct_pedida(self) -> Decimal:
        """The exact weighted % asked for (used for the approval level)."""
        return quita_pct_ponderada(self.deuda, self.condiciones.quita_pct)

    @property
    def abono_inicial(self) -> Decimal:
        return next((c.monto for c in self.cuotas if c.numero == 0), CERO)

    @property
    def cuotas_regulares(self) -> list[CuotaPlan]:
        return [c for c in self.cuotas if c.numero > 0]


@dataclass
class Evaluacion:
    excepciones: list[str] = field(default_factory=list)
    nivel: str = "agente"

    @property
    def dentro_del_mandato(self) -> bool:
        return not self.excepciones and self.nivel == "agente"


def porcentaje(parte: Decimal, total: Decimal) -> Decimal:
    if not total:
        return CERO
    return (parte * CIEN / total).quantize(Decimal("0.01"))


def texto_pct(valor: Decimal) -> str:
    """12.50 → "12,5"; 10.00 → "10" (how the UI writes percentages)."""
    valor = Decimal(valor).quantize(Decimal("0.01"))
    texto = format(valor.normalize(), "f") if valor else "0"
    return texto.replace(".", ",")


def quita_pct_ponderada(deuda: Deuda, quita_pct: dict) -> Decimal:
    if deuda.total <= CERO:
        return CERO
    return sum((deuda.de(c) * Decimal(quita_pct.get(c) or 0) for c in COMPONENTES), CERO) \
        / deuda.total


def sumar_periodos(inicio: date, frecuencia: str, k: int) -> date:
    """`inicio` plus k periods (see the module's rules)."""
    if frecuencia == "semanal":
        return inicio + timedelta(days=7 * k)
    if frecuencia == "quincenal":
        return inicio + timedelta(days=15 * k)
    if frecuencia == "mensual":
        mes = inicio.month - 1 + k
        anio, mes = inicio.year + mes // 12, mes % 12 + 1
        return date(anio, mes, min(inicio.day, calendar.monthrange(anio, mes)[1]))
    raise CalculoInvalido("frecuencia", "Elija una frecuencia de la lista.")


def repartir(monto: Decimal, partes: int, moneda: str) -> list[Decimal]:
    """`monto` in `partes` amounts of whole minor units adding up exactly to it; the first
    `resto` get one unit more. Refuses a split that would leave a part at zero."""
    unidad = unidad_minima(moneda)
    if partes < 1:
        raise CalculoInvalido("numero_cuotas", "El plan necesita al menos una cuota.")
    if not en_unidad_minima(monto, moneda):
        raise CalculoInvalido("abono_inicial",
                              f"Los montos en {moneda} van {texto_unidad(moneda)}.")
    unidades = int(monto / unidad)
    if unidades < partes:
        raise CalculoInvalido(
            "numero_cuotas",
            f"No se puede repartir {dinero(monto, moneda)} en {partes} cuotas: "
            "cada cuota debe ser mayor que cero.")
    base, resto = divmod(unidades, partes)
    return [(base + (1 if i < resto else 0)) * unidad for i in range(partes)]


def _validar_pct(condiciones: Condiciones) -> dict:
    quitas = {}
    for componente in COMPONENTES:
        valor = condiciones.quita_pct.get(componente)
        valor = CERO if valor is None else Decimal(valor)
        if valor < CERO or valor > CIEN:
            raise CalculoInvalido(
                f"quita_{componente}_pct",
                f"La quita sobre {NOMBRES_COMPONENTE[componente]} debe estar entre 0 y 100 %.")
        quitas[componente] = valor
    return quitas


def calcular(condiciones: Condiciones, hoy: date) -> Plan:
    """The quita, the total and the schedule, or CalculoInvalido saying what is wrong."""
    moneda, deuda = condiciones.moneda, condiciones.deuda
    if deuda.total <= CERO:
        raise CalculoInvalido("tipo", "El caso no tiene saldo por acordar.")
    if condiciones.tipo not in ("plan", "pronto_pago"):
        raise CalculoInvalido("tipo", "Elija plan de pagos o descuento por pronto pago.")
    pcts = _validar_pct(condiciones)
    acordado, quita = {}, {}
    for componente in COMPONENTES:
        monto = deuda.de(componente)
        acordado[componente] = max(CERO, truncar(monto * (CIEN - pcts[componente]) / CIEN,
                                                 moneda))
        quita[componente] = monto - acordado[componente]
    total = sum(acordado.values(), CERO)
    if total <= CERO:
        raise CalculoInvalido("quita_capital_pct",
                              "La quita no puede cubrir toda la deuda: el total a acordar "
                              "debe ser mayor que cero.")
    if condiciones.tipo == "pronto_pago":
        cuotas = _pronto_pago(condiciones, total, hoy)
    else:
        cuotas = _plan(condiciones, total, hoy)
    condiciones = replace(condiciones, quita_pct=pcts)
    return Plan(condiciones=condiciones, quita=quita, acordado=acordado, total_acordado=total,
                cuotas=cuotas)


def _pronto_pago(condiciones: Condiciones, total: Decimal, hoy: date) -> list[CuotaPlan]:
    limite = condiciones.fecha_limite
    if limite is None:
        raise CalculoInvalido("fecha_limite", "Indique la fecha límite del pronto pago.")
    if limite < hoy:
        raise CalculoInvalido("fecha_limite", "La fecha límite del pronto pago no puede ser "
                                              "pasada.")
    if limite > hoy + timedelta(days=PLAZO_MAXIMO_DIAS):
        raise CalculoInvalido("fecha_limite", "La fecha límite del pronto pago no puede estar "
                                              "a más de un año.")
    return [CuotaPlan(1, limite, total)]


def _plan(condiciones: Condiciones, total: Decimal, hoy: date) -> list[CuotaPlan]:
    moneda = condiciones.moneda
    abono = condiciones.abono_inicial if condiciones.abono_inicial is not None else CERO
    n, frecuencia, inicio = condiciones.numero_cuotas, condiciones.frecuencia, \
        condiciones.primera_fecha
    if frecuencia not in FRECUENCIAS:
        raise CalculoInvalido("frecuencia", "Elija una frecuencia de la lista.")
    if n is None or n < 1:
        raise CalculoInvalido("numero_cuotas", "El plan necesita al menos una cuota.")
    if n > MAXIMO_CUOTAS:
        raise CalculoInvalido("numero_cuotas",
                              f"Un plan admite hasta {MAXIMO_CUOTAS} cuotas.")
    if inicio is None:
        raise CalculoInvalido("primera_fecha", "Indique la fecha del primer pago.")
    if inicio < hoy:
        raise CalculoInvalido("primera_fecha", "La fecha del primer pago no puede ser pasada.")
    if inicio > hoy + timedelta(days=PLAZO_MAXIMO_DIAS):
        raise CalculoInvalido("primera_fecha",
                              "La fecha del primer pago no puede estar a más de un año.")
    if abono < CERO:
        raise CalculoInvalido("abono_inicial", "El abono inicial no puede ser negativo.")
    if not en_unidad_minima(abono, moneda):
        raise CalculoInvalido("abono_inicial",
                              f"Los montos en {moneda} van {texto_unidad(moneda)}.")
    if abono >= total:
        raise CalculoInvalido(
            "abono_inicial",
            f"El abono inicial debe ser menor que el total a acordar ({dinero(total, moneda)}); "
            "para un solo pago use el descuento por pronto pago.")
    cuotas = []
    desfase = 0
    if abono > CERO:
        cuotas.append(CuotaPlan(0, inicio, abono))
        desfase = 1
    for i, monto in enumerate(repartir(total - abono, n, moneda), start=1):
        cuotas.append(CuotaPlan(i, sumar_periodos(inicio, frecuencia, i - 1 + desfase), monto))
    return cuotas


def evaluar_mandato(plan: Plan, mandato) -> Evaluacion:
    """The breaches of the mandate (Spanish) and who must approve. `mandato` is any object
    with Mandato's attributes (a row, or the default of agencia.acuerdos.mandato)."""
    moneda, deuda = plan.condiciones.moneda, plan.deuda
    pcts = plan.condiciones.quita_pct
    excepciones = []
    for componente in COMPONENTES:
        pedido, maximo = pcts[componente], Decimal(
            getattr(mandato, f"quita_max_{componente}_pct"))
        if deuda.de(componente) > CERO and pedido > maximo:
            excepciones.append(
                f"La quita sobre {NOMBRES_COMPONENTE[componente]} ({texto_pct(pedido)} %) supera "
                f"el máximo del mandato ({texto_pct(maximo)} %).")
    if (not mandato.condonar_intereses and deuda.intereses > CERO
            and pcts["intereses"] >= CIEN):
        excepciones.append("El mandato no permite condonar la totalidad de los intereses.")
    if plan.condiciones.tipo == "plan":
        n = len(plan.cuotas_regulares)
        if n > mandato.cuotas_max:
            excepciones.append(f"El plan tiene {n} cuotas; el mandato permite hasta "
                               f"{mandato.cuotas_max}.")
        minimo_pct = Decimal(mandato.abono_inicial_min_pct)
        minimo = plan.total_acordado * minimo_pct / CIEN
        if plan.abono_inicial < minimo:
            excepciones.append(
                f"El abono inicial ({dinero(plan.abono_inicial, moneda)}) es menor que el mínimo "
                f"del mandato ({texto_pct(minimo_pct)} % del total acordado: "
                f"{dinero(minimo.quantize(unidad_minima(moneda)), moneda)}).")
        cuota_minima = Decimal(mandato.cuota_minima or 0)
        menor = min(c.monto for c in plan.cuotas_regulares)
        if menor < cuota_minima:
            excepciones.append(
                f"Hay cuotas de {dinero(menor, moneda)}, por debajo de la cuota mínima del "
                f"mandato ({dinero(cuota_minima, moneda)}).")
    return Evaluacion(excepciones=excepciones,
                      nivel=nivel_aprobacion(plan.quita_pct_pedida, bool(excepciones), mandato))


def nivel_aprobacion(quita_pct_total: Decimal, hay_excepciones: bool, mandato) -> str:
    """Who must approve: "acreedor" above its threshold, "supervisor" for any breach or above
    the supervisor's threshold, else "agente" (the agent concludes it)."""
    if quita_pct_total > Decimal(mandato.umbral_acreedor_pct):
        return "acreedor"
    if hay_excepciones or quita_pct_total > Decimal(mandato.umbral_supervisor_pct):
        return "supervisor"
    return "agente"
