"""The data of the letters that document an agreement: the acuerdo de pago and the paz y
salvo certificate.

Two jobs: check a request's parametros (`validar_solicitud`, called by solicitar_carta) and
build the extra context of those plantillas (`contexto_adicional`, called by
plantillas.contexto). The context is plain dicts and strings already formatted, like the rest
of the letter context: the sandboxed template never sees an ORM object. An acuerdo is only
read through the carta's own caso, so a letter never shows another caso's data.
"""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from sqlalchemy import func, select

from agencia import formato
from agencia.acuerdos.modelos import Acuerdo
from agencia.cartas.errores import ErrorCarta
from agencia.extensiones import db
from agencia.monedas import DECIMALES
from agencia.pagos.modelos import ImputacionPago, Pago

CERO = Decimal("0")
# The plantillas whose data this module builds.
PLANTILLAS_DOCUMENTO = ("acuerdo_pago", "paz_y_salvo")
# An acuerdo in these estados was never agreed: there is no letter to send and sign.
ESTADOS_SIN_CARTA = ("pendiente_supervisor", "pendiente_acreedor", "rechazado", "anulado")
COMPONENTES = (("capital", "Capital"), ("intereses", "Intereses"), ("gastos", "Gastos"))


# --- formatting -------------------------------------------------------------------------

def dinero(valor, moneda: str) -> str:
    """The app's money format; currencies with cents always show both decimals in a letter
    (a schedule reads `US$ 100,00` / `US$ 100,50`, not `US$ 100` / `US$ 100,50`)."""
    if DECIMALES.get(moneda, 2) == 0:
        return formato.dinero(valor, moneda)
    numero = format_decimal(Decimal(valor), format="#,##0.00", locale=formato._locale())
    return f"{formato.SIMBOLOS.get(moneda, moneda)} {numero}"


