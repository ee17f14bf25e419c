"""Views of the cartas feature."""

from flask import Blueprint

bp = Blueprint("cartas", __name__)
