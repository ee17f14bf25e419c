"""Acuerdos de pago: proposing one on a caso, the approval flow, and the scheduled verdict.

Lifecycle (ESTADOS_ACUERDO):

    proposed ─ within the mandate (level "agente") ──────────────────────────→ vigente
             └ level supervisor / acreedor → pendiente_supervisor
                 supervisor approves: level supervisor → vigente
                                      level acreedor   → pendiente_acreedor
                 acreedor approves on the portal       → vigente
                 either rejects (reason ≥ 10 chars)     → rechazado
    open (pendiente_* or vigente) ─ anular (reason) → anulado (a vigente one sends the caso
                                                    back to negociacion)
    vigente ─ a cuota unpaid past fecha + dias_gracia_cuota (job) → incumplido, caso back to
              negociacion and up its agent's bandeja
            ─ pronto pago unpaid after fecha_limite + grace (job)  → vencido, same
            ─ fully paid (agencia.pagos)                            → cumplido

Rules kept here:
- At most one acuerdo per caso in ESTADOS_ABIERTOS: a proposal locks the caso row
  (SELECT … FOR UPDATE on PostgreSQL) and checks again under the lock.
- No proposal on a closed caso, one en disputa, or one in jurídico (acuerdo judicial is the
  lawyer's, issue 9).
- Acuerdo judicial (tipo "judicial"): the plan a court approved, registered by the abogado or
  a supervisor when closing the caso's ProcesoJuridico (agencia.juridico.procesos). The court
  decided it, so there is no mandate check and no approval: it is vigente at once, and the
  caso goes juridico → acuerdo as the system. When it is broken (or annulled while vigente)
  the caso goes back to juridico, not negociacion, and its proceso reopens; fully paid, the
  caso is pagado as with any acuerdo.
- Every change of estado is a conditional UPDATE on the estado the caller saw, so a decision
  posted twice (or by two people at once) is applied once; the second gets AcuerdoCambiado.
- Becoming vigente is one function (`_efectos_vigente`): vigente_desde, the caso to etapa
  acuerdo (system transition), the "acuerdo_pago" carta requested (its id kept in carta_id).
  The caller commits and then queues the carta (`encolar_carta_del_acuerdo`).
- Everything is audited: acuerdo.proponer, .aprobar, .rechazar, .vigente, .anular,
  .incumplir, .vencer. Services flush; the request or job commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos.calculo import (
    CERO,
    COMPONENTES,
    Condiciones,
    Deuda,
    Evaluacion,
    Plan,
    calcular,
    evaluar_mandato,
)
from agencia.acuerdos.mandato import mandato_de
from agencia.acuerdos.modelos import ESTADOS_ABIERTOS, TIPO_JUDICIAL, Acuerdo, Cuota
from agencia.asignaciones.lectura import leer_monto
from agencia.auditoria.servicios import registrar
from agencia.bandejas.prioridad import actualizar_prioridad
from agencia.cartas.modelos import Carta
from agencia.cartas.servicios import CartaSinCola, ErrorCarta, encolar_carta, solicitar_carta
from agencia.casos.etapas import ETAPAS_CERRADAS, MAXIMO_MOTIVO, MINIMO_MOTIVO, cambiar_etapa
from agencia.casos.modelos import Caso, Obligacion
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.tipos import ahora

ROLES_QUE_PROPONEN = ("agente", "supervisor", "admin")
ROLES_QUE_APRUEBAN = ("supervisor", "admin")
ROLES_JUDICIALES = ("abogado", "supervisor", "admin")
# Etapas a caso may be in to get (or keep) an acuerdo; prejuridico/negociacion move to acuerdo.
ETAPAS_CON_ACUERDO = ("prejuridico", "negociacion", "acuerdo")
PLANTILLA_CARTA = "acuerdo_pago"


class AcuerdoInvalido(EntradaInvalida):
    """The proposal or decision cannot be made; the message says why (HTTP 400)."""


class AcuerdoNoPermitido(AcuerdoInvalido):
    """This user may not make this decision (HTTP 403)."""


class AcuerdoCambiado(AcuerdoInvalido):
    """The acuerdo changed state meanwhile (decision posted twice, or by someone else): 409."""


@dataclass
class Resultado:
    """What a proposal or decision produced, for the route's messages."""

    acuerdo: Acuerdo
    carta: Carta | None = None
    aviso: str | None = None  # why the carta could not be requested, if it could not


