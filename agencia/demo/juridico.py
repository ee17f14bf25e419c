"""Demo jurídico: the first acreedor's referral rule (60 days in negociacion, the acreedor
approves each referral), one referral waiting for the acreedor on the portal, and two casos in
jurídico with their court proceso — one in the demo abogado's hands with court, radicado, a
hearing next week, three actuaciones and a cost; one with an external law firm.

Everything goes through the real services (rule, referral, notice letter, approval, proceso),
except the notice letters' generation: their rows are marked lista, sent twelve days ago,
without running wkhtmltopdf (there is no PDF to download). Deterministic (lowest caso ids) and
idempotent: an acreedor that already has a referral rule is left alone.
"""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import exists, select

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos.modelos import Acuerdo
from agencia.auth.modelos import Usuario
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Caso
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.juridico.modelos import Remision
from agencia.juridico.procesos import guardar_proceso, registrar_actuacion, registrar_costo
from agencia.juridico.remision import (
    RemisionInvalida,
    avanzar_remisiones,
    decidir_remision,
    guardar_regla,
    regla_de,
    solicitar_remision,
)
from agencia.promesas.servicios import hoy_local
from agencia.tipos import ahora

REGLA_DEMO = {"activa": True, "dias_en_negociacion": "60", "acuerdos_incumplidos": "",
              "saldo_minimo": "", "dias_tras_aviso": "10", "requiere_aprobacion": True}
MOTIVO_REMISION = "Sin pago ni acuerdo tras la gestión prejurídica y la negociación."
FIRMA_DEMO = "Restrepo & Asociados Abogados S.A.S."
ACTUACIONES = (
    (9, "demanda", "Radicación de la demanda ejecutiva con el pagaré original."),
    (5, "mandamiento", "El juzgado libra mandamiento de pago por el capital y los intereses."),
    (1, "notificacion", "Notificación personal al deudor en la dirección registrada."),
)


def sembrar_juridico(acreedores: list[Acreedor], usuarios: dict) -> int:
    """The demo's jurídico on the first acreedor; returns how many remisiones it made."""
    if not acreedores:
        return 0
    acreedor = acreedores[0]
    if regla_de(acreedor.id) is not None:
        return 0
    supervisor, abogado = usuarios["supervisor"], usuarios["abogado"]
    cliente = db.session.scalar(select(Usuario).where(Usuario.rol == "cliente",
                                                      Usuario.acreedor_id == acreedor.id))
    guardar_regla(acreedor, REGLA_DEMO, usuarios["admin"])
    remisiones = []
    for caso in _candidatos(acreedor):
        try:
            remisiones.append(solicitar_remision(caso, supervisor, MOTIVO_REMISION))
        except RemisionInvalida:
            continue  # e.g. the deudor may not receive letters
        if len(remisiones) == 3:
            break
    enviado = ahora() - timedelta(days=12)
    for remision in remisiones:  # the notice went out twelve days ago
        carta = db.session.get(Carta, remision.carta_aviso_id)
        carta.estado, carta.progreso, carta.terminado_en = "lista", 100, enviado
        remision.creado_en = enviado - timedelta(days=1)
    db.session.flush()
    avanzar_remisiones(hoy_local())  # → pendiente_acreedor (the rule asks for approval)
    if cliente is not None:
        for remision in remisiones[1:]:
            if remision.estado == "pendiente_acreedor":
                decidir_remision(remision, cliente, True, "Aprobado para cobro judicial.")
    db.session.flush()
    en_juridico = [r.caso for r in remisiones[1:] if r.caso.etapa == "juridico"]
    if en_juridico:
        _proceso_del_abogado(en_juridico[0], supervisor, abogado)
    if len(en_juridico) > 1:
        guardar_proceso(en_juridico[1], {"firma_externa": FIRMA_DEMO, "abogado_id": "",
                                         "tipo_proceso": "monitorio",
                                         "juzgado": "Juzgado 12 Civil Municipal de Medellín"},
                        supervisor)
    db.session.flush()
    return len(remisiones)


def _candidatos(acreedor: Acreedor) -> list[Caso]:
    """Open casos without acuerdos or remisiones, with an agent, lowest ids first."""
    return list(db.session.scalars(
        select(Caso).join(Deudor, Deudor.id == Caso.deudor_id)
        .where(Caso.acreedor_id == acreedor.id, Caso.agente_id.is_not(None),
               Caso.etapa.in_(("prejuridico", "negociacion")), Caso.en_disputa.is_(False),
               Caso.saldo > 0, Deudor.no_contactar.is_(False),
               ~exists().where(Acuerdo.caso_id == Caso.id),
               ~exists().where(Remision.caso_id == Caso.id))
        .order_by(Caso.id).limit(20)))


def _proceso_del_abogado(caso: Caso, supervisor: Usuario, abogado: Usuario) -> None:
    hoy = hoy_local()
    audiencia = (hoy + timedelta(days=7)).isoformat() + "T09:30"
    proceso = guardar_proceso(caso, {
        "abogado_id": str(abogado.id), "firma_externa": "", "tipo_proceso": "ejecutivo",
        "juzgado": "Juzgado 5 Civil Municipal de Bogotá",
        "radicado": f"11001-4003-005-{hoy.year}-{caso.id:05d}-00",
        "proxima_audiencia": audiencia}, supervisor)
    for dias, tipo, descripcion in ACTUACIONES:
        registrar_actuacion(proceso, hoy - timedelta(days=dias), tipo, descripcion, abogado)
    registrar_costo(proceso, hoy - timedelta(days=9), "Arancel judicial y copias",
                    Decimal("185000"), abogado)
