"""Forms of the deudor's contact settings (shown on a caso's "Contacto" page)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from agencia.casos.formularios import SelectChoice
from agencia.casos.modelos import CANALES
from agencia.cumplimiento.presets import PRESETS
from agencia.deudores.modelos import TIPOS_CONTACTO
from agencia.deudores.servicios import CANALES_POR_TIPO, MAXIMO_VALOR, MAXIMO_ZONA


def _origen(enviado: bool) -> dict:
    """The page holds several forms: only the one that was sent reads the request; the others
    show the deudor as stored."""
    return {} if enviado else {"formdata": None}


class HoraField(TimeField):
    """A time input (HH:MM) whose error is in Spanish."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%H:%M", "%H:%M:%S"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Escriba una hora válida (HH:MM).") from error


class CasillasField(SelectMultipleField):
    """Several checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FormularioConsentimiento(FlaskForm):
    """Consent of one contact; the page shows one per contact, told apart by `prefix`."""

    canales = CasillasField("Canales autorizados", choices=[], validate_choice=False)
    valido = BooleanField("Contacto válido")

    def __init__(self, contacto, enviado: bool = False):
        super().__init__(**_origen(enviado), prefix=f"contacto-{contacto.id}")
        self.contacto = contacto
        admitidos = CANALES_POR_TIPO.get(contacto.tipo, tuple(CANALES))
        self.canales.choices = [(c, CANALES[c]) for c in admitidos]
        if not enviado:
            self.canales.data = list(contacto.consentimientos or [])
            self.valido.data = contacto.valido


def _paises() -> list[tuple[str, str]]:
    return [(clave, politica.nombre) for clave, politica in PRESETS.items()]


class FormularioPreferencias(FlaskForm):
    pais = SelectField("País del deudor", choices=[], validate_choice=False)
    zona_horaria = StringField(
        "Zona horaria", validators=[Optional(), Length(max=MAXIMO_ZONA, message=(
            f"La zona horaria admite hasta {MAXIMO_ZONA} caracteres."))],
    )
    hora_preferida_desde = HoraField("Horario preferido desde", validators=[Optional()])
    hora_preferida_hasta = HoraField("Horario preferido hasta", validators=[Optional()])

    def __init__(self, deudor, pais_acreedor: str, enviado: bool = False):
        super().__init__(**_origen(enviado))
        self.pais.choices = [("", f"Sin indicar (se usa el del acreedor: {pais_acreedor})")]
        self.pais.choices += _paises()
        if not enviado:
            self.pais.data = deudor.pais or ""
            self.zona_horaria.data = deudor.zona_horaria or ""
            self.hora_preferida_desde.data = deudor.hora_preferida_desde
            self.hora_preferida_hasta.data = deudor.hora_preferida_hasta


class FormularioNoContactar(FlaskForm):
    no_contactar = BooleanField("No contactar a este deudor por ningún canal")
    nota = TextAreaField("Motivo", validators=[Length(max=2000, message=(
        "El motivo admite hasta 2000 caracteres."))])

    def __init__(self, deudor, enviado: bool = False):
        super().__init__(**_origen(enviado))
        if not enviado:
            self.no_contactar.data = deudor.no_contactar


class FormularioNuevoContacto(FlaskForm):
    """A new phone, email or address of the deudor; the value is normalised by the service
    (agencia.deudores.servicios.agregar_contacto), as the importer does."""

    tipo = SelectField("Tipo", validate_choice=False,
                       choices=[SelectChoice(c, n) for c, n in TIPOS_CONTACTO.items()])
    valor = StringField("Teléfono, correo o dirección", validators=[Length(
        max=MAXIMO_VALOR, message=f"El contacto admite hasta {MAXIMO_VALOR} caracteres.")])
    canales = CasillasField("Canales autorizados", validate_choice=False,
                            choices=[SelectChoice(c, n) for c, n in CANALES.items()])

    def __init__(self, enviado: bool = False):
        super().__init__(**_origen(enviado), prefix="nuevo")
