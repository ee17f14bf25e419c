"""Portal: recalls (devoluciones) by the cliente (its own acreedor only)."""

from agencia.portal.rutas import bp  # noqa: F401  (routes of this module join the portal)
