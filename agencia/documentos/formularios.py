"""Forms: a document uploaded on the caso page, and the ZIP of documents by referencia."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField
from wtforms.validators import ValidationError

from agencia.casos.formularios import SelectChoice
from agencia.documentos.modelos import TIPOS_DOCUMENTO


def _entero_o_none(valor):
    if valor in (None, "", "None"):
        return None
    try:
        return int(valor)
    except (TypeError, ValueError):
        return -1  # refused by the validator below


class FormularioDocumento(FlaskForm):
    tipo = SelectField("Tipo", default="otro", validate_choice=False,
                       choices=[SelectChoice(c, n) for c, n in TIPOS_DOCUMENTO.items()])
    obligacion_id = SelectField("Obligación (opcional)", coerce=_entero_o_none,
                                validate_choice=False)
    archivo = FileField("Archivo (PDF, JPEG o PNG)")

    def __init__(self, caso, *args, **kwargs):
        # Prefixed: the caso page holds other forms with fields of the same names.
        super().__init__(*args, prefix="documento", **kwargs)
        self.obligacion_id.choices = [SelectChoice("", "Todo el caso")] + [
            SelectChoice(o.id, o.referencia) for o in caso.obligaciones]

    def validate_tipo(self, campo):
        if campo.data not in TIPOS_DOCUMENTO:
            raise ValidationError("Elija un tipo de documento de la lista.")

    def validate_obligacion_id(self, campo):
        validas = {getattr(c, "value", None) for c in campo.choices}
        if campo.data is not None and campo.data not in validas:
            raise ValidationError("La obligación elegida no pertenece a este caso.")

    def validate_archivo(self, campo):
        if not getattr(campo.data, "filename", None):
            raise ValidationError("Elija un archivo para subir.")


class FormularioZipDocumentos(FlaskForm):
    acreedor_id = SelectField("Acreedor", coerce=_entero_o_none, validate_choice=False)
    archivo = FileField("ZIP con los documentos")

    def validate_acreedor_id(self, campo):
        if campo.data is None or campo.data not in {getattr(c, "value", None)
                                                    for c in campo.choices}:
            raise ValidationError("Elija un acreedor de la lista.")

    def validate_archivo(self, campo):
        if not getattr(campo.data, "filename", None):
            raise ValidationError("Elija el archivo ZIP.")
