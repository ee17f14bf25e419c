"""What each gestion outcome leads to: a promise, an invalid phone, a callback, a next action.

`preparar` checks the outcome's own fields before anything is written (a promise needs an
amount and a date, a wrong number names the phone, a callback needs a date and a time in the
deudor's local time); `aplicar` writes what follows once the gestion exists. When the agent
leaves the next action empty, `sugerir_proxima_accion` proposes one by outcome.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from agencia.auditoria.servicios import registrar
from agencia.cumplimiento.contexto import zona_de
from agencia.cumplimiento.motor import politica_para
from agencia.deudores.modelos import Contacto
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.promesas.servicios import PromesaInvalida, crear_promesa, validar_promesa

PLAZO_LLAMADA_DIAS = 60
# Days until the next action by outcome, when the agent does not choose one.
DIAS_SIGUIENTE = {
    "no_contesta": 1, "mensaje_dejado": 1, "numero_errado": 1, "tercero": 2,
    "titular_contactado": 3, "ya_pago": 2, "negativa": 7, "carta_generada": 7,
}


class ResultadoInvalido(EntradaInvalida):
    """An outcome whose own fields (promise, phone, callback) are missing or wrong."""


@dataclass
class DatosResultado:
    """The outcome-specific fields of the gestion form (all optional here)."""

    promesa_monto: Decimal | None = None
    promesa_fecha: date | None = None
    contacto_id: int | None = None
    volver_fecha: date | None = None
    volver_hora: time | None = None


@dataclass
class Plan:
    resultado: str
    datos: DatosResultado
    contacto: Contacto | None = None
    volver_en: datetime | None = None  # aware UTC


def telefonos(caso) -> list[Contacto]:
    """The deudor's phones (the choices of "número errado")."""
    return list(db.session.scalars(select(Contacto).where(
        Contacto.deudor_id == caso.deudor_id, Contacto.tipo == "telefono").order_by(Contacto.id)))


def zona_del_deudor(caso):
    nombre, tz, _ = zona_de(caso, politica_para(caso)[0])
    return nombre, tz


def preparar(caso, resultado: str, datos: DatosResultado | None, hoy: date,
             momento: datetime) -> Plan:
    """Validates the outcome's fields; raises ResultadoInvalido naming the form field."""
    datos = datos or DatosResultado()
    plan = Plan(resultado, datos)
    if resultado == "promesa_pago":
        try:
            validar_promesa(caso, datos.promesa_monto, datos.promesa_fecha, hoy)
        except PromesaInvalida as error:
            raise ResultadoInvalido(error.campo, error.mensaje) from error
    elif resultado == "numero_errado":
        if datos.contacto_id is None:
            raise ResultadoInvalido("contacto_id", "Elija el teléfono que resultó errado.")
        plan.contacto = next((c for c in telefonos(caso) if c.id == datos.contacto_id), None)
        if plan.contacto is None:
            raise ResultadoInvalido("contacto_id", "Elija uno de los teléfonos del deudor.")
    elif resultado == "volver_llamar":
        if datos.volver_fecha is None:
            raise ResultadoInvalido("volver_fecha", "Indique la fecha para volver a llamar.")
        if datos.volver_hora is None:
            raise ResultadoInvalido("volver_hora", "Indique la hora para volver a llamar.")
        _, tz = zona_del_deudor(caso)
        local = datetime.combine(datos.volver_fecha, datos.volver_hora, tzinfo=tz)
        plan.volver_en = local.astimezone(UTC)
        if plan.volver_en <= momento:
            raise ResultadoInvalido("volver_fecha",
                                    "La llamada debe programarse para un momento futuro.")
        if datos.volver_fecha > hoy + timedelta(days=PLAZO_LLAMADA_DIAS):
            raise ResultadoInvalido(
                "volver_fecha",
                f"La llamada no puede programarse a más de {PLAZO_LLAMADA_DIAS} días.")
    return plan


def sugerir_proxima_accion(plan: Plan, hoy: date) -> date | None:
    if plan.resultado == "promesa_pago":
        return plan.datos.promesa_fecha
    if plan.resultado == "volver_llamar":
        return plan.datos.volver_fecha
    dias = DIAS_SIGUIENTE.get(plan.resultado)
    return hoy + timedelta(days=dias) if dias is not None else None


def aplicar(caso, gestion, plan: Plan, usuario_id: int | None, hoy: date) -> dict:
    """Writes what the outcome leads to; returns what changed on the caso (for the audit)."""
    cambios = {}
    if plan.resultado == "promesa_pago":
        promesa = crear_promesa(caso, plan.datos.promesa_monto, plan.datos.promesa_fecha,
                                usuario_id, gestion.id, hoy=hoy)
        cambios["promesa_id"] = promesa.id
    elif plan.resultado == "numero_errado" and plan.contacto.valido:
        plan.contacto.valido = False
        registrar("contacto.invalido", "contacto", plan.contacto.id,
                  acreedor_id=caso.acreedor_id,
                  antes={"valido": True, "valor": plan.contacto.valor},
                  despues={"valido": False, "gestion_id": gestion.id, "caso_id": caso.id},
                  usuario_id=usuario_id)
        cambios["contacto_invalido"] = plan.contacto.id
    elif plan.resultado == "volver_llamar":
        cambios["volver_a_llamar_en"] = plan.volver_en
        caso.volver_a_llamar_en = plan.volver_en
    return cambios
