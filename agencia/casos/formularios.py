"""Forms of the caso page."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from agencia.asignaciones.lectura import leer_monto
from agencia.casos.contacto import MAXIMO_MOTIVO
from agencia.casos.modelos import CANALES, DIRECCIONES, RESULTADOS
from agencia.casos.resultados import DatosResultado
from agencia.casos.servicios import MAXIMO_NOTA

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms

    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def _opciones(valores: dict, vacia: str | None = None) -> list:
    opciones = [SelectChoice("", vacia)] if vacia else []
    return opciones + [SelectChoice(clave, nombre) for clave, nombre in valores.items()]


class FechaField(DateField):
    """A date input (yyyy-mm-dd from the browser) whose error is in Spanish."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Escriba una fecha válida (dd/mm/aaaa).") from error


class MontoField(StringField):
    """Money as people type it ("150.000", "1.234.567,89"), read as Decimal; empty is None."""

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip()
        self.raw_texto = texto
        self.data = None
        if texto:
            try:
                self.data = leer_monto(texto)
            except ValueError as error:
                raise ValueError("Escriba un monto válido, por ejemplo 150.000.") from error

    def _value(self):
        return getattr(self, "raw_texto", None) or (str(self.data) if self.data else "")


class HoraField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Escriba una hora válida (hh:mm).") from error


def _entero_o_none(valor):
    return int(valor) if str(valor or "").isdigit() else None


class FormularioGestion(FlaskForm):
    canal = SelectField(
        "Canal", choices=_opciones(CANALES), default="llamada",
        validators=[DataRequired("Elija el canal.")],
    )
    direccion = SelectField(
        "Dirección", choices=_opciones(DIRECCIONES), default="saliente",
        validators=[DataRequired("Elija la dirección.")],
    )
    resultado = SelectField(
        "Resultado", choices=_opciones(RESULTADOS, "Elija el resultado…"),
        validators=[DataRequired("Elija el resultado de la gestión.")],
    )
    nota = TextAreaField(
        "Nota", validators=[
            Length(max=MAXIMO_NOTA, message=f"La nota admite hasta {MAXIMO_NOTA} caracteres."),
        ],
    )
    proxima_accion = FechaField("Próxima acción", validators=[Optional()])
    # Outcome-specific fields (shown by resultado.js; the service checks them per outcome).
    promesa_monto = MontoField("Monto prometido")
    promesa_fecha = FechaField("Fecha de pago prometida", validators=[Optional()])
    contacto_id = SelectField("Teléfono errado", coerce=_entero_o_none, validate_choice=False)
    volver_fecha = FechaField("Volver a llamar el", validators=[Optional()])
    volver_hora = HoraField("A las (hora del deudor)", validators=[Optional()])
    # Shown to supervisors and admins only; the service refuses them from anyone else.
    excepcion = BooleanField("Autorizar excepción a la política de contacto")
    excepcion_motivo = TextAreaField(
        "Motivo de la excepción", validators=[
            Length(max=MAXIMO_MOTIVO, message=f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres."),
        ],
    )

    @property
    def pide_excepcion(self) -> bool:
        return bool(self.excepcion.data or (self.excepcion_motivo.data or "").strip())

    def __init__(self, *args, telefonos=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Unknown values get a Spanish message instead of WTForms' default.
        for campo in (self.canal, self.direccion, self.resultado):
            campo.validate_choice = False
        self.contacto_id.choices = [SelectChoice("", "Elija el teléfono…")] + [
            SelectChoice(c.id, c.valor + ("" if c.valido else " (no válido)")) for c in telefonos]

    def datos_resultado(self) -> DatosResultado:
        return DatosResultado(
            promesa_monto=self.promesa_monto.data, promesa_fecha=self.promesa_fecha.data,
            contacto_id=self.contacto_id.data, volver_fecha=self.volver_fecha.data,
            volver_hora=self.volver_hora.data)

    def validate_canal(self, campo):
        if campo.data not in CANALES:
            raise ValidationError("Elija un canal de la lista.")

    def validate_direccion(self, campo):
        if campo.data not in DIRECCIONES:
            raise ValidationError("Elija una dirección de la lista.")

    def validate_resultado(self, campo):
        if campo.data and campo.data not in RESULTADOS:
            raise ValidationError("Elija un resultado de la lista.")

    def validate_proxima_accion(self, campo):
        hoy = datetime.now(ZoneInfo(current_app.config["TZ_DEFAULT"])).date()
        if campo.data and campo.data < hoy:
            raise ValidationError("La próxima acción no puede ser una fecha pasada.")


class FormularioResolverDisputa(FlaskForm):
    motivo = TextAreaField(
        "Cómo se resolvió la disputa", validators=[
            DataRequired("Explique cómo se resolvió la disputa."),
            Length(max=MAXIMO_MOTIVO, message=f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres."),
        ],
    )


class FormularioEtapa(FlaskForm):
    hacia = SelectField("Nueva etapa", validate_choice=False,
                        validators=[DataRequired("Elija la etapa.")])
    motivo = TextAreaField("Motivo", validators=[
        Length(max=MAXIMO_MOTIVO, message=f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres."),
    ])
