"""Imports every model so SQLAlchemy and Alembic see the whole schema."""

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.auditoria.modelos import Auditoria
from agencia.auth.modelos import Usuario
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Caso, Gestion, Obligacion
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.deudores.modelos import Contacto, Deudor

__all__ = [
    "Acreedor",
    "Auditoria",
    "Carta",
    "Caso",
    "Contacto",
    "Deudor",
    "Gestion",
    "LoteAsignacion",
    "Obligacion",
    "PoliticaAcreedor",
    "Usuario",
]
