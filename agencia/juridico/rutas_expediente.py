"""Routes of the expedientes feature."""

from flask import Blueprint

bp = Blueprint("expedientes", __name__)
