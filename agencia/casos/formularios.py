"""Forms of the caso page."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from agencia.casos.contacto import MAXIMO_MOTIVO
from agencia.casos.modelos import CANALES, DIRECCIONES, RESULTADOS
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Unknown values get a Spanish message instead of WTForms' default.
        for campo in (self.canal, self.direccion, self.resultado):
            campo.validate_choice = False

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
