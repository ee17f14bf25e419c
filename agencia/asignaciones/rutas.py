"""Views of the asignaciones feature."""

from flask import Blueprint

bp = Blueprint("asignaciones", __name__)
