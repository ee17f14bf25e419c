"""Routes of the remisiones feature."""

from flask import Blueprint

bp = Blueprint("remisiones", __name__, url_prefix="/juridico/remisiones")
