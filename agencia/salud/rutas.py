"""Views of the salud feature."""

from flask import Blueprint

bp = Blueprint("salud", __name__)
