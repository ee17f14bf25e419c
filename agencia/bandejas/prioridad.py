"""The bandeja's priority score: which caso an agent should work first.

A higher score comes first. The walking skeleton weighs the two facts every placement has:

    prioridad = min(dias_mora, 360) * 10  +  round(100 * log10(1 + saldo))

so a caso 90 days past due owing $ 5.000.000 scores 900 + 670 = 1570, and one 10 days past due
owing the same scores 770. Later rules (broken promises, promises due today, callbacks, whether
the deudor may be contacted now) add to this score with weights per acreedor.
"""

import math
from datetime import date
from decimal import Decimal

TOPE_DIAS = 360


def calcular_prioridad(saldo: Decimal, vencimiento: date | None, hoy: date | None = None) -> int:
    dias = max(0, ((hoy or date.today()) - vencimiento).days) if vencimiento else 0
    return min(dias, TOPE_DIAS) * 10 + round(100 * math.log10(1 + max(float(saldo), 0.0)))


def actualizar_prioridad(caso, hoy: date | None = None) -> None:
    caso.prioridad = calcular_prioridad(caso.saldo or Decimal(0), caso.vencimiento, hoy)
