"""Contact state of a caso: which channels are open now and why not, the disputa, and the
deudor's recent contacts — what the caso page and its "Contacto" page show.

The answers come from the contact policy engine (agencia.cumplimiento.motor); this module only
shapes them for people: local times of the deudor, reasons in Spanish, counts per channel.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from agencia.auditoria.servicios import registrar
from agencia.casos.modelos import CANALES, Caso
from agencia.cumplimiento import horario as h
from agencia.cumplimiento.historial import contactos_previos
from agencia.cumplimiento.motor import evaluar_canales
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.tipos import ahora

ROLES_QUE_AUTORIZAN = ("supervisor", "admin")
MINIMO_MOTIVO = 10
MAXIMO_MOTIVO = 2000
DIAS_RECIENTES = 7


class DisputaInvalida(EntradaInvalida):
    """A disputa change that cannot be made; `campo` names the offending input."""


def zona(nombre: str | None) -> ZoneInfo:
    """The named time zone, or the agency's default when the name is missing or unknown."""
    defecto = current_app.config.get("TZ_DEFAULT") if has_app_context() else None
    return h.zona(nombre) or h.zona(defecto) or ZoneInfo("UTC")


def hora_local(momento: datetime, nombre_zona: str | None, formato: str = "%d/%m/%Y %H:%M") -> str:
    """An aware moment as the deudor reads it on their own clock."""
    return momento.astimezone(zona(nombre_zona)).strftime(formato)


@dataclass(frozen=True)
class EstadoCanal:
    canal: str
    nombre: str
    permitido: bool
    motivos: tuple[str, ...]
    proximo: datetime | None
    # "dd/mm HH:MM" in the deudor's time (the panel) and "dd/mm/aaaa HH:MM" (the full page).
    hasta_corto: str
    hasta: str


@dataclass(frozen=True)
class EstadoContacto:
    canales: list[EstadoCanal]
    zona_horaria: str
    hora_local: str
    politica_nombre: str
    avisos: tuple[str, ...]

    @property
    def abiertos(self) -> list[EstadoCanal]:
        return [c for c in self.canales if c.permitido]


def estado_contacto(caso: Caso, momento: datetime | None = None) -> EstadoContacto:
    """Every channel of the caso at `momento` (default now): open, or blocked with the
    reasons and the next moment it opens, in the deudor's local time."""
    momento = momento or ahora()
    decisiones = evaluar_canales(caso, momento)
    canales, avisos = [], []
    for canal, nombre in CANALES.items():
        decision = decisiones[canal]
        proximo = decision.proximo_permitido
        canales.append(EstadoCanal(
            canal=canal, nombre=nombre, permitido=decision.permitido, motivos=decision.motivos,
            proximo=proximo,
            hasta_corto=hora_local(proximo, decision.zona_horaria, "%d/%m %H:%M") if proximo else "",
            hasta=hora_local(proximo, decision.zona_horaria) if proximo else "",
        ))
        avisos.extend(a for a in decision.avisos if a not in avisos)
    primera = next(iter(decisiones.values()))
    return EstadoContacto(
        canales=canales,
        zona_horaria=primera.zona_horaria,
        hora_local=hora_local(momento, primera.zona_horaria),
        politica_nombre=primera.politica_nombre,
        avisos=tuple(avisos),
    )


def contactos_recientes(caso: Caso, momento: datetime | None = None,
                        dias: int = DIAS_RECIENTES) -> dict[str, dict[str, int]]:
    """The deudor's contacts of the last `dias` days per channel, outbound and inbound
    (from every caso of the deudor, as the policy counts them)."""
    hasta = momento or ahora()
    previos = contactos_previos([caso.deudor_id], hasta - timedelta(days=dias), hasta)
    cuenta = Counter((p.canal, p.direccion) for p in previos.get(caso.deudor_id, []))
    return {
        canal: {"saliente": cuenta[(canal, "saliente")], "entrante": cuenta[(canal, "entrante")]}
        for canal in CANALES
    }


def abrir_disputa(caso: Caso, motivo: str, momento: datetime, usuario_id: int | None) -> None:
    """The deudor contests the debt: every contact stops until a supervisor resolves it."""
    caso.en_disputa, caso.disputa_motivo, caso.disputa_desde = True, motivo, momento
    registrar(
        "caso.disputa", "caso", caso.id, acreedor_id=caso.acreedor_id,
        antes={"en_disputa": False},
        despues={"en_disputa": True, "disputa_motivo": motivo, "disputa_desde": momento},
        usuario_id=usuario_id,
    )


def resolver_disputa(caso: Caso, usuario, motivo: str | None) -> None:
    """Ends the caso's disputa (supervisor or admin, with a reason): contact may resume."""
    motivo = (motivo or "").strip()
    if getattr(usuario, "rol", None) not in ROLES_QUE_AUTORIZAN:
        raise DisputaInvalida(
            "motivo", "Solo un supervisor o un administrador puede resolver una disputa.")
    if not caso.en_disputa:
        raise DisputaInvalida("motivo", "El caso no está en disputa.")
    if len(motivo) < MINIMO_MOTIVO:
        raise DisputaInvalida(
            "motivo",
            f"Explique cómo se resolvió la disputa (al menos {MINIMO_MOTIVO} caracteres).")
    if len(motivo) > MAXIMO_MOTIVO:
        raise DisputaInvalida("motivo", f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.")
    antes = {"en_disputa": True, "disputa_motivo": caso.disputa_motivo,
             "disputa_desde": caso.disputa_desde}
    caso.en_disputa, caso.disputa_motivo, caso.disputa_desde = False, None, None
    registrar(
        "caso.disputa_resuelta", "caso", caso.id, acreedor_id=caso.acreedor_id,
        antes=antes, despues={"en_disputa": False, "motivo": motivo}, usuario_id=usuario.id,
    )
    db.session.flush()