# ---------------------------------------------------------------- the debt and the calculator


def deuda_del_caso(caso_id: int) -> Deuda:
    """What the caso owes now per component (Σ of its obligaciones' saldo_*)."""
    fila = db.session.execute(
        select(func.coalesce(func.sum(Obligacion.saldo_capital), 0),
               func.coalesce(func.sum(Obligacion.saldo_intereses), 0),
               func.coalesce(func.sum(Obligacion.saldo_gastos), 0))
        .where(Obligacion.caso_id == caso_id)).one()
    return Deuda(*(Decimal(valor) for valor in fila))


def condiciones(caso: Caso, datos: dict, deuda: Deuda | None = None) -> Condiciones:
    """The calculator's input from a form's data (keys as FormularioAcuerdo's fields)."""
    tipo = datos.get("tipo") or "plan"
    pronto = tipo == "pronto_pago"
    return Condiciones(
        deuda=deuda or deuda_del_caso(caso.id),
        moneda=caso.acreedor.moneda,
        quita_pct={c: datos.get(f"quita_{c}_pct") for c in COMPONENTES},
        tipo=tipo,
        abono_inicial=CERO if pronto else (datos.get("abono_inicial") or CERO),
        numero_cuotas=1 if pronto else datos.get("numero_cuotas"),
        frecuencia=datos.get("frecuencia") or "mensual",
        primera_fecha=datos.get("fecha_limite") if pronto else datos.get("primera_fecha"),
        fecha_limite=datos.get("fecha_limite") if pronto else None,
    )


def calcular_para_caso(caso: Caso, datos: dict, hoy: date) -> tuple[Plan, Evaluacion]:
    """The plan and its mandate check for this caso's current debt (writes nothing)."""
    plan = calcular(condiciones(caso, datos), hoy)
    return plan, evaluar_mandato(plan, mandato_de(caso.acreedor_id))


def impedimento(caso: Caso) -> str | None:
    """Why no acuerdo may be proposed on this caso now (None: it may)."""
    if caso.etapa in ETAPAS_CERRADAS:
        return f"El caso está cerrado ({caso.nombre_etapa}): no admite acuerdos de pago."
    if caso.etapa == "juridico":
        return ("El caso está en Jurídico: el acuerdo judicial lo registra el abogado al "
                "cerrar el proceso (panel «Proceso jurídico»), no este panel.")
    if caso.en_disputa:
        return "El caso está en disputa: no se proponen acuerdos hasta resolverla."
    if caso.etapa not in ETAPAS_CON_ACUERDO:
        return f"El caso está en {caso.nombre_etapa}: no admite acuerdos de pago."
    return None


def acuerdo_abierto(caso_id: int) -> Acuerdo | None:
    return db.session.scalar(select(Acuerdo).where(
        Acuerdo.caso_id == caso_id, Acuerdo.estado.in_(ESTADOS_ABIERTOS))
        .order_by(Acuerdo.id.desc()).limit(1))


def acuerdos_del_caso(caso_id: int, limite: int = 10) -> list[Acuerdo]:
    return list(db.session.scalars(select(Acuerdo).where(Acuerdo.caso_id == caso_id)
                                   .order_by(Acuerdo.id.desc()).limit(limite)))


# ---------------------------------------------------------------- proposing


