"""A month of past gestiones for the demo casos, so the product looks lived-in.

Gestiones are written directly with past times (the service that logs a gestion stamps the
present moment). They fall on working hours of the acreedor's country, Monday to Saturday,
at most one per caso and day; each leaves its audit entry with the same time. A promise to
pay moves the caso to negociacion; promises and callbacks set the next action date.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from agencia.auditoria.servicios import registrar
from agencia.casos.modelos import Caso, Gestion
from agencia.demo import datos
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from agencia.formato import dinero
from agencia.tipos import ahora

DIAS_ATRAS = 30


def _elegir(azar: random.Random, opciones: list[tuple[str, int]]) -> str:
    valores, pesos = zip(*opciones, strict=True)
    return azar.choices(valores, weights=pesos)[0]


def _momento(azar: random.Random, zona: str, limite: datetime) -> datetime:
    """A past working-hours moment (Mon–Sat, 08:00–17:59 local), in UTC."""
    tz = ZoneInfo(zona)
    dia = limite.astimezone(tz).date() - timedelta(days=azar.randint(0, DIAS_ATRAS - 1))
    if dia.weekday() == 6:
        dia -= timedelta(days=1)
    local = datetime.combine(dia, time(azar.randint(8, 17), azar.randint(0, 59)), tzinfo=tz)
    while local > limite:
        local -= timedelta(days=1 if local.weekday() != 0 else 2)
    return local.astimezone(limite.tzinfo)


def _nota(azar: random.Random, resultado: str, caso: Caso, momento: datetime) -> tuple[str, int]:
    """The note and, for promises and callbacks, in how many days the next action falls."""
    plazo = azar.randint(2, 10) if resultado == "promesa_pago" else azar.randint(1, 3)
    monto = caso.saldo * azar.randint(10, 50) // 100 // 1000 * 1000  # round thousands
    fecha = (momento.date() + timedelta(days=plazo)).strftime("%d/%m/%Y")
    nota = azar.choice(datos.NOTAS[resultado]).format(
        monto=dinero(max(monto, Decimal(1000)), caso.acreedor.moneda), fecha=fecha)
    return nota, plazo


def registrar_gestiones_pasadas(lote_ids: list[int], azar: random.Random, cantidad: int) -> int:
    """Appends about `cantidad` gestiones to casos of these lotes; returns how many."""
    if not lote_ids:
        return 0
    casos = db.session.scalars(
        select(Caso).where(Caso.lote_id.in_(lote_ids), Caso.agente_id.is_not(None))
        .options(joinedload(Caso.acreedor)).order_by(Caso.id)
    ).all()
    if not casos:
        return 0
    con_email = set(db.session.scalars(select(Contacto.deudor_id).where(
        Contacto.tipo == "email", Contacto.deudor_id.in_({c.deudor_id for c in casos}))))
    elegidos = azar.sample(casos, min(len(casos), max(1, cantidad * 2 // 3)))
    limite = ahora()

    planeadas, usados = [], set()
    for _ in range(cantidad):
        caso = azar.choice(elegidos)
        momento = _momento(azar, caso.acreedor.zona_horaria, limite)
        if (caso.id, momento.date()) in usados:
            continue
        usados.add((caso.id, momento.date()))
        canal = _elegir(azar, datos.CANALES_GESTION)
        if canal == "email" and caso.deudor_id not in con_email:
            canal = "llamada"
        planeadas.append((momento, caso, canal, _elegir(azar, datos.RESULTADOS_POR_CANAL[canal])))

    hechas = []
    for momento, caso, canal, resultado in sorted(planeadas, key=lambda p: (p[0], p[1].id)):
        entrante = resultado in ("titular_contactado", "promesa_pago") and azar.random() < 0.15
        nota, plazo = _nota(azar, resultado, caso, momento)
        gestion = Gestion(caso_id=caso.id, usuario_id=caso.agente_id, canal=canal,
                          direccion="entrante" if entrante else "saliente",
                          resultado=resultado, nota=nota, creado_en=momento)
        db.session.add(gestion)
        antes = {"ultima_gestion_en": caso.ultima_gestion_en, "etapa": caso.etapa}
        caso.ultima_gestion_en = momento
        if resultado in ("promesa_pago", "volver_llamar"):
            caso.proxima_accion = momento.date() + timedelta(days=plazo)
        if resultado == "promesa_pago" and caso.etapa == "prejuridico":
            caso.etapa = "negociacion"
        if resultado == "disputa":
            # As registrar_gestion does: a disputed debt stops all contact until resolved.
            caso.en_disputa, caso.disputa_desde, caso.disputa_motivo = True, momento, nota
        hechas.append((gestion, caso, antes, {"ultima_gestion_en": momento, "etapa": caso.etapa}))
    db.session.flush()
    for gestion, caso, antes, despues in hechas:
        despues["gestion"] = {"id": gestion.id, "canal": gestion.canal,
                              "resultado": gestion.resultado}
        entrada = registrar("gestion.registrada", "caso", caso.id, acreedor_id=caso.acreedor_id,
                            usuario_id=caso.agente_id, antes=antes, despues=despues)
        entrada.creado_en = gestion.creado_en
    db.session.flush()
    return len(hechas)
