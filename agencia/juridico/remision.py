"""Legal referral (remisión a jurídico): request, notice, wait, approval, referral.

A supervisor (or the acreedor's ReglaRemision, from the periodic job) asks for a referral:
the Remision starts esperando_aviso and requests the "aviso de remisión jurídica" letter. The
letter worker applies the contact policy (a blocked letter waits "esperando"), so the notice
counts as sent only when its Carta is "lista". From the notice's local date plus the rule's
dias_tras_aviso the caso may be referred: straight away, or after the acreedor's approval on
the portal when its rule requires it (pendiente_acreedor). Referring is the only way a caso
enters etapa juridico (cambiar_etapa with usuario None). Every state change is a conditional
UPDATE (a double post applies once) and is audited. Services never commit; callers do, and
queue the notice letter (encolar_aviso) after committing.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.servicios import registrar
from agencia.cartas.errores import CartaSinCola, ErrorCarta
from agencia.cartas.servicios import encolar_carta, solicitar_carta
from agencia.casos.etapas import ETAPAS_CERRADAS, cambiar_etapa
from agencia.casos.modelos import Caso
from agencia.deudores.modelos import Deudor
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.juridico.modelos import ESTADOS_REMISION, REMISION_ABIERTA, ReglaRemision, Remision
from agencia.promesas.servicios import hoy_local
from agencia.tipos import ahora

PLANTILLA_AVISO = "aviso_remision_juridica"
DIAS_TRAS_AVISO = 10  # when the acreedor has no rule
MAXIMO_DIAS_TRAS_AVISO = 90
MINIMO_MOTIVO = 10
MAXIMO_MOTIVO = 2000
ETAPAS_REMITIBLES = ("prejuridico", "negociacion", "acuerdo")
LOTE = 500


class RemisionInvalida(EntradaInvalida):
    """A referral refused or a bad rule; the message says why (Spanish)."""


class RemisionCambiada(RemisionInvalida):
    """The remision is no longer in the state the decision expected (applied meanwhile)."""


# ---------------------------------------------------------------- reading


def _zona() -> ZoneInfo:
    return ZoneInfo(current_app.config["TZ_DEFAULT"])


def dia_local(momento: datetime) -> date:
    return momento.astimezone(_zona()).date()


def regla_de(acreedor_id: int) -> ReglaRemision | None:
    return db.session.scalar(select(ReglaRemision).where(ReglaRemision.acreedor_id == acreedor_id))


def ultima_remision(caso_id: int) -> Remision | None:
    return db.session.scalars(select(Remision).where(Remision.caso_id == caso_id)
                              .order_by(Remision.id.desc()).limit(1)).first()


def remision_abierta(caso_id: int) -> Remision | None:
    return db.session.scalars(select(Remision).where(
        Remision.caso_id == caso_id, Remision.estado.in_(REMISION_ABIERTA))).first()


def acuerdos_incumplidos(caso_id: int) -> int:
    return db.session.scalar(select(func.count(Acuerdo.id)).where(
        Acuerdo.caso_id == caso_id, Acuerdo.estado == "incumplido"))


def dias_en_etapa(caso: Caso, hoy: date) -> int:
    return (hoy - dia_local(caso.etapa_desde)).days if caso.etapa_desde else 0


def contar_pendientes(acreedor_id: int) -> int:
    """Remisiones waiting for this acreedor's decision (the portal's nav badge)."""
    return db.session.scalar(select(func.count(Remision.id)).where(
        Remision.acreedor_id == acreedor_id, Remision.estado == "pendiente_acreedor"))


def _moneda(valor: Decimal) -> str:
    return f"{valor:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def incumplimientos_regla(caso: Caso, regla: ReglaRemision | None, hoy: date) -> list[str]:
    """Why the caso does not meet the acreedor's rule (empty list: it does). A caso meets it
    with at least this saldo and (days in negociacion or broken acuerdos) reached."""
    if regla is None or not regla.activa:
        return ["el acreedor no tiene una regla de remisión activa"]
    fallas = []
    if regla.saldo_minimo is not None and caso.saldo < regla.saldo_minimo:
        fallas.append(f"el saldo ({_moneda(caso.saldo)}) es menor que el mínimo de la regla "
                      f"({_moneda(regla.saldo_minimo)})")
    criterios = []
    if regla.dias_en_negociacion is not None:
        if caso.etapa != "negociacion":
            criterios.append(f"el caso no está en negociación (la regla pide "
                             f"{regla.dias_en_negociacion} días en negociación)")
        elif (dias := dias_en_etapa(caso, hoy)) < regla.dias_en_negociacion:
            criterios.append(f"lleva {dias} días en negociación y la regla pide "
                             f"{regla.dias_en_negociacion}")
        else:
            criterios = None
    if criterios is not None and regla.acuerdos_incumplidos is not None:
        if (rotos := acuerdos_incumplidos(caso.id)) < regla.acuerdos_incumplidos:
            criterios.append(f"tiene {rotos} acuerdos incumplidos y la regla pide "
                             f"{regla.acuerdos_incumplidos}")
        else:
            criterios = None
    if criterios is not None:
        fallas += criterios or ["la regla no define días en negociación ni acuerdos incumplidos"]
    return fallas


def _cumplidos_regla(caso: Caso, regla: ReglaRemision, hoy: date) -> str:
    partes = []
    if regla.dias_en_negociacion is not None and caso.etapa == "negociacion":
        partes.append(f"{dias_en_etapa(caso, hoy)} días en negociación")
    if regla.acuerdos_incumplidos is not None:
        partes.append(f"{acuerdos_incumplidos(caso.id)} acuerdos incumplidos")
    return "Regla del acreedor: " + ", ".join(partes) + "."


def _impedimento(caso: Caso) -> str | None:
    """Why this caso cannot be referred now (None when nothing stops it)."""
    if caso.etapa in ETAPAS_CERRADAS:
        return f"el caso está cerrado ({caso.nombre_etapa})"
    if caso.en_disputa:
        return "el caso está en disputa: no se remite a jurídico hasta resolverla"
    return None


# ---------------------------------------------------------------- request


def _validar_motivo(motivo: str | None, campo: str = "motivo", que: str = "de la remisión") -> str:
    motivo = (motivo or "").strip()
    if len(motivo) < MINIMO_MOTIVO:
        raise RemisionInvalida(campo, f"Explique el motivo {que} "
                                      f"(al menos {MINIMO_MOTIVO} caracteres).")
    if len(motivo) > MAXIMO_MOTIVO:
        raise RemisionInvalida(campo, f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.")
    return motivo


def solicitar_remision(caso: Caso, usuario, motivo: str | None, origen: str = "supervisor",
                       *, hoy: date | None = None) -> Remision:
    """Creates the Remision (esperando_aviso) and requests its notice letter (pendiente).
    Raises RemisionInvalida, nothing written, when the caso cannot be referred. The caller
    commits, then calls encolar_aviso."""
    if caso.etapa == "juridico":
        raise RemisionInvalida("caso", "El caso ya está en Jurídico.")
    if motivo_cierre := _impedimento(caso):
        raise RemisionInvalida("caso", f"No se puede remitir: {motivo_cierre}.")
    if caso.deudor.no_contactar:
        raise RemisionInvalida(
            "caso", "No se puede remitir: el deudor está marcado como «no contactar» y el "
                    "aviso de remisión jurídica no puede enviarse.")
    if (abierta := remision_abierta(caso.id)) is not None:
        raise RemisionInvalida(
            "caso", f"El caso ya tiene una remisión en curso (n.º {abierta.id}: "
                    f"{abierta.nombre_estado.lower()}).")
    if origen == "regla":
        hoy = hoy or hoy_local()
        if fallas := incumplimientos_regla(caso, regla_de(caso.acreedor_id), hoy):
            raise RemisionInvalida("caso", "El caso no cumple la regla de remisión del "
                                           "acreedor: " + "; ".join(fallas) + ".")
    elif origen != "supervisor":
        raise RemisionInvalida("origen", f"El origen «{origen}» no existe.")
    motivo = _validar_motivo(motivo)
    usuario_id = getattr(usuario, "id", None)
    try:
        carta = solicitar_carta(caso.id, PLANTILLA_AVISO, usuario_id)
    except ErrorCarta as error:
        raise RemisionInvalida("caso", f"No se puede remitir: {error}") from error
    remision = Remision(acreedor_id=caso.acreedor_id, caso_id=caso.id, origen=origen,
                        estado="esperando_aviso", motivo=motivo, carta_aviso_id=carta.id,
                        solicitada_por=usuario_id)
    db.session.add(remision)
    db.session.flush()
    registrar("remision.solicitada", "remision", remision.id, acreedor_id=caso.acreedor_id,
              despues={"caso_id": caso.id, "origen": origen, "motivo": motivo,
                       "carta_aviso_id": carta.id, "estado": remision.estado},
              usuario_id=usuario_id)
    return remision


def encolar_aviso(remision: Remision) -> bool:
    """Queues the notice letter (after the commit). False when Redis is down: the periodic
    re-queue of cartas generates it later."""
    if remision.carta_aviso is None or remision.carta_aviso.estado != "pendiente":
        return True
    try:
        encolar_carta(remision.carta_aviso)
    except CartaSinCola:
        return False
    return True


# ---------------------------------------------------------------- state changes


def _cambiar_estado(remision: Remision, desde: tuple, **valores) -> None:
    """Conditional UPDATE: applied only if the remision is still in one of `desde`."""
    resultado = db.session.execute(
        update(Remision).where(Remision.id == remision.id, Remision.estado.in_(desde))
        .values(**valores).execution_options(synchronize_session=False))
    if resultado.rowcount != 1:
        db.session.refresh(remision)
        raise RemisionCambiada(
            "estado", f"La remisión n.º {remision.id} ya no está en ese paso: ahora está "
                      f"«{remision.nombre_estado}». No se aplicó nada.")
    for campo, valor in valores.items():
        set_committed_value(remision, campo, valor)


def _cancelar(remision: Remision, motivo: str, usuario_id: int | None) -> None:
    antes = remision.estado
    _cambiar_estado(remision, REMISION_ABIERTA, estado="cancelada", decision_motivo=motivo,
                    decidida_por=usuario_id, decidida_en=ahora())
    registrar("remision.cancelada", "remision", remision.id, acreedor_id=remision.acreedor_id,
              antes={"estado": antes}, despues={"estado": "cancelada", "motivo": motivo},
              usuario_id=usuario_id)


def _remitir(remision: Remision, desde: tuple, usuario_id: int | None = None, **valores) -> bool:
    """Moves the caso to juridico (system transition); cancels instead, audited, when the caso
    was closed or is in disputa by now. True when the caso was referred."""
    caso = remision.caso
    if motivo := _impedimento(caso):
        _cancelar(remision, f"Cancelada por el sistema: {motivo}.", None)
        return False
    momento = ahora()
    antes = remision.estado
    _cambiar_estado(remision, desde, estado="remitida", remitida_en=momento, **valores)
    cambiar_etapa(caso, "juridico", None, f"Remisión a jurídico n.º {remision.id}: "
                                          f"{remision.motivo}"[:2000], momento=momento)
    registrar("remision.remitida", "remision", remision.id, acreedor_id=remision.acreedor_id,
              antes={"estado": antes}, despues={"estado": "remitida", "caso_id": caso.id},
              usuario_id=usuario_id)
    return True


def cancelar_remision(remision: Remision, usuario, motivo: str | None) -> Remision:
    """A supervisor stops an open referral (e.g. its notice letter ended in error)."""
    if remision.estado not in REMISION_ABIERTA:
        raise RemisionCambiada("estado", f"La remisión n.º {remision.id} ya terminó "
                                         f"(«{remision.nombre_estado}»): no se puede cancelar.")
    motivo = _validar_motivo(motivo, que="de la cancelación")
    _cancelar(remision, motivo, usuario.id)
    return remision


def decidir_remision(remision: Remision, usuario_cliente, aprobar: bool,
                     motivo: str | None) -> Remision:
    """The acreedor approves (the caso goes to juridico) or rejects (a reason is required) a
    remision pendiente_acreedor. A second post of the same decision raises RemisionCambiada."""
    if remision.estado != "pendiente_acreedor":
        raise RemisionCambiada(
            "estado", f"La remisión n.º {remision.id} ya no espera su decisión: está "
                      f"«{remision.nombre_estado}». No se aplicó nada.")
    momento = ahora()
    if aprobar:
        motivo = (motivo or "").strip()[:MAXIMO_MOTIVO] or None
        if _remitir(remision, ("pendiente_acreedor",), usuario_cliente.id,
                    decidida_por=usuario_cliente.id, decidida_en=momento,
                    decision_motivo=motivo):
            registrar("remision.aprobada", "remision", remision.id,
                      acreedor_id=remision.acreedor_id, despues={"motivo": motivo},
                      usuario_id=usuario_cliente.id)
        return remision
    motivo = _validar_motivo(motivo, que="del rechazo")
    _cambiar_estado(remision, ("pendiente_acreedor",), estado="rechazada",
                    decidida_por=usuario_cliente.id, decidida_en=momento,
                    decision_motivo=motivo)
    registrar("remision.rechazada", "remision", remision.id, acreedor_id=remision.acreedor_id,
              antes={"estado": "pendiente_acreedor"},
              despues={"estado": "rechazada", "motivo": motivo}, usuario_id=usuario_cliente.id)
    return remision


# ---------------------------------------------------------------- periodic


def _avanzar_una(remision: Remision, hoy: date, cuenta: dict) -> None:
    caso = remision.caso
    if caso.etapa in ETAPAS_CERRADAS:
        _cancelar(remision, f"Cancelada por el sistema: el caso se cerró ({caso.nombre_etapa}).",
                  None)
        cuenta["canceladas"] += 1
        return
    if remision.estado == "pendiente_acreedor":
        if caso.en_disputa:
            _cancelar(remision, "Cancelada por el sistema: el caso está en disputa.", None)
            cuenta["canceladas"] += 1
        return
    carta = remision.carta_aviso
    if carta is None or carta.estado != "lista" or carta.terminado_en is None:
        cuenta["esperando_aviso"] += 1  # the notice has not gone out (yet)
        return
    regla = regla_de(remision.acreedor_id)
    if remision.remitir_desde is None:
        dias = regla.dias_tras_aviso if regla is not None else DIAS_TRAS_AVISO
        _cambiar_estado(remision, ("esperando_aviso",),
                        remitir_desde=dia_local(carta.terminado_en) + timedelta(days=dias))
    if hoy < remision.remitir_desde:
        cuenta["esperando_plazo"] += 1
        return
    if caso.en_disputa:
        _cancelar(remision, "Cancelada por el sistema: el caso está en disputa.", None)
        cuenta["canceladas"] += 1
    elif regla is not None and regla.requiere_aprobacion:
        _cambiar_estado(remision, ("esperando_aviso",), estado="pendiente_acreedor")
        registrar("remision.pendiente_acreedor", "remision", remision.id,
                  acreedor_id=remision.acreedor_id, antes={"estado": "esperando_aviso"},
                  despues={"estado": "pendiente_acreedor"})
        cuenta["pendiente_acreedor"] += 1
    elif _remitir(remision, ("esperando_aviso",)):
        cuenta["remitidas"] += 1
    else:
        cuenta["canceladas"] += 1


def avanzar_remisiones(hoy: date | None = None) -> dict:
    """Periodic and idempotent: open remisiones whose notice letter is lista get their
    remitir_desde; from that day they go to the acreedor's approval or to juridico. Casos closed
    meanwhile (or in disputa when the referral is due) cancel their remision, audited."""
    hoy = hoy or hoy_local()
    cuenta = dict.fromkeys(("remitidas", "pendiente_acreedor", "canceladas", "esperando_aviso",
                            "esperando_plazo", "errores"), 0)
    ultimo = 0
    while True:
        lote = db.session.scalars(
            select(Remision).where(Remision.estado.in_(REMISION_ABIERTA), Remision.id > ultimo)
            .options(selectinload(Remision.caso), selectinload(Remision.carta_aviso))
            .order_by(Remision.id).limit(LOTE)).all()
        if not lote:
            return cuenta
        for remision in lote:
            ultimo = remision.id
            try:
                with db.session.begin_nested():
                    _avanzar_una(remision, hoy, cuenta)
            except Exception:  # one bad row must not stop the others
                current_app.logger.exception("Remisión %s: no se pudo avanzar", remision.id)
                cuenta["errores"] += 1


def casos_que_cumplen(regla: ReglaRemision, hoy: date):
    """Select of the ids of the acreedor's casos that meet its rule and have no remision in
    course or done; a rejected or cancelled one holds while the caso stays in the same etapa."""
    criterios = []
    if regla.dias_en_negociacion is not None:
        corte = datetime.combine(hoy - timedelta(days=regla.dias_en_negociacion - 1), time(),
                                 tzinfo=_zona())
        criterios.append(and_(Caso.etapa == "negociacion", Caso.etapa_desde < corte))
    if regla.acuerdos_incumplidos is not None:
        rotos = (select(func.count(Acuerdo.id))
                 .where(Acuerdo.caso_id == Caso.id, Acuerdo.estado == "incumplido")
                 .scalar_subquery())
        criterios.append(rotos >= regla.acuerdos_incumplidos)
    if not criterios:
        return None
    previa = exists().where(Remision.caso_id == Caso.id, or_(
        Remision.estado.in_((*REMISION_ABIERTA, "remitida")),
        Remision.creado_en >= Caso.etapa_desde))
    consulta = (select(Caso.id).join(Deudor, Deudor.id == Caso.deudor_id).where(
        Caso.acreedor_id == regla.acreedor_id, Caso.etapa.in_(ETAPAS_REMITIBLES),
        Caso.en_disputa.is_(False), Deudor.no_contactar.is_(False), or_(*criterios), ~previa))
    if regla.saldo_minimo is not None:
        consulta = consulta.where(Caso.saldo >= regla.saldo_minimo)
    return consulta.order_by(Caso.id)


def aplicar_reglas(hoy: date | None = None, *, al_lote=None) -> int:
    """Periodic: creates a remision (origen regla) for each caso meeting its acreedor's
    active rule. `al_lote(remisiones)` is called after each batch (the job commits there and
    queues the notices). Returns how many remisiones were created."""
    hoy = hoy or hoy_local()
    creadas = 0
    for regla in db.session.scalars(select(ReglaRemision).where(ReglaRemision.activa.is_(True))
                                    .order_by(ReglaRemision.id)).all():
        consulta = casos_que_cumplen(regla, hoy)
        if consulta is None:
            continue
        ids = db.session.scalars(consulta).all()
        for inicio in range(0, len(ids), LOTE):
            nuevas = []
            casos = db.session.scalars(select(Caso).where(Caso.id.in_(ids[inicio:inicio + LOTE]))
                                       .options(selectinload(Caso.deudor))).all()
            for caso in casos:
                try:
                    with db.session.begin_nested():
                        nuevas.append(solicitar_remision(
                            caso, None, _cumplidos_regla(caso, regla, hoy), "regla", hoy=hoy))
                except RemisionInvalida as error:
                    current_app.logger.info("Caso %s no remitido por regla: %s", caso.id,
                                            error.mensaje)
            creadas += len(nuevas)
            if al_lote:
                al_lote(nuevas)
    return creadas


# ---------------------------------------------------------------- the acreedor's rule


def _entero(datos: dict, campo: str, nombre: str, maximo: int | None = None,
            opcional: bool = True) -> int | None:
    texto = str(datos.get(campo) or "").strip()
    if not texto:
        if opcional:
            return None
        raise RemisionInvalida(campo, f"Indique {nombre}.")
    try:
        valor = int(texto)
    except ValueError:
        raise RemisionInvalida(campo, f"{nombre.capitalize()}: escriba un número entero.") from None
    if valor < 0 or (maximo is not None and valor > maximo):
        rango = f"entre 0 y {maximo}" if maximo is not None else "0 o más"
        raise RemisionInvalida(campo, f"{nombre.capitalize()}: debe ser {rango}.")
    return valor


def _decimal(datos: dict, campo: str) -> Decimal | None:
    texto = str(datos.get(campo) or "").strip().replace(" ", "")
    if not texto:
        return None
    if "," in texto:
        texto = texto.replace(".", "").replace(",", ".")
    try:
        valor = Decimal(texto)
    except InvalidOperation:
        raise RemisionInvalida(campo, "Saldo mínimo: escriba un monto (ej. 1500000).") from None
    if not valor.is_finite() or valor < 0:
        raise RemisionInvalida(campo, "Saldo mínimo: debe ser 0 o más.")
    if valor.as_tuple().exponent < -2:
        raise RemisionInvalida(campo, "Saldo mínimo: hasta dos decimales.")
    return valor


def _booleano(valor) -> bool:
    return valor is True or str(valor or "").strip().lower() in ("1", "on", "true", "si", "sí")


def validar_regla(datos: dict) -> dict:
    valores = {
        "activa": _booleano(datos.get("activa")),
        "dias_en_negociacion": _entero(datos, "dias_en_negociacion", "los días en negociación"),
        "acuerdos_incumplidos": _entero(datos, "acuerdos_incumplidos",
                                        "los acuerdos incumplidos"),
        "saldo_minimo": _decimal(datos, "saldo_minimo"),
        "dias_tras_aviso": _entero(datos, "dias_tras_aviso", "los días tras el aviso",
                                   MAXIMO_DIAS_TRAS_AVISO, opcional=False),
        "requiere_aprobacion": _booleano(datos.get("requiere_aprobacion")),
    }
    if valores["activa"] and valores["dias_en_negociacion"] is None \
            and valores["acuerdos_incumplidos"] is None:
        raise RemisionInvalida(
            "activa", "Una regla activa necesita al menos un criterio: días en negociación o "
                      "acuerdos incumplidos.")
    return valores


def foto_regla(regla: ReglaRemision) -> dict:
    return {campo: (str(valor) if isinstance(valor, Decimal) else valor)
            for campo in ("activa", "dias_en_negociacion", "acuerdos_incumplidos",
                          "saldo_minimo", "dias_tras_aviso", "requiere_aprobacion")
            for valor in [getattr(regla, campo)]}


def guardar_regla(acreedor, datos: dict, usuario) -> ReglaRemision:
    """Creates or updates the acreedor's rule (validated, audited). The caller commits."""
    valores = validar_regla(datos)
    regla = regla_de(acreedor.id)
    antes = foto_regla(regla) if regla is not None else None
    if regla is None:
        regla = ReglaRemision(acreedor_id=acreedor.id)
        db.session.add(regla)
    for campo, valor in valores.items():
        setattr(regla, campo, valor)
    regla.actualizado_por = usuario.id
    db.session.flush()
    registrar("regla_remision.guardada", "regla_remision", regla.id, acreedor_id=acreedor.id,
              antes=antes, despues=foto_regla(regla), usuario_id=usuario.id)
    return regla


def nombre_estado(estado: str) -> str:
    return ESTADOS_REMISION.get(estado, estado)