def porcentaje(parte: Decimal, total: Decimal) -> str:
    """`12,5 %` (two decimals at most, es_CO)."""
    if not total:
        return "0 %"
    valor = (Decimal(parte) * 100 / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{format_decimal(valor, format='#,##0.##', locale=formato._locale())} %"


# --- requests ---------------------------------------------------------------------------

def _entero(valor) -> int | None:
    """A positive id that fits the database's integer, from an int or a string of digits."""
    if isinstance(valor, str) and valor.strip().isascii() and valor.strip().isdecimal():
        valor = int(valor.strip())
    if isinstance(valor, bool) or not isinstance(valor, int):
        return None
    return valor if 0 < valor < 2**31 else None


def acuerdo_del_caso(caso, parametros: dict) -> Acuerdo:
    """The acuerdo named by parametros["acuerdo_id"], only if it belongs to this caso."""
    acuerdo_id = _entero((parametros or {}).get("acuerdo_id"))
    if acuerdo_id is None:
        raise ErrorCarta("Indique el acuerdo de pago (acuerdo_id) para generar su carta.")
    # Never by id alone: the caso (already checked for the tenant) scopes the lookup.
    acuerdo = db.session.scalars(
        select(Acuerdo).where(
            Acuerdo.id == acuerdo_id,
            Acuerdo.caso_id == caso.id,
            Acuerdo.acreedor_id == caso.acreedor_id,
        )
    ).one_or_none()
    if acuerdo is None:
        raise ErrorCarta(f"El acuerdo n.º {acuerdo_id} no pertenece a este caso.")
    return acuerdo


def validar_solicitud(caso, plantilla: str, parametros: dict | None) -> dict:
    """Checks what a plantilla needs of the caso and its parametros; returns the parametros
    to store. Raises ErrorCarta with a message for the user."""
    parametros = dict(parametros or {})
    if plantilla == "acuerdo_pago":
        acuerdo = acuerdo_del_caso(caso, parametros)
        if acuerdo.estado in ("rechazado", "anulado"):
            raise ErrorCarta(
                f"El acuerdo n.º {acuerdo.id} está {acuerdo.nombre_estado.lower()}: "
                "no se genera su carta."
            )
        return {"acuerdo_id": acuerdo.id}
    if plantilla == "paz_y_salvo":
        if caso.saldo > CERO:
            raise ErrorCarta(
                f"El caso aún tiene saldo pendiente ({dinero(caso.saldo, caso.acreedor.moneda)}): "
                "el paz y salvo se expide cuando la deuda esté totalmente pagada."
            )
        if caso.etapa != "pagado":
            raise ErrorCarta(
                "El paz y salvo solo se expide para casos en etapa Pagado "
                f"(este caso está en {caso.nombre_etapa})."
            )
        return {}
    return parametros


# --- context ----------------------------------------------------------------------------

def contexto_adicional(carta, caso) -> dict:
    """The extra variables of the plantilla (none for the others)."""
    if carta.plantilla == "acuerdo_pago":
        return {"acuerdo": contexto_acuerdo(caso, carta.parametros or {})}
    if carta.plantilla == "paz_y_salvo":
        return {"paz_y_salvo": contexto_paz_y_salvo(caso)}
    return {}


def _saldos_al_acordar(caso, acuerdo: Acuerdo) -> dict[int, dict[str, Decimal]]:
    """Each obligacion's saldo per component when the acuerdo was proposed: today's saldo
    plus what the payments applied since then took off (a letter generated again later
    still shows the debt that was agreed on)."""
    saldos = {
        o.id: {c: getattr(o, f"saldo_{c}") for c, _ in COMPONENTES} for o in caso.obligaciones
    }
    filas = db.session.execute(
        select(ImputacionPago.obligacion_id, ImputacionPago.componente,
               func.sum(ImputacionPago.monto))
        .join(Pago, Pago.id == ImputacionPago.pago_id)
        .where(Pago.caso_id == caso.id, Pago.estado == "aplicado",
               Pago.creado_en >= acuerdo.creado_en)
        .group_by(ImputacionPago.obligacion_id, ImputacionPago.componente)
    )
    for obligacion_id, componente, monto in filas:
        if obligacion_id in saldos and componente in saldos[obligacion_id]:
            saldos[obligacion_id][componente] += monto or CERO
    return saldos


def contexto_acuerdo(caso, parametros: dict) -> dict:
    acuerdo = acuerdo_del_caso(caso, parametros)
    if acuerdo.estado in ESTADOS_SIN_CARTA:
        raise ErrorCarta(
            f"El acuerdo n.º {acuerdo.id} no está aprobado ({acuerdo.nombre_estado}): "
            "no se genera su carta."
        )
    moneda = acuerdo.moneda
    cuotas = sorted(acuerdo.cuotas, key=lambda c: c.numero)
    if not cuotas or sum((c.monto for c in cuotas), CERO) != acuerdo.total_acordado:
        raise ErrorCarta(
            f"El calendario del acuerdo n.º {acuerdo.id} no suma el total acordado: "
            "revise las cuotas antes de generar la carta."
        )
    saldos = _saldos_al_acordar(caso, acuerdo)
    obligaciones = []
    for o in caso.obligaciones:
        saldo = saldos[o.id]
        total = sum(saldo.values(), CERO)
        if total <= CERO:
            continue
        obligaciones.append({
            "referencia": o.referencia,
            "factura": o.numero_factura or "",
            "vencimiento": formato.fecha(o.fecha_vencimiento),
            **{c: dinero(saldo[c], moneda) for c, _ in COMPONENTES},
            "saldo": dinero(total, moneda),
        })
    componentes = []
    for clave, nombre in COMPONENTES:
        deuda = getattr(acuerdo, f"deuda_{clave}")
        quita = getattr(acuerdo, f"quita_{clave}")
        if deuda or quita:
            componentes.append({
                "nombre": nombre,
                "deuda": dinero(deuda, moneda),
                "quita": dinero(quita, moneda),
                "acordado": dinero(deuda - quita, moneda),
            })
    pronto_pago = acuerdo.tipo == "pronto_pago"
    return {
        "id": acuerdo.id,
        "tipo": acuerdo.tipo,
        "nombre_tipo": acuerdo.nombre_tipo,
        "pronto_pago": pronto_pago,
        "estado": acuerdo.estado,
        "nombre_estado": acuerdo.nombre_estado,
        "moneda": moneda,
        "obligaciones": obligaciones,
        "componentes": componentes,
        "deuda": dinero(acuerdo.deuda_total, moneda),
        "quita": dinero(acuerdo.quita_total, moneda),
        "hay_quita": acuerdo.quita_total > CERO,
        "quita_pct": porcentaje(acuerdo.quita_total, acuerdo.deuda_total),
        "total": dinero(acuerdo.total_acordado, moneda),
        "abono_inicial": dinero(acuerdo.abono_inicial, moneda),
        "hay_abono_inicial": acuerdo.abono_inicial > CERO,
        # From the schedule itself (the abono inicial is not one of the cuotas).
        "numero_cuotas": sum(1 for c in cuotas if c.numero > 0),
        # "… en 6 cuotas mensuales"
        "frecuencia": {"semanal": "semanales", "quincenal": "quincenales",
                       "mensual": "mensuales"}.get(acuerdo.frecuencia, acuerdo.frecuencia),
        "fecha_limite": formato.fecha(acuerdo.fecha_limite) if acuerdo.fecha_limite else "",
        "pagado": dinero(acuerdo.pagado, moneda),
        "hay_pagos": acuerdo.pagado > CERO,
        "dias_gracia": caso.acreedor.dias_gracia_cuota,
        "cuotas": [
            {
                "numero": "Abono inicial" if c.numero == 0
                else ("Pago único" if pronto_pago and len(cuotas) == 1 else str(c.numero)),
                "abono_inicial": c.numero == 0,
                "fecha": formato.fecha(c.fecha),
                "monto": dinero(c.monto, moneda),
            }
            for c in cuotas
        ],
        "primera_fecha": formato.fecha(cuotas[0].fecha),
        "ultima_fecha": formato.fecha(cuotas[-1].fecha),
    }


def contexto_paz_y_salvo(caso) -> dict:
    # Checked again at generation: a payment reversed after the request reopens the debt.
    if caso.saldo > CERO or caso.etapa != "pagado":
        raise ErrorCarta(
            "El caso ya no está pagado en su totalidad: no se expide el paz y salvo."
        )
    moneda = caso.acreedor.moneda
    # Summed in Python: a caso has few payments, and Decimal stays exact on every database.
    pagos = db.session.execute(
        select(Pago.monto, Pago.credito, Pago.fecha)
        .where(Pago.caso_id == caso.id, Pago.estado == "aplicado")
    ).all()
    total = sum((p.monto for p in pagos), CERO)
    credito = sum((p.credito or CERO for p in pagos), CERO)
    ultimo = max((p.fecha for p in pagos), default=None)
    acuerdo = db.session.scalars(
        select(Acuerdo)
        .where(Acuerdo.caso_id == caso.id, Acuerdo.acreedor_id == caso.acreedor_id,
               Acuerdo.estado == "cumplido")
        .order_by(Acuerdo.id.desc())  # one open at a time: the latest is the last closed
        .limit(1)
    ).first()
    obligaciones = [
        {
            "referencia": o.referencia,
            "factura": o.numero_factura or "",
            "vencimiento": formato.fecha(o.fecha_vencimiento),
            "valor": dinero(o.capital + o.intereses + o.gastos, o.moneda or moneda),
            "saldo": dinero(o.saldo, o.moneda or moneda),
        }
        for o in caso.obligaciones
    ]
    datos = {
        "obligaciones": obligaciones,
        "saldo": dinero(caso.saldo, moneda),
        "total_pagado": dinero(total, moneda),
        "credito": dinero(credito, moneda),
        "hay_credito": credito > CERO,
        "ultimo_pago": formato.fecha(ultimo),
        "acuerdo": None,
    }
    if acuerdo is not None and acuerdo.quita_total > CERO:
        datos["acuerdo"] = {
            "id": acuerdo.id,
            "quita": dinero(acuerdo.quita_total, acuerdo.moneda),
            "quita_pct": porcentaje(acuerdo.quita_total, acuerdo.deuda_total),
            "total": dinero(acuerdo.total_acordado, acuerdo.moneda),
            "deuda": dinero(acuerdo.deuda_total, acuerdo.moneda),
        }
    return datos


def acuerdo_vigente_id(caso_id: int) -> int | None:
    """The caso's vigente acuerdo (for the "Regenerar carta del acuerdo" button), if any.
    The caller has already loaded the caso through the tenant check."""
    return db.session.scalar(
        select(Acuerdo.id)
        .where(Acuerdo.caso_id == caso_id, Acuerdo.estado == "vigente")
        .order_by(Acuerdo.id.desc())
        .limit(1)
    )
