"""Thin jobs: take ids, run inside the app context (see colas.conexion.trabajo), call the
agencia services and commit. The rules live in the services, not here."""
