"""Forms of the acuerdo panel, the decisions and the mandate page."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from agencia.acuerdos.modelos import FRECUENCIAS, TIPOS_ACUERDO
from agencia.casos.etapas import MAXIMO_MOTIVO
from agencia.casos.formularios import FechaField, MontoField, SelectChoice


class PorcentajeField(StringField):
    """A percentage as people type it ("10", "12,5", "12.5 %"), read as Decimal; empty is
    None."""

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip().rstrip("%").strip()
        self.raw_texto = texto
        self.data = None
        if texto:
            try:
                self.data = Decimal(texto.replace(",", "."))
            except InvalidOperation as error:
                raise ValueError("Escriba un porcentaje entre 0 y 100, por ejemplo 12,5.") \
                    from error
            if not self.data.is_finite():
                raise ValueError("Escriba un porcentaje entre 0 y 100, por ejemplo 12,5.")

    def _value(self):
        if getattr(self, "raw_texto", None):
            return self.raw_texto
        return "" if self.data is None else format(Decimal(self.data).normalize(), "f") \
            .replace(".", ",")


class EnteroField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Escriba un número entero.") from error


def _opciones(valores: dict) -> list:
    return [SelectChoice(clave, nombre) for clave, nombre in valores.items()]


class FormularioAcuerdo(FlaskForm):
    """The calculator of the caso page. The quita is a percentage per component; the same
    form both calculates (accion=calcular, writes nothing) and proposes (accion=proponer)."""

    tipo = SelectField("Tipo", choices=_opciones(TIPOS_ACUERDO), default="plan",
                       validate_choice=False)
    quita_capital_pct = PorcentajeField("Quita sobre capital (%)", default=Decimal("0"))
    quita_intereses_pct = PorcentajeField("Quita sobre intereses (%)", default=Decimal("0"))
    quita_gastos_pct = PorcentajeField("Quita sobre gastos (%)", default=Decimal("0"))
    abono_inicial = MontoField("Abono inicial")
    numero_cuotas = EnteroField("Número de cuotas", default=1, validators=[Optional()])
    frecuencia = SelectField("Frecuencia", choices=_opciones(FRECUENCIAS), default="mensual",
                             validate_choice=False)
    primera_fecha = FechaField("Fecha del primer pago", validators=[Optional()])
    fecha_limite = FechaField("Pagar a más tardar el (pronto pago)", validators=[Optional()])
    nota = TextAreaField("Justificación para quien aprueba", id="acuerdo-nota", validators=[
        Length(max=MAXIMO_MOTIVO, message=f"La nota admite hasta {MAXIMO_MOTIVO} caracteres.")])

    def validate_tipo(self, campo):
        if campo.data not in TIPOS_ACUERDO:
            raise ValidationError("Elija plan de pagos o descuento por pronto pago.")

    def validate_frecuencia(self, campo):
        if campo.data not in FRECUENCIAS:
            raise ValidationError("Elija una frecuencia de la lista.")

    def datos(self) -> dict:
        return {nombre: campo.data for nombre, campo in self._fields.items()
                if nombre not in ("csrf_token", "nota")}


class FormularioDecision(FlaskForm):
    """Approve (comment optional) or reject / annul (reason required, checked by the
    service)."""

    motivo = TextAreaField("Motivo o comentario", validators=[
        Length(max=MAXIMO_MOTIVO, message=f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.")])


def _porcentaje(etiqueta: str) -> PorcentajeField:
    return PorcentajeField(etiqueta, validators=[InputRequired(f"Indique {etiqueta.lower()}.")])


class FormularioMandato(FlaskForm):
    quita_max_capital_pct = _porcentaje("Quita máxima sobre capital (%)")
    quita_max_intereses_pct = _porcentaje("Quita máxima sobre intereses (%)")
    quita_max_gastos_pct = _porcentaje("Quita máxima sobre gastos (%)")
    condonar_intereses = BooleanField("Puede condonarse la totalidad de los intereses")
    cuotas_max = EnteroField("Número máximo de cuotas", validators=[
        InputRequired("Indique el número máximo de cuotas."),
        NumberRange(min=1, message="El número máximo de cuotas debe ser al menos 1.")])
    abono_inicial_min_pct = _porcentaje("Abono inicial mínimo (% del total acordado)")
    cuota_minima = MontoField("Cuota mínima")
    umbral_supervisor_pct = _porcentaje("Aprobación del supervisor sobre una quita total de (%)")
    umbral_acreedor_pct = _porcentaje("Aprobación del acreedor sobre una quita total de (%)")

    def datos(self) -> dict:
        return {nombre: campo.data for nombre, campo in self._fields.items()
                if nombre != "csrf_token"}
