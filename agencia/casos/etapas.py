"""The stage machine of a caso: which transitions exist, who may make them, which need a reason.

    prejuridico → negociacion → acuerdo → juridico; acuerdo → negociacion (broken plan);
    → juridico only by the system, through a Remision (agencia.juridico.remision);
    juridico → acuerdo only by the system, when an acuerdo judicial becomes vigente (closing
    the proceso, agencia.juridico.procesos); acuerdo → juridico also when it is broken;
    any open etapa → pagado, incobrable, devuelto.

`cambiar_etapa` is the only way an etapa changes. The UPDATE is conditional on the etapa the
caller saw (`WHERE id = :id AND etapa = :desde`), so a transition posted twice, or by two
people at once, is applied once. "sistema" is the role of automated callers (usuario None),
e.g. a payment that settles the saldo. Closing a caso releases any agent's claim on it; a
caso closed from juridico also ends its open court proceso (and a reversed payment that
reopens it in juridico reopens the proceso): agencia.juridico.procesos.al_cambiar_etapa.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from agencia.auditoria.servicios import registrar
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS, CambioEtapa, Caso
from agencia.extensiones import db
from agencia.tipos import ahora

SISTEMA = "sistema"
AGENTES = frozenset({"agente", "supervisor", "admin"})
SUPERVISORES = frozenset({"supervisor", "admin"})
SOLO_SISTEMA = frozenset({SISTEMA})
ETAPAS_CERRADAS = ("pagado", "incobrable", "devuelto")
MINIMO_MOTIVO = 10
MAXIMO_MOTIVO = 2000


@dataclass(frozen=True)
class Transicion:
    desde: str
    hacia: str
    roles: frozenset
    motivo: bool  # a reason is required
    accion: str  # the button's label

    @property
    def nombre_hacia(self) -> str:
        return ETAPAS[self.hacia]


def _tabla() -> dict[tuple[str, str], Transicion]:
    filas = [
        Transicion("prejuridico", "negociacion", AGENTES, False, "Pasar a negociación"),
        # A caso enters and leaves acuerdo with its acuerdo de pago (agencia.acuerdos): when
        # the plan is concluded or approved, broken, expired or annulled — never by hand.
        Transicion("prejuridico", "acuerdo", SOLO_SISTEMA, False, "Acuerdo de pago vigente"),
        Transicion("negociacion", "acuerdo", SOLO_SISTEMA, False, "Acuerdo de pago vigente"),
        Transicion("acuerdo", "negociacion", SOLO_SISTEMA, True, "Volver a negociación"),
        Transicion("juridico", "acuerdo", SOLO_SISTEMA, True, "Acuerdo judicial vigente"),
    ]
    # A reversed payment (returned transfer) reopens the caso it had closed.
    filas += [Transicion("pagado", hacia, SOLO_SISTEMA, True, "Reabrir (pago reversado)")
              for hacia in ETAPAS_ABIERTAS]
    # A caso enters juridico only through its Remision (agencia.juridico.remision): after the
    # notice letter, the waiting days and, if the acreedor requires it, its approval.
    for desde in ("prejuridico", "negociacion", "acuerdo"):
        filas.append(Transicion(desde, "juridico", SOLO_SISTEMA, True, "Remitir a jurídico"))
    for desde in ETAPAS_ABIERTAS:
        legal = {"abogado"} if desde == "juridico" else set()
        filas += [
            Transicion(desde, "pagado", SUPERVISORES | {SISTEMA}, False, "Marcar pagado"),
            Transicion(desde, "incobrable", SUPERVISORES | legal, True, "Declarar incobrable"),
            # The acreedor recalls casos itself (portal, API): the system moves them.
            Transicion(desde, "devuelto", SUPERVISORES | {SISTEMA}, True, "Devolver al acreedor"),
        ]
    return {(t.desde, t.hacia): t for t in filas}


TRANSICIONES = _tabla()
NOMBRES_ROL = {"agente": "agentes", "supervisor": "supervisores", "admin": "administradores",
               "abogado": "abogados", SISTEMA: "el sistema (pagos, acuerdos y remisiones)"}


MENSAJES_SOLO_SISTEMA = {
    ("juridico", "acuerdo"): "El caso pasa de Jurídico a Acuerdo con un acuerdo judicial: "
                             "cierre el proceso en el panel «Proceso jurídico» con el "
                             "resultado «Acuerdo judicial» y los términos que aprobó el "
                             "juzgado.",
    "acuerdo": "El caso pasa a Acuerdo cuando un acuerdo de pago queda vigente: propóngalo en "
               "el panel «Acuerdo de pago» del caso.",
    "negociacion": "El caso vuelve a Negociación cuando su acuerdo de pago se incumple o se "
                   "anula (panel «Acuerdo de pago»).",
    "juridico": "El caso pasa a Jurídico solo por una remisión: use «Solicitar remisión a "
                "jurídico» en la página del caso (se envía antes el aviso de remisión "
                "jurídica al deudor).",
}


class TransicionInvalida(ValueError):
    """A transition refused; the message says why and what is possible from here."""

    def __init__(self, mensaje: str, campo: str = "hacia"):
        super().__init__(mensaje)
        self.mensaje = mensaje
        self.campo = campo


def _rol(usuario) -> str:
    return SISTEMA if usuario is None else getattr(usuario, "rol", "")


def transiciones_desde(etapa: str, usuario=None, *, todas: bool = False) -> list[Transicion]:
    """The transitions out of `etapa` this user may make (every one with `todas`)."""
    rol = _rol(usuario)
    return [t for (desde, _), t in TRANSICIONES.items()
            if desde == etapa and (todas or rol in t.roles)]


def _posibles(etapa: str, usuario) -> str:
    propias = transiciones_desde(etapa, usuario)
    if not propias:
        return f"Desde {ETAPAS.get(etapa, etapa)} usted no puede mover el caso a otra etapa."
    nombres = ", ".join(t.nombre_hacia for t in propias)
    return f"Desde {ETAPAS.get(etapa, etapa)} usted puede pasarlo a: {nombres}."


def validar(caso: Caso, hacia: str, usuario, motivo: str | None) -> Transicion:
    """The transition from the caso's etapa to `hacia` if this user may make it now."""
    desde, rol = caso.etapa, _rol(usuario)
    if hacia not in ETAPAS:
        raise TransicionInvalida(f"La etapa «{hacia}» no existe. " + _posibles(desde, usuario))
    transicion = TRANSICIONES.get((desde, hacia))
    if desde in ETAPAS_CERRADAS and rol != SISTEMA:
        raise TransicionInvalida(f"El caso está cerrado ({ETAPAS[desde]}): no cambia de etapa.")
    if transicion is not None and transicion.roles == SOLO_SISTEMA and rol != SISTEMA:
        explicacion = (MENSAJES_SOLO_SISTEMA.get((desde, hacia))
                       or MENSAJES_SOLO_SISTEMA.get(hacia,
                                                    "Este cambio de etapa lo hace el sistema."))
        raise TransicionInvalida(f"{explicacion} {_posibles(desde, usuario)}")
    if transicion is None:
        if desde in ETAPAS_CERRADAS:
            raise TransicionInvalida(
                f"El caso está cerrado ({ETAPAS[desde]}): no cambia de etapa.")
        raise TransicionInvalida(
            f"No se puede pasar de {ETAPAS[desde]} a {ETAPAS[hacia]}. "
            + _posibles(desde, usuario))
    if rol not in transicion.roles:
        quienes = ", ".join(NOMBRES_ROL.get(r, r) for r in sorted(transicion.roles))
        raise TransicionInvalida(
            f"Pasar de {ETAPAS[desde]} a {ETAPAS[hacia]} solo lo pueden hacer: {quienes}. "
            + _posibles(desde, usuario))
    motivo = (motivo or "").strip()
    if transicion.motivo and len(motivo) < MINIMO_MOTIVO:
        raise TransicionInvalida(
            f"Explique el motivo para pasar a {ETAPAS[hacia]} "
            f"(al menos {MINIMO_MOTIVO} caracteres).", "motivo")
    if len(motivo) > MAXIMO_MOTIVO:
        raise TransicionInvalida(f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.", "motivo")
    return transicion


def cambiar_etapa(caso: Caso, hacia: str, usuario, motivo: str | None = None, *,
                  momento: datetime | None = None) -> CambioEtapa | None:
    """Moves the caso to `hacia`, writing a CambioEtapa and the audit entry "caso.etapa".

    Returns None, changing nothing, when the caso is already in `hacia` (a transition posted
    twice, or made meanwhile by someone else). Raises TransicionInvalida when refused.
    """
    if caso.etapa == hacia:
        return None
    validar(caso, hacia, usuario, motivo)
    motivo = (motivo or "").strip() or None
    momento = momento or ahora()
    desde = caso.etapa
    resultado = db.session.execute(
        update(Caso).where(Caso.id == caso.id, Caso.etapa == desde)
        .values(etapa=hacia, etapa_desde=momento)
        .execution_options(synchronize_session=False))
    if resultado.rowcount != 1:
        # Someone moved it between our read and our write: see where it is now.
        db.session.refresh(caso)
        if caso.etapa == hacia:
            return None
        raise TransicionInvalida(
            f"El caso cambió de etapa mientras tanto: ahora está en {caso.nombre_etapa}. "
            + _posibles(caso.etapa, usuario))
    set_committed_value(caso, "etapa", hacia)
    set_committed_value(caso, "etapa_desde", momento)
    usuario_id = getattr(usuario, "id", None)
    cambio = CambioEtapa(caso_id=caso.id, acreedor_id=caso.acreedor_id, desde=desde,
                         hacia=hacia, motivo=motivo, usuario_id=usuario_id, creado_en=momento)
    db.session.add(cambio)
    if hacia in ETAPAS_CERRADAS:
        _liberar(caso, momento)
    registrar("caso.etapa", "caso", caso.id, acreedor_id=caso.acreedor_id,
              antes={"etapa": desde},
              despues={"etapa": hacia, "motivo": motivo, "sistema": usuario is None},
              usuario_id=usuario_id)
    if "juridico" in (desde, hacia) and {desde, hacia} & set(ETAPAS_CERRADAS):
        # Imported here: agencia.juridico imports this module.
        from agencia.juridico.procesos import al_cambiar_etapa

        al_cambiar_etapa(caso, desde, hacia, motivo, usuario_id)
    db.session.flush()
    return cambio


def _liberar(caso: Caso, momento: datetime) -> None:
    """A closed caso is nobody's work any more: drop the claim and end its open session."""
    caso.reclamado_por = None
    caso.reclamado_en = None
    abiertas = db.session.scalars(select(SesionTrabajo).where(
        SesionTrabajo.caso_id == caso.id, SesionTrabajo.fin.is_(None)))
    for sesion in abiertas:
        sesion.fin, sesion.cierre = momento, "agente"
