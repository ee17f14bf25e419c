"""The payment form of the caso page."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from agencia.casos.formularios import FechaField, MontoField, SelectChoice
from agencia.pagos.modelos import METODOS_PAGO
from agencia.pagos.servicios import MAXIMO_REFERENCIA


class FormularioPago(FlaskForm):
    monto = MontoField("Monto")
    fecha = FechaField("Fecha del pago", validators=[InputRequired("Indique la fecha del pago.")])
    metodo = SelectField(
        "Método", default="transferencia", validate_choice=False,
        choices=[SelectChoice(clave, nombre) for clave, nombre in METODOS_PAGO.items()])
    referencia_bancaria = StringField("Referencia bancaria", validators=[
        DataRequired("Indique la referencia bancaria del pago."),
        Length(max=MAXIMO_REFERENCIA,
               message=f"La referencia admite hasta {MAXIMO_REFERENCIA} caracteres."),
    ])

    def validate_monto(self, campo):
        if campo.data is None and not campo.errors:
            raise ValidationError("Indique el monto del pago.")

    def validate_metodo(self, campo):
        if campo.data not in METODOS_PAGO:
            raise ValidationError("Elija un método de pago de la lista.")
