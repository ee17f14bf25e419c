"""The team form: name, supervisor, agents and acreedores (choices filled by the view)."""

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, StopValidation

from agencia.acreedores.modelos import Acreedor
from agencia.auth.modelos import Usuario
from agencia.equipos.servicios import MAXIMO_NOMBRE, DatosEquipo
from agencia.extensiones import db


class ListaIds(SelectMultipleField):
    """A multi-select of ids whose errors are in Spanish."""

    def __init__(self, etiqueta=None, validators=None, que="elementos", **kwargs):
        super().__init__(etiqueta, validators, coerce=int, validate_choice=False, **kwargs)
        self.invalido = f"Elija {que} de la lista."

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError as error:
            self.data = []
            raise ValueError(self.invalido) from error

    def pre_validate(self, form):
        ofrecidos = {valor for valor, _ in self.choices}
        if any(v not in ofrecidos for v in self.data or []):
            raise StopValidation(self.invalido)


def _entero_o_none(valor):
    """An id, None for "no one", and -1 (refused by the service) for garbage."""
    if valor in (None, "", "None"):
        return None
    try:
        return int(valor)
    except (TypeError, ValueError):
        return -1


class FormularioEquipo(FlaskForm):
    nombre = StringField("Nombre", validators=[
        DataRequired("Escriba el nombre del equipo."),
        Length(max=MAXIMO_NOMBRE, message=f"El nombre admite hasta {MAXIMO_NOMBRE} caracteres."),
    ])
    supervisor_id = SelectField("Supervisor", coerce=_entero_o_none, validate_choice=False)
    agente_ids = ListaIds("Agentes", que="agentes")
    acreedor_ids = ListaIds("Acreedores", que="acreedores")
    activo = BooleanField("Activo", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        personal = db.session.scalars(
            select(Usuario).where(Usuario.activo.is_(True)).order_by(Usuario.nombre)
        ).all()
        self.supervisor_id.choices = [("", "Sin supervisor")] + [
            (u.id, u.nombre) for u in personal if u.rol in ("supervisor", "admin")
        ]
        self.agente_ids.choices = [(u.id, f"{u.nombre} ({u.usuario})")
                                   for u in personal if u.rol == "agente"]
        self.acreedor_ids.choices = [
            (a.id, f"{a.nombre} ({a.codigo})")
            for a in db.session.scalars(select(Acreedor).order_by(Acreedor.nombre))
        ]

    def datos(self) -> DatosEquipo:
        return DatosEquipo(
            nombre=self.nombre.data or "",
            supervisor_id=self.supervisor_id.data,
            agente_ids=list(self.agente_ids.data or []),
            acreedor_ids=list(self.acreedor_ids.data or []),
            activo=bool(self.activo.data),
        )

