"""Views of the casos feature."""

from flask import Blueprint

bp = Blueprint("casos", __name__)
