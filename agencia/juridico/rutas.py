"""Routes of the juridico feature."""

from flask import Blueprint

bp = Blueprint("juridico", __name__, url_prefix="/juridico")
