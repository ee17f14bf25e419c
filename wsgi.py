"""WSGI entry point: `gunicorn wsgi:app`."""

from agencia import create_app

app = create_app()
