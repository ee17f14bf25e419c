"""Login form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class FormularioIngreso(FlaskForm):
    usuario = StringField("Usuario", validators=[DataRequired("Escriba su usuario."), Length(max=80)])
    clave = PasswordField("Contraseña", validators=[DataRequired("Escriba su contraseña.")])