def proponer_acuerdo(caso: Caso, datos: dict, usuario, hoy: date,
                     nota: str | None = None) -> Resultado:
    """Creates the acuerdo and its cuotas with the snapshot of the debt.

    Level "agente" (within the mandate): vigente at once. Otherwise pendiente_supervisor.
    Raises AcuerdoInvalido (nothing written) for a caso that cannot take one, another open
    acuerdo, or inputs the calculator refuses (CalculoInvalido is an EntradaInvalida too).
    """
    if usuario.rol not in ROLES_QUE_PROPONEN:
        raise AcuerdoNoPermitido("tipo", "Su rol no puede proponer acuerdos de pago.")
    # One proposal at a time per caso: hold the caso row, then look again.
    db.session.execute(select(Caso.id).where(Caso.id == caso.id).with_for_update())
    db.session.refresh(caso)
    motivo = impedimento(caso)
    if motivo:
        raise AcuerdoInvalido("tipo", motivo)
    abierto = acuerdo_abierto(caso.id)
    if abierto is not None:
        raise AcuerdoInvalido(
            "tipo", f"El caso ya tiene un acuerdo abierto (n.º {abierto.id}, "
                    f"{abierto.nombre_estado.lower()}): anúlelo antes de proponer otro.")
    nota = (nota or "").strip() or None
    if nota and len(nota) > MAXIMO_MOTIVO:
        raise AcuerdoInvalido("nota", f"La nota admite hasta {MAXIMO_MOTIVO} caracteres.")
    plan, evaluacion = calcular_para_caso(caso, datos, hoy)
    c = plan.condiciones
    momento = ahora()
    acuerdo = Acuerdo(
        acreedor_id=caso.acreedor_id, caso_id=caso.id, tipo=c.tipo,
        estado="vigente" if evaluacion.nivel == "agente" else "pendiente_supervisor",
        moneda=c.moneda,
        deuda_capital=c.deuda.capital, deuda_intereses=c.deuda.intereses,
        deuda_gastos=c.deuda.gastos,
        quita_capital=plan.quita["capital"], quita_intereses=plan.quita["intereses"],
        quita_gastos=plan.quita["gastos"],
        total_acordado=plan.total_acordado, abono_inicial=plan.abono_inicial,
        numero_cuotas=len(plan.cuotas_regulares), frecuencia=c.frecuencia,
        primera_fecha=plan.cuotas[0].fecha, fecha_limite=c.fecha_limite,
        nivel_aprobacion=evaluacion.nivel, excepciones=list(evaluacion.excepciones),
        nota=nota, pagado=CERO, creado_por=usuario.id, creado_en=momento,
    )
    acuerdo.cuotas = [Cuota(numero=q.numero, fecha=q.fecha, monto=q.monto, pagado=CERO)
                      for q in plan.cuotas]
    db.session.add(acuerdo)
    db.session.flush()
    registrar("acuerdo.proponer", "acuerdo", acuerdo.id, acreedor_id=caso.acreedor_id,
              despues=_foto(acuerdo) | {"quita_pct": {k: str(v) for k, v in
                                                       c.quita_pct.items()}},
              usuario_id=usuario.id)
    if acuerdo.estado == "vigente":
        return _efectos_vigente(acuerdo, usuario.id, momento)
    return Resultado(acuerdo)


def _foto(acuerdo: Acuerdo) -> dict:
    """What the audit keeps of an acuerdo."""
    return {
        "caso_id": acuerdo.caso_id, "tipo": acuerdo.tipo, "estado": acuerdo.estado,
        "deuda": str(acuerdo.deuda_total), "quita_capital": acuerdo.quita_capital,
        "quita_intereses": acuerdo.quita_intereses, "quita_gastos": acuerdo.quita_gastos,
        "total_acordado": acuerdo.total_acordado, "abono_inicial": acuerdo.abono_inicial,
        "numero_cuotas": acuerdo.numero_cuotas, "frecuencia": acuerdo.frecuencia,
        "primera_fecha": acuerdo.primera_fecha, "fecha_limite": acuerdo.fecha_limite,
        "nivel_aprobacion": acuerdo.nivel_aprobacion, "excepciones": acuerdo.excepciones,
    }


# ---------------------------------------------------------------- acuerdo judicial


def _entero(valor, campo: str, mensaje: str) -> int:
    if isinstance(valor, int) and not isinstance(valor, bool):
        return valor
    texto = str(valor or "").strip()
    if not texto.isdigit():
        raise AcuerdoInvalido(campo, mensaje)
    return int(texto)


def _fecha(valor, campo: str, mensaje: str) -> date:
    if isinstance(valor, date):
        return valor
    try:
        return date.fromisoformat(str(valor or "").strip())
    except ValueError:
        raise AcuerdoInvalido(campo, mensaje) from None


def _decimal(valor, campo: str, mensaje: str, leer=None) -> Decimal | None:
    if valor is None or isinstance(valor, Decimal):
        return valor
    texto = str(valor).strip().rstrip("%").strip()
    if not texto:
        return None
    try:
        numero = leer(texto) if leer else Decimal(texto.replace(",", "."))
    except (ValueError, ArithmeticError):
        raise AcuerdoInvalido(campo, mensaje) from None
    if not numero.is_finite():
        raise AcuerdoInvalido(campo, mensaje)
    return numero


