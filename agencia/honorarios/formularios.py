"""The admin form of an acreedor's fees, allocation order and cuota grace days."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from agencia.casos.formularios import SelectChoice
from agencia.casos.modelos import ETAPAS
from agencia.honorarios.servicios import ETAPAS_CON_TARIFA, MAXIMO_DIAS_GRACIA
from agencia.pagos.modelos import COMPONENTES

OPCIONES_COMPONENTE = [SelectChoice(c, n) for c, n in COMPONENTES.items()]


class PorcentajeField(StringField):
    """A percentage as typed ("12,5" or "12.5"), read as Decimal; None when unreadable."""

    def process_formdata(self, valuelist):
        texto = (valuelist[0] if valuelist else "").strip().replace("%", "").replace(",", ".")
        self.raw_texto = texto
        self.data = None
        if texto:
            try:
                self.data = Decimal(texto)
            except InvalidOperation as error:
                raise ValueError("Escriba un porcentaje, por ejemplo 12,5.") from error
            if not self.data.is_finite():
                self.data = None
                raise ValueError("Escriba un porcentaje, por ejemplo 12,5.")

    def _value(self):
        texto = getattr(self, "raw_texto", None)
        return texto if texto is not None else ("" if self.data is None else str(self.data))


class EnteroField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Escriba un número entero de días.") from error


def _validar_porcentaje(formulario, campo):
    if campo.errors:
        return
    if campo.data is None:
        raise ValidationError("Indique el porcentaje (0 si no hay honorarios en esta etapa).")
    if not Decimal("0") <= campo.data <= Decimal("100"):
        raise ValidationError("El porcentaje va de 0 a 100.")
    if campo.data != campo.data.quantize(Decimal("0.01")):
        raise ValidationError("El porcentaje admite hasta dos decimales.")


class FormularioHonorarios(FlaskForm):
    dias_gracia_cuota = EnteroField(
        "Días de gracia de una cuota vencida (antes de incumplir el acuerdo)",
        validators=[InputRequired("Indique los días de gracia."),
                    NumberRange(0, MAXIMO_DIAS_GRACIA,
                                f"Los días de gracia van de 0 a {MAXIMO_DIAS_GRACIA}.")])
    orden_1 = SelectField("Primero", choices=OPCIONES_COMPONENTE, validate_choice=False)
    orden_2 = SelectField("Segundo", choices=OPCIONES_COMPONENTE, validate_choice=False)
    orden_3 = SelectField("Tercero", choices=OPCIONES_COMPONENTE, validate_choice=False)

    def validate_orden_3(self, campo):
        orden = [self.orden_1.data, self.orden_2.data, self.orden_3.data]
        if sorted(o or "" for o in orden) != sorted(COMPONENTES):  # a missing field is None
            raise ValidationError("El orden debe nombrar gastos, intereses y capital, cada uno "
                                  "una vez.")

    @property
    def orden(self) -> list[str]:
        return [self.orden_1.data, self.orden_2.data, self.orden_3.data]

    def campos_porcentaje(self):
        return [(etapa, self[f"porcentaje_{etapa}"]) for etapa in ETAPAS_CON_TARIFA]


for _etapa in ETAPAS_CON_TARIFA:
    setattr(FormularioHonorarios, f"porcentaje_{_etapa}",
            PorcentajeField(f"Honorarios en {ETAPAS[_etapa]} (%)",
                            validators=[_validar_porcentaje]))
