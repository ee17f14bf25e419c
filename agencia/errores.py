"""The one shape of a user's bad input: which field, and what is wrong with it (Spanish)."""


class EntradaInvalida(ValueError):
    """Bad input from a form or a file; `campo` names the field, `mensaje` is for the user.

    Features subclass it (GestionInvalida, PagoInvalido...) so callers can catch their own."""

    def __init__(self, campo: str, mensaje: str):
        super().__init__(mensaje)
        self.campo = campo
        self.mensaje = mensaje