def terminos_judiciales(datos) -> dict:
    """The court-approved plan's terms from a form-like mapping (as typed: "6", "150.000",
    "12,5", "2026-12-01") or typed values, in the calculator's shape (tipo "plan").
    Required: numero_cuotas, primera_fecha; frecuencia defaults to mensual; the abono
    inicial and the quita % per component are optional (0)."""
    pct = "Escriba un porcentaje entre 0 y 100, por ejemplo 12,5."
    return {
        "tipo": "plan",
        "numero_cuotas": _entero(datos.get("numero_cuotas"), "numero_cuotas",
                                 "Número de cuotas: indique cuántas cuotas fijó el juzgado "
                                 "(un número entero)."),
        "frecuencia": (datos.get("frecuencia") or "mensual").strip(),
        "primera_fecha": _fecha(datos.get("primera_fecha"), "primera_fecha",
                                "Indique la fecha del primer pago (dd/mm/aaaa)."),
        "abono_inicial": _decimal(datos.get("abono_inicial"), "abono_inicial",
                                  "Abono inicial: escriba un monto válido, por ejemplo "
                                  "150.000.", leer_monto) or CERO,
        **{f"quita_{c}_pct": _decimal(datos.get(f"quita_{c}_pct"), f"quita_{c}_pct", pct)
           for c in COMPONENTES},
    }


def plan_judicial(caso: Caso, datos, hoy: date) -> Plan:
    """The court-approved plan for this caso's current debt (writes nothing); raises
    AcuerdoInvalido / CalculoInvalido (EntradaInvalida) for bad terms."""
    return calcular(condiciones(caso, terminos_judiciales(datos)), hoy)


def crear_acuerdo_judicial(caso: Caso, datos, usuario, hoy: date, *, motivo: str,
                           radicado: str | None = None,
                           proceso_id: int | None = None) -> Resultado:
    """Registers the plan a court approved on a caso in juridico: vigente at once (no
    mandate, no approval), the caso to acuerdo (system transition naming the acuerdo and the
    radicado), the acuerdo_pago letter requested. Audited as "acuerdo.judicial" with the
    lawyer, the radicado and the proceso. Nothing written when it raises."""
    if getattr(usuario, "rol", None) not in ROLES_JUDICIALES:
        raise AcuerdoNoPermitido("tipo", "Solo un abogado o un supervisor registra un acuerdo "
                                         "judicial.")
    db.session.execute(select(Caso.id).where(Caso.id == caso.id).with_for_update())
    db.session.refresh(caso)
    if caso.etapa != "juridico":
        raise AcuerdoInvalido("tipo", f"El caso está en {caso.nombre_etapa}, no en Jurídico: "
                                      "no admite un acuerdo judicial.")
    abierto = acuerdo_abierto(caso.id)
    if abierto is not None:
        raise AcuerdoInvalido(
            "tipo", f"El caso tiene otro acuerdo abierto (n.º {abierto.id}, "
                    f"{abierto.nombre_estado.lower()}): un supervisor debe anularlo antes de "
                    "registrar el acuerdo judicial.")
    plan = plan_judicial(caso, datos, hoy)
    c = plan.condiciones
    momento = ahora()
    acuerdo = Acuerdo(
        acreedor_id=caso.acreedor_id, caso_id=caso.id, tipo=TIPO_JUDICIAL, estado="vigente",
        moneda=c.moneda,
        deuda_capital=c.deuda.capital, deuda_intereses=c.deuda.intereses,
        deuda_gastos=c.deuda.gastos,
        quita_capital=plan.quita["capital"], quita_intereses=plan.quita["intereses"],
        quita_gastos=plan.quita["gastos"],
        total_acordado=plan.total_acordado, abono_inicial=plan.abono_inicial,
        numero_cuotas=len(plan.cuotas_regulares), frecuencia=c.frecuencia,
        primera_fecha=plan.cuotas[0].fecha, nivel_aprobacion="judicial", excepciones=[],
        nota=motivo, pagado=CERO, creado_por=usuario.id, creado_en=momento,
        vigente_desde=momento,
    )
    acuerdo.cuotas = [Cuota(numero=q.numero, fecha=q.fecha, monto=q.monto, pagado=CERO)
                      for q in plan.cuotas]
    db.session.add(acuerdo)
    db.session.flush()
    registrar("acuerdo.judicial", "acuerdo", acuerdo.id, acreedor_id=caso.acreedor_id,
              despues=_foto(acuerdo) | {
                  "quita_pct": {k: str(v) for k, v in c.quita_pct.items()},
                  "radicado": radicado, "proceso_id": proceso_id, "motivo": motivo},
              usuario_id=usuario.id)
    texto = f"Acuerdo judicial n.º {acuerdo.id} vigente"
    if radicado:
        texto += f" (radicado {radicado})"
    return _efectos_vigente(acuerdo, usuario.id, momento, f"{texto}: {motivo}"[:MAXIMO_MOTIVO])


