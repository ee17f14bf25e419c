"""The one shape of every API error, in Spanish:

    {"error": {"codigo": "no_autenticado", "mensaje": "...", "detalles": [...]}}
"""

from flask import jsonify

# HTTP status → (codigo, mensaje) used when a view gives no better words.
POR_ESTADO = {
    400: ("solicitud_invalida", "La solicitud no es válida."),
    401: ("no_autenticado", "Falta el token de acceso o no es válido."),
    403: ("sin_permiso", "El token no tiene permiso para esta operación."),
    404: ("no_encontrado", "El recurso no existe o no pertenece a su cartera."),
    405: ("metodo_no_permitido", "Esta dirección no acepta ese método HTTP."),
    413: ("demasiado_grande", "La solicitud es demasiado grande."),
    415: ("tipo_no_soportado", "Envíe el cuerpo como JSON (Content-Type: application/json)."),
    422: ("validacion", "Los datos no pasaron la validación."),
    429: ("demasiadas_solicitudes",
          "Demasiadas solicitudes con este token: espere un momento y reintente."),
    500: ("error_interno", "Ocurrió un error inesperado; el equipo fue avisado."),
    503: ("no_disponible", "El servicio no está disponible en este momento; reintente."),
}


class ErrorApi(Exception):
    """Raised by API views and helpers; becomes the JSON error response."""

    def __init__(self, estado: int, codigo: str | None = None, mensaje: str | None = None,
                 detalles: list | None = None):
        defecto = POR_ESTADO.get(estado, ("error", "Error."))
        super().__init__(mensaje or defecto[1])
        self.estado = estado
        self.codigo = codigo or defecto[0]
        self.mensaje = mensaje or defecto[1]
        self.detalles = detalles or []


def respuesta_error(estado: int, codigo: str | None = None, mensaje: str | None = None,
                    detalles: list | None = None):
    error = ErrorApi(estado, codigo, mensaje, detalles)
    respuesta = jsonify({"error": {"codigo": error.codigo, "mensaje": error.mensaje,
                                   "detalles": error.detalles}})
    respuesta.status_code = estado
    if estado == 401:
        respuesta.headers["WWW-Authenticate"] = 'Bearer realm="agencia"'
    return respuesta
