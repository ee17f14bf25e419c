"""Payment forms: the caso page's payment and reversal forms, and the bank-file upload."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from agencia.acreedores.modelos import MONEDAS
from agencia.casos.formularios import FechaField, MontoField, SelectChoice
from agencia.pagos.modelos import METODOS_PAGO
from agencia.pagos.servicios import MAXIMO_REFERENCIA


class FormularioPago(FlaskForm):
    monto = MontoField("Monto")
    moneda = SelectField("Moneda", validate_choice=False,
                         choices=[SelectChoice(m, m) for m in MONEDAS])
    fecha = FechaField("Fecha del pago", validators=[InputRequired("Indique la fecha del pago.")])
    metodo = SelectField(
        "Método", default="transferencia", validate_choice=False,
        choices=[SelectChoice(clave, nombre) for clave, nombre in METODOS_PAGO.items()])
    referencia_bancaria = StringField("Referencia bancaria", validators=[
        DataRequired("Indique la referencia bancaria del pago."),
        Length(max=MAXIMO_REFERENCIA,
               message=f"La referencia admite hasta {MAXIMO_REFERENCIA} caracteres."),
    ])
    comprobante = FileField("Comprobante (PDF, JPEG o PNG; opcional)")

    def validate_monto(self, campo):
        if campo.data is None and not campo.errors:
            raise ValidationError("Indique el monto del pago.")

    def validate_metodo(self, campo):
        if campo.data not in METODOS_PAGO:
            raise ValidationError("Elija un método de pago de la lista.")


class FormularioReversion(FlaskForm):
    motivo = TextAreaField("Motivo de la reversión", validators=[
        DataRequired("Explique por qué se reversa el pago.")])


class FormularioArchivoPagos(FlaskForm):
    acreedor_id = SelectField("Acreedor", coerce=int, validate_choice=False)
    archivo = FileField("Archivo del banco (CSV)")

    def validate_acreedor_id(self, campo):
        if campo.data not in {getattr(c, "value", None) for c in campo.choices}:
            raise ValidationError("Elija un acreedor de la lista.")

    def validate_archivo(self, campo):
        if not getattr(campo.data, "filename", None):
            raise ValidationError("Elija el archivo CSV del banco.")