def acuerdo_judicial_del_caso(caso_id: int) -> Acuerdo | None:
    """The caso's latest acuerdo judicial (the one its proceso was closed with)."""
    return db.session.scalar(select(Acuerdo).where(
        Acuerdo.caso_id == caso_id, Acuerdo.tipo == TIPO_JUDICIAL)
        .order_by(Acuerdo.id.desc()).limit(1))


# ---------------------------------------------------------------- state changes


def _cambiar_estado(acuerdo: Acuerdo, desde: Iterable[str], valores: dict) -> str:
    """Conditional UPDATE: applied only if the acuerdo is still in one of `desde`.
    Returns the estado it was in; raises AcuerdoCambiado otherwise."""
    desde = tuple(desde)
    anterior = acuerdo.estado
    resultado = db.session.execute(
        update(Acuerdo).where(Acuerdo.id == acuerdo.id, Acuerdo.estado.in_(desde))
        .values(**valores).execution_options(synchronize_session=False))
    if resultado.rowcount != 1:
        db.session.refresh(acuerdo)
        raise AcuerdoCambiado(
            "estado", f"El acuerdo ya no espera esta decisión: ahora está "
                      f"«{acuerdo.nombre_estado}». No se aplicó nada.")
    for campo, valor in valores.items():
        set_committed_value(acuerdo, campo, valor)
    return anterior if anterior in desde else desde[0]


def _esperar(acuerdo: Acuerdo, estado: str) -> None:
    """Refuses early (nothing written) a decision on an acuerdo no longer in `estado`; the
    conditional UPDATE still guards against a change between this read and the write."""
    if acuerdo.estado != estado:
        raise AcuerdoCambiado(
            "estado", f"El acuerdo ya no espera esta decisión: ahora está "
                      f"«{acuerdo.nombre_estado}». No se aplicó nada.")


def _exigir_caso_para_vigente(caso: Caso) -> None:
    if caso.etapa not in ETAPAS_CON_ACUERDO or caso.en_disputa:
        raise AcuerdoInvalido(
            "estado", (impedimento(caso) or "El caso no admite acuerdos ahora.")
            + " El acuerdo no puede quedar vigente: anúlelo o recházelo.")


def _efectos_vigente(acuerdo: Acuerdo, usuario_id: int | None, momento,
                     motivo: str | None = None) -> Resultado:
    """What becoming vigente does, whichever path got there (see the module's rules)."""
    caso = acuerdo.caso
    if acuerdo.vigente_desde is None:
        acuerdo.vigente_desde = momento
    if caso.etapa in ("prejuridico", "negociacion") or (
            caso.etapa == "juridico" and acuerdo.tipo == TIPO_JUDICIAL):
        cambiar_etapa(caso, "acuerdo", None, motivo, momento=momento)
    registrar("acuerdo.vigente", "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
              despues={"caso_id": caso.id, "estado": "vigente",
                       "total_acordado": acuerdo.total_acordado,
                       "nivel_aprobacion": acuerdo.nivel_aprobacion},
              usuario_id=usuario_id)
    resultado = Resultado(acuerdo)
    try:
        carta = solicitar_carta(caso.id, PLANTILLA_CARTA, usuario_id, {"acuerdo_id": acuerdo.id})
    except ErrorCarta as error:
        resultado.aviso = f"El acuerdo quedó vigente, pero la carta no se pudo solicitar: {error}"
    else:
        acuerdo.carta_id = carta.id
        resultado.carta = carta
    db.session.flush()
    return resultado


def encolar_carta_del_acuerdo(resultado: Resultado) -> str | None:
    """After the commit: queue the acuerdo's letter. Returns a message for the user when the
    queue is down (the carta stays pendiente and a periodic job queues it later)."""
    if resultado.carta is None:
        return resultado.aviso
    try:
        encolar_carta(resultado.carta)
    except CartaSinCola:
        return ("La carta del acuerdo se generará cuando el servicio de tareas vuelva a "
                "responder.")
    return None


