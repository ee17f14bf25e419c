"""Errors of the cartas feature (a module of their own so every cartas module can raise
them without importing the services)."""


class ErrorCarta(Exception):
    """A letter cannot be requested or generated; the message is for the user."""


class CartaSinCola(ErrorCarta):
    """The carta is saved (pendiente) but Redis did not take the job."""
