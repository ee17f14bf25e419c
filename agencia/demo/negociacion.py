"""Demo negotiation: each acreedor's mandate and fees, and acuerdos and payments made through
the real services, so every role finds work waiting: vigente plans with their first payment,
proposals waiting for the supervisor and for the acreedor, an early-payment offer, partial
payments, and one caso paid in full (with its paz y salvo requested).
"""

import random
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos.mandato import guardar_mandato, mandato_de
from agencia.acuerdos.servicios import AcuerdoInvalido, aprobar_supervisor, proponer_acuerdo
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.honorarios.servicios import guardar_configuracion
from agencia.monedas import truncar
from agencia.pagos.modelos import ORDEN_IMPUTACION_DEFECTO
from agencia.pagos.servicios import PagoInvalido, registrar_pago
from agencia.promesas.servicios import hoy_local

MANDATO_DEMO = {
    "quita_max_capital_pct": Decimal("10"), "quita_max_intereses_pct": Decimal("100"),
    "quita_max_gastos_pct": Decimal("100"), "condonar_intereses": True, "cuotas_max": 12,
    "abono_inicial_min_pct": Decimal("10"), "umbral_supervisor_pct": Decimal("15"),
    "umbral_acreedor_pct": Decimal("35"),
}
CUOTA_MINIMA = {"COP": Decimal("50000"), "CLP": Decimal("20000")}
HONORARIOS_DEMO = {"prejuridico": Decimal("10"), "negociacion": Decimal("12"),
                   "acuerdo": Decimal("15"), "juridico": Decimal("20")}
# (how many, quita % on capital, intereses, gastos; tipo): within the mandate, above the
# supervisor's threshold, above the acreedor's, and early-payment offers.
PROPUESTAS = (
    (5, ("0", "50", "100"), "plan"),
    (2, ("20", "100", "100"), "plan"),
    (1, ("45", "100", "100"), "plan"),
    (1, ("5", "100", "100"), "pronto_pago"),
)


def configurar_acreedor(acreedor: Acreedor, usuario_id: int) -> None:
    """Mandate and fees, unless an admin already set them."""
    if mandato_de(acreedor.id).id is None:
        guardar_mandato(acreedor, {**MANDATO_DEMO,
                                   "cuota_minima": CUOTA_MINIMA.get(acreedor.moneda, Decimal("0"))},
                        usuario_id)
        guardar_configuracion(acreedor, HONORARIOS_DEMO, list(ORDEN_IMPUTACION_DEFECTO),
                              acreedor.dias_gracia_cuota, usuario_id)


def _datos(tipo: str, quitas: tuple[str, str, str], caso: Caso, hoy) -> dict:
    capital, intereses, gastos = (Decimal(q) for q in quitas)
    datos = {"tipo": tipo, "quita_capital_pct": capital, "quita_intereses_pct": intereses,
             "quita_gastos_pct": gastos}
    if tipo == "pronto_pago":
        return {**datos, "fecha_limite": hoy + timedelta(days=10)}
    abono = truncar(caso.saldo * Decimal("0.15"), caso.acreedor.moneda)
    return {**datos, "abono_inicial": abono, "numero_cuotas": 6, "frecuencia": "mensual",
            "primera_fecha": hoy}


def sembrar_negociacion(acreedores: list[Acreedor], usuarios: dict, azar: random.Random) -> int:
    """Acuerdos and payments on casos of each acreedor that have none yet. Returns how many
    acuerdos were proposed."""
    hoy = hoy_local()
    supervisor = usuarios["supervisor"]
    propuestos = 0
    for acreedor in acreedores:
        configurar_acreedor(acreedor, usuarios["admin"].id)
        casos = list(db.session.scalars(
            select(Caso).where(Caso.acreedor_id == acreedor.id, Caso.agente_id.is_not(None),
                               Caso.etapa.in_(("prejuridico", "negociacion")),
                               Caso.en_disputa.is_(False))
            .order_by(Caso.id).limit(40)))
        azar.shuffle(casos)
        agentes = {u.id: u for u in usuarios.values() if u.rol == "agente"}
        for cantidad, quitas, tipo in PROPUESTAS:
            for _ in range(cantidad):
                if not casos:
                    break
                caso = casos.pop()
                agente = agentes.get(caso.agente_id, supervisor)
                try:
                    resultado = proponer_acuerdo(caso, _datos(tipo, quitas, caso, hoy), agente, hoy,
                                                 nota="Acuerdo negociado por teléfono.")
                except AcuerdoInvalido:
                    continue  # e.g. a cuota below the minimum for a small debt
                propuestos += 1
                acuerdo = resultado.acuerdo
                if quitas[0] == "45":  # the supervisor passes it on to the acreedor
                    aprobar_supervisor(acuerdo, supervisor, "Cliente con buen historial.")
                if acuerdo.estado == "vigente" and acuerdo.cuotas:
                    _pagar(caso, acuerdo.cuotas[0].monto, f"DEMO-{acuerdo.id}-0", agente.id, hoy)
        for caso in casos[:6]:  # partial payments without an acuerdo
            _pagar(caso, truncar(caso.saldo * Decimal("0.2"), acreedor.moneda),
                   f"DEMO-P-{caso.id}", caso.agente_id, hoy)
        if casos[6:]:  # one debt paid in full: closes as pagado, paz y salvo requested
            _pagar(casos[6], casos[6].saldo, f"DEMO-T-{casos[6].id}", casos[6].agente_id, hoy)
    db.session.flush()
    return propuestos


def _pagar(caso: Caso, monto: Decimal, referencia: str, usuario_id: int | None, hoy) -> None:
    if monto <= 0:
        return
    # The demo skips a payment the rules refuse (an agent would correct it).
    with suppress(PagoInvalido):
        registrar_pago(caso, monto, hoy, "transferencia", referencia, usuario_id, hoy=hoy)