def _motivo(motivo: str | None, que: str) -> str:
    motivo = (motivo or "").strip()
    if len(motivo) < MINIMO_MOTIVO:
        raise AcuerdoInvalido("motivo", f"Explique el motivo para {que} (al menos "
                                        f"{MINIMO_MOTIVO} caracteres).")
    if len(motivo) > MAXIMO_MOTIVO:
        raise AcuerdoInvalido("motivo", f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.")
    return motivo


def _comentario(comentario: str | None) -> str | None:
    comentario = (comentario or "").strip() or None
    if comentario and len(comentario) > MAXIMO_MOTIVO:
        raise AcuerdoInvalido("motivo", f"El comentario admite hasta {MAXIMO_MOTIVO} "
                                        "caracteres.")
    return comentario


def aprobar_supervisor(acuerdo: Acuerdo, usuario, comentario: str | None = None) -> Resultado:
    """A supervisor (or admin) approves a pendiente_supervisor acuerdo: level supervisor →
    vigente; level acreedor → pendiente_acreedor (the acreedor decides on the portal)."""
    if usuario.rol not in ROLES_QUE_APRUEBAN:
        raise AcuerdoNoPermitido("estado", "Solo un supervisor o administrador aprueba.")
    _esperar(acuerdo, "pendiente_supervisor")
    comentario = _comentario(comentario)
    momento = ahora()
    valores = {"supervisor_id": usuario.id, "supervisor_en": momento,
               "supervisor_motivo": comentario}
    if acuerdo.nivel_aprobacion == "acreedor":
        _cambiar_estado(acuerdo, ["pendiente_supervisor"],
                        valores | {"estado": "pendiente_acreedor"})
        _auditar_decision("acuerdo.aprobar", acuerdo, "pendiente_supervisor", usuario.id,
                          "supervisor", comentario)
        db.session.flush()
        return Resultado(acuerdo)
    _exigir_caso_para_vigente(acuerdo.caso)
    _cambiar_estado(acuerdo, ["pendiente_supervisor"],
                    valores | {"estado": "vigente", "vigente_desde": momento})
    _auditar_decision("acuerdo.aprobar", acuerdo, "pendiente_supervisor", usuario.id,
                      "supervisor", comentario)
    return _efectos_vigente(acuerdo, usuario.id, momento)


def rechazar_supervisor(acuerdo: Acuerdo, usuario, motivo: str | None) -> Resultado:
    if usuario.rol not in ROLES_QUE_APRUEBAN:
        raise AcuerdoNoPermitido("estado", "Solo un supervisor o administrador rechaza.")
    _esperar(acuerdo, "pendiente_supervisor")
    motivo = _motivo(motivo, "rechazar el acuerdo")
    momento = ahora()
    _cambiar_estado(acuerdo, ["pendiente_supervisor"], {
        "estado": "rechazado", "supervisor_id": usuario.id, "supervisor_en": momento,
        "supervisor_motivo": motivo, "cerrado_en": momento, "motivo_cierre": motivo})
    _auditar_decision("acuerdo.rechazar", acuerdo, "pendiente_supervisor", usuario.id,
                      "supervisor", motivo)
    db.session.flush()
    return Resultado(acuerdo)


def aprobar_acreedor(acuerdo: Acuerdo, usuario, comentario: str | None = None) -> Resultado:
    """The acreedor's cliente approves on the portal: pendiente_acreedor → vigente."""
    _exigir_cliente(acuerdo, usuario)
    _esperar(acuerdo, "pendiente_acreedor")
    comentario = _comentario(comentario)
    momento = ahora()
    _exigir_caso_para_vigente(acuerdo.caso)
    _cambiar_estado(acuerdo, ["pendiente_acreedor"], {
        "estado": "vigente", "vigente_desde": momento, "acreedor_usuario_id": usuario.id,
        "acreedor_en": momento, "acreedor_motivo": comentario})
    _auditar_decision("acuerdo.aprobar", acuerdo, "pendiente_acreedor", usuario.id,
                      "acreedor", comentario)
    return _efectos_vigente(acuerdo, usuario.id, momento)


def rechazar_acreedor(acuerdo: Acuerdo, usuario, motivo: str | None) -> Resultado:
    _exigir_cliente(acuerdo, usuario)
    _esperar(acuerdo, "pendiente_acreedor")
    motivo = _motivo(motivo, "rechazar el acuerdo")
    momento = ahora()
    _cambiar_estado(acuerdo, ["pendiente_acreedor"], {
        "estado": "rechazado", "acreedor_usuario_id": usuario.id, "acreedor_en": momento,
        "acreedor_motivo": motivo, "cerrado_en": momento, "motivo_cierre": motivo})
    _auditar_decision("acuerdo.rechazar", acuerdo, "pendiente_acreedor", usuario.id,
                      "acreedor", motivo)
    db.session.flush()
    return Resultado(acuerdo)


def _exigir_cliente(acuerdo: Acuerdo, usuario) -> None:
    if not usuario.es_cliente or usuario.acreedor_id != acuerdo.acreedor_id:
        raise AcuerdoNoPermitido("estado", "Solo el acreedor del caso decide en esta instancia.")


def puede_anular(acuerdo: Acuerdo, usuario) -> bool:
    """Supervisors and admins anul any open acuerdo; the proposing agent only while it is
    still waiting for approval."""
    if not acuerdo.abierto:
        return False
    if usuario.rol in ROLES_QUE_APRUEBAN:
        return True
    return (usuario.id == acuerdo.creado_por and usuario.rol in ROLES_QUE_PROPONEN
            and acuerdo.estado != "vigente")


def anular(acuerdo: Acuerdo, usuario, motivo: str | None) -> Resultado:
    """Open → anulado (reason required). A vigente one sends the caso back to negociacion."""
    if not puede_anular(acuerdo, usuario):
        if acuerdo.abierto:
            raise AcuerdoNoPermitido(
                "motivo", "Solo un supervisor anula un acuerdo vigente; quien lo propuso puede "
                          "anularlo mientras espera aprobación.")
        raise AcuerdoCambiado("estado", f"El acuerdo ya está «{acuerdo.nombre_estado}»: no se "
                                        "puede anular.")
    motivo = _motivo(motivo, "anular el acuerdo")
    momento = ahora()
    anterior = _cambiar_estado(acuerdo, ESTADOS_ABIERTOS, {
        "estado": "anulado", "cerrado_en": momento, "motivo_cierre": motivo})
    registrar("acuerdo.anular", "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
              antes={"estado": anterior},
              despues={"estado": "anulado", "caso_id": acuerdo.caso_id, "motivo": motivo},
              usuario_id=usuario.id)
    if anterior == "vigente":
        _devolver_caso(acuerdo, f"Acuerdo n.º {acuerdo.id} anulado: {motivo}", momento)
    db.session.flush()
    return Resultado(acuerdo)


def _auditar_decision(accion: str, acuerdo: Acuerdo, desde: str, usuario_id: int,
                      instancia: str, motivo: str | None) -> None:
    registrar(accion, "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
              antes={"estado": desde},
              despues={"estado": acuerdo.estado, "caso_id": acuerdo.caso_id,
                       "instancia": instancia, "motivo": motivo},
              usuario_id=usuario_id)


def _devolver_caso(acuerdo: Acuerdo, motivo: str, momento) -> None:
    """A caso in etapa acuerdo whose acuerdo ended unpaid goes back (system transition): to
    negociacion, or — an acuerdo judicial — to juridico, where its proceso reopens."""
    caso = acuerdo.caso
    if caso.etapa != "acuerdo":
        return
    if acuerdo.tipo != TIPO_JUDICIAL:
        cambiar_etapa(caso, "negociacion", None, motivo[:MAXIMO_MOTIVO], momento=momento)
        return
    # agencia.juridico.procesos imports this module: import here, not at the top.
    from agencia.juridico.procesos import reabrir_por_acuerdo

    cambiar_etapa(caso, "juridico", None, f"Acuerdo judicial n.º {acuerdo.id} terminado: "
                                          f"{motivo}"[:MAXIMO_MOTIVO], momento=momento)
    reabrir_por_acuerdo(caso, acuerdo.id, motivo)


# ---------------------------------------------------------------- the scheduled verdict


def evaluar_acuerdos(hoy: date, acreedor_id: int | None = None) -> dict:
    """Breaks vigente plans with a cuota unpaid past fecha + the acreedor's dias_gracia_cuota
    (estado incumplido) and expires unpaid pronto pago offers past fecha_limite + grace
    (estado vencido); either sends the caso back to negociacion (an acuerdo judicial: to
    juridico, its proceso reopened) and raises its priority.

    Only vigente acuerdos are looked at and the change is conditional, so running it twice
    changes nothing more. Gestiones, payments and cuotas are kept as they were.
    Returns {"revisados", "incumplidos", "vencidos"}.
    """
    stmt = (select(Cuota, Acuerdo.id)
            .join(Acuerdo, Acuerdo.id == Cuota.acuerdo_id)
            .where(Acuerdo.estado == "vigente", Cuota.fecha < hoy, Cuota.pagado < Cuota.monto)
            .order_by(Acuerdo.id, Cuota.numero))
    if acreedor_id is not None:
        stmt = stmt.where(Acuerdo.acreedor_id == acreedor_id)
    vencidas: dict[int, list[Cuota]] = {}
    for cuota, ident in db.session.execute(stmt):
        vencidas.setdefault(ident, []).append(cuota)
    cuenta = {"revisados": len(vencidas), "incumplidos": 0, "vencidos": 0}
    if not vencidas:
        return cuenta
    acuerdos = {a.id: a for a in db.session.scalars(
        select(Acuerdo).where(Acuerdo.id.in_(vencidas))
        .options(joinedload(Acuerdo.caso)))}
    gracias = dict(db.session.execute(select(Acreedor.id, Acreedor.dias_gracia_cuota).where(
        Acreedor.id.in_({a.acreedor_id for a in acuerdos.values()}))).all())
    momento = ahora()
    for ident, cuotas in vencidas.items():
        acuerdo = acuerdos[ident]
        gracia = timedelta(days=gracias.get(acuerdo.acreedor_id) or 0)
        rota = next((c for c in cuotas if c.fecha + gracia < hoy), None)
        if rota is None:
            continue
        if acuerdo.tipo == "pronto_pago":
            estado, accion = "vencido", "acuerdo.vencer"
            motivo = (f"Oferta de pronto pago vencida el {acuerdo.fecha_limite:%d/%m/%Y} sin "
                      "el pago completo")
        else:
            estado, accion = "incumplido", "acuerdo.incumplir"
            motivo = f"Cuota {rota.numero} del {rota.fecha:%d/%m/%Y} vencida sin pagar"
        try:
            _cambiar_estado(acuerdo, ["vigente"], {
                "estado": estado, "cerrado_en": momento, "motivo_cierre": motivo})
        except AcuerdoCambiado:
            continue  # paid, annulled or judged meanwhile
        registrar(accion, "acuerdo", acuerdo.id, acreedor_id=acuerdo.acreedor_id,
                  antes={"estado": "vigente", "pagado": acuerdo.pagado},
                  despues={"estado": estado, "caso_id": acuerdo.caso_id, "motivo": motivo,
                           "cuota": rota.numero},
                  usuario_id=None)
        caso = acuerdo.caso
        _devolver_caso(acuerdo, motivo, momento)
        caso.proxima_accion = hoy
        actualizar_prioridad(caso)
        cuenta["vencidos" if estado == "vencido" else "incumplidos"] += 1
    db.session.flush()
    return cuenta


# ---------------------------------------------------------------- what awaits whom


def _con_relaciones(stmt):
    return stmt.options(joinedload(Acuerdo.caso).joinedload(Caso.deudor),
                        joinedload(Acuerdo.acreedor), joinedload(Acuerdo.creador))


def pendientes(estado: str, acreedor_id: int | None = None, limite: int = 200) -> list[Acuerdo]:
    """Acuerdos waiting in `estado`, oldest first (the supervisor's or acreedor's list)."""
    stmt = select(Acuerdo).where(Acuerdo.estado == estado)
    if acreedor_id is not None:
        stmt = stmt.where(Acuerdo.acreedor_id == acreedor_id)
    return list(db.session.scalars(_con_relaciones(stmt).order_by(Acuerdo.creado_en, Acuerdo.id)
                                   .limit(limite)).unique())


def contar(estado: str, acreedor_id: int | None = None) -> int:
    stmt = select(func.count(Acuerdo.id)).where(Acuerdo.estado == estado)
    if acreedor_id is not None:
        stmt = stmt.where(Acuerdo.acreedor_id == acreedor_id)
    return db.session.scalar(stmt) or 0


def propuestas_en_aprobacion(usuario_id: int, limite: int = 20) -> list[Acuerdo]:
    """The agent's own proposals still waiting for a decision (Mi día)."""
    stmt = select(Acuerdo).where(
        Acuerdo.creado_por == usuario_id,
        Acuerdo.estado.in_(("pendiente_supervisor", "pendiente_acreedor")))
    return list(db.session.scalars(_con_relaciones(stmt).order_by(Acuerdo.creado_en)
                                   .limit(limite)).unique())

