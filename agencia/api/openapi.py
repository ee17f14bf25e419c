"""The OpenAPI 3.1 document of API v1, written by hand (served at /api/v1/openapi.json).

Keep it in step with rutas.py: tests/api/test_openapi.py checks that every /api/v1 route is
described here and that every $ref resolves.
"""

from agencia.api.modelos import ALCANCES
from agencia.asignaciones.archivo import COLUMNAS, COLUMNAS_OBLIGATORIAS
from agencia.devoluciones.servicios import MAXIMO_LINEAS, MAXIMO_MOTIVO_ACREEDOR, RESULTADOS

MAXIMO_FILAS = 10_000

_DESCRIPCION_COLUMNAS = {
    "referencia": "Referencia de la obligación, única por acreedor (hasta 60 caracteres).",
    "tipo_documento": "CC, CE, NIT, PAS, RUT, RFC, DNI… (CC si se omite).",
    "numero_documento": "Número de documento del deudor.",
    "nombre": "Nombre del deudor.",
    "email": "Correo electrónico.",
    "telefono": "Uno o varios teléfonos separados por «|».",
    "direccion": "Dirección.",
    "ciudad": "Ciudad.",
    "numero_factura": "Número de factura.",
    "fecha_vencimiento": "YYYY-MM-DD, DD/MM/YYYY o DD-MM-YYYY.",
    "capital": "1234567.89, 1.234.567,89 o 1,234,567.89 (texto o número).",
    "intereses": "Igual que capital.",
    "gastos": "Igual que capital.",
    "moneda": "Código ISO (debe ser la del acreedor).",
    "producto": "Producto o línea de crédito.",
}


def _error(descripcion: str) -> dict:
    return {"description": descripcion,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


_ERRORES_COMUNES = {
    "401": {"$ref": "#/components/responses/NoAutenticado"},
    "403": {"$ref": "#/components/responses/SinPermiso"},
    "429": {"$ref": "#/components/responses/DemasiadasSolicitudes"},
}


def _esquemas() -> dict:
    celda = {"type": ["string", "number", "null"]}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["codigo", "mensaje", "detalles"],
                "properties": {
                    "codigo": {"type": "string", "description": "Código estable del error.",
                               "examples": ["token_invalido"]},
                    "mensaje": {"type": "string", "description": "Explicación en español."},
                    "detalles": {"type": "array", "items": {"type": "object"},
                                 "description": "Detalle por campo o por fila (fila, columna, "
                                                "motivo)."},
                },
            }},
        },
        "FilaAsignacion": {
            "type": "object",
            "description": "Una obligación, con las columnas del archivo de asignación "
                           "(DISENO §5). Los nombres de columna admiten los mismos alias que "
                           "el archivo (cedula, valor, vence…).",
            "required": list(COLUMNAS_OBLIGATORIAS),
            "properties": {c: {**celda, "description": _DESCRIPCION_COLUMNAS.get(c, c)}
                           for c in COLUMNAS},
            "additionalProperties": celda,
        },
        "SolicitudAsignacion": {
            "type": "object",
            "required": ["filas"],
            "properties": {
                "filas": {"type": "array", "minItems": 1, "maxItems": MAXIMO_FILAS,
                          "items": {"$ref": "#/components/schemas/FilaAsignacion"}},
                "todo_o_nada": {"type": "boolean", "default": True,
                                "description": "true: una fila con error y no se importa "
                                               "nada (422). false: se importan las válidas y "
                                               "se listan las rechazadas."},
                "referencia_lote": {"type": "string", "maxLength": 100,
                                    "description": "Identificador propio del lote (opcional)."},
            },
        },
        "Rechazo": {
            "type": "object",
            "required": ["fila", "columna", "motivo"],
            "properties": {
                "fila": {"type": "integer", "minimum": 1,
                         "description": "Posición de la fila en «filas», desde 1."},
                "columna": {"type": "string"},
                "motivo": {"type": "string"},
            },
        },
        "ReporteAsignacion": {
            "type": "object",
            "required": ["lote_id", "importado", "ya_importado", "filas", "rechazos"],
            "properties": {
                "lote_id": {"type": ["integer", "null"]},
                "referencia_lote": {"type": ["string", "null"]},
                "importado": {"type": "boolean"},
                "ya_importado": {"type": "boolean",
                                 "description": "La misma solicitud ya se había importado: "
                                                "no cambió nada."},
                "todo_o_nada": {"type": "boolean"},
                **{campo: {"type": "integer", "minimum": 0} for campo in (
                    "filas", "filas_validas", "filas_rechazadas", "casos_nuevos",
                    "casos_reabiertos", "deudores_nuevos", "obligaciones_nuevas",
                    "obligaciones_actualizadas", "sin_cambios")},
                "columnas_ignoradas": {"type": "array", "items": {"type": "string"}},
                "rechazos": {"type": "array", "items": {"$ref": "#/components/schemas/Rechazo"}},
            },
        },
        "SolicitudDevolucion": {
            "type": "object",
            "required": ["referencias"],
            "properties": {
                "referencias": {"type": "array", "minItems": 1, "maxItems": MAXIMO_LINEAS,
                                "items": {"type": ["string", "number"]}},
                "motivo": {"type": "string", "maxLength": MAXIMO_MOTIVO_ACREEDOR},
            },
        },
        "LineaDevolucion": {
            "type": "object",
            "required": ["linea", "referencia", "resultado", "mensaje"],
            "properties": {
                "linea": {"type": "integer", "minimum": 1},
                "referencia": {"type": "string"},
                "resultado": {"type": "string", "enum": sorted(RESULTADOS)},
                "mensaje": {"type": "string"},
                "caso_id": {"type": ["integer", "null"]},
                "etapa": {"type": ["string", "null"]},
            },
        },
        "ReporteDevolucion": {
            "type": "object",
            "required": ["casos_devueltos", "ya_devueltos", "no_encontradas", "no_devueltos",
                         "lineas"],
            "properties": {
                "casos_devueltos": {"type": "integer", "minimum": 0},
                "ya_devueltos": {"type": "integer", "minimum": 0},
                "no_encontradas": {"type": "integer", "minimum": 0},
                "no_devueltos": {"type": "integer", "minimum": 0,
                                 "description": "Encontradas pero no devueltas: caso cerrado "
                                                "o con acuerdo de pago abierto."},
                "lineas": {"type": "array",
                           "items": {"$ref": "#/components/schemas/LineaDevolucion"}},
            },
        },
        "Caso": {
            "type": "object",
            "required": ["referencia", "caso", "obligaciones"],
            "properties": {
                "referencia": {"type": "string"},
                "caso": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "etapa": {"type": "string", "enum": [
                            "prejuridico", "negociacion", "acuerdo", "juridico", "pagado",
                            "incobrable", "devuelto"]},
                        "nombre_etapa": {"type": "string"},
                        "etapa_desde": {"type": ["string", "null"], "format": "date-time"},
                        "saldo": {"type": "string", "description": "Decimal como texto."},
                        "moneda": {"type": "string"},
                        "en_disputa": {"type": "boolean"},
                        "ultima_gestion_en": {"type": ["string", "null"],
                                              "format": "date-time"},
                    },
                },
                "obligaciones": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "referencia": {"type": "string"},
                        "numero_factura": {"type": ["string", "null"]},
                        "fecha_vencimiento": {"type": "string", "format": "date"},
                        "moneda": {"type": "string"},
                        "capital": {"type": "string"},
                        "saldo": {"type": "string"},
                    },
                }},
            },
        },
    }


def documento() -> dict:
    """The OpenAPI 3.1 document (a fresh dict each call)."""
    alcances = ", ".join(f"«{k}» ({v})" for k, v in ALCANCES.items())
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Agencia — API v1",
            "version": "1.0.0",
            "description": "Integración de acreedores: enviar asignaciones de cartera, devolver "
                           "casos y consultar su estado. Cada token pertenece a un acreedor y "
                           "solo ve su cartera. Alcances: " + alcances + ". Todos los errores "
                           "tienen la forma {\"error\": {\"codigo\", \"mensaje\", "
                           "\"detalles\"}}.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": {
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "Este documento",
                "security": [],
                "responses": {"200": {"description": "Documento OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}},
            }},
            "/asignaciones": {"post": {
                "operationId": "crearAsignacion",
                "summary": "Enviar una asignación de cartera (alcance «asignaciones»)",
                "description": "Misma validación que los archivos. Reenviar la misma "
                               "solicitud no cambia nada (200 con ya_importado).",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SolicitudAsignacion"}}}},
                "responses": {
                    "201": {"description": "Importada",
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/ReporteAsignacion"}}}},
                    "200": {"description": "Ya se había importado: no cambió nada",
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/ReporteAsignacion"}}}},
                    "400": _error("JSON mal formado o con una forma inesperada"),
                    "413": _error(f"Más de {MAXIMO_FILAS} filas"),
                    "422": _error("Filas rechazadas (detalles: fila, columna, motivo); "
                                  "no se importó nada"),
                    **_ERRORES_COMUNES,
                },
            }},
            "/devoluciones": {"post": {
                "operationId": "crearDevolucion",
                "summary": "Devolver casos (alcance «devoluciones»)",
                "description": "Cada referencia devuelve su caso (etapa «devuelto»). Una "
                               "referencia que no es de su cartera se informa como "
                               "«no_encontrada». Un caso con acuerdo de pago abierto no se "
                               "devuelve («acuerdo_abierto»). Repetir la solicitud no cambia "
                               "nada («ya_devuelto»).",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SolicitudDevolucion"}}}},
                "responses": {
                    "200": {"description": "Reporte por referencia",
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/ReporteDevolucion"}}}},
                    "400": _error("JSON mal formado o con una forma inesperada"),
                    "413": _error(f"Más de {MAXIMO_LINEAS} referencias"),
                    "422": _error("Lista vacía o motivo demasiado largo"),
                    **_ERRORES_COMUNES,
                },
            }},
            "/casos/{referencia}": {"get": {
                "operationId": "consultarCaso",
                "summary": "Estado del caso de una obligación (alcance «casos»)",
                "parameters": [{"name": "referencia", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 60}}],
                "responses": {
                    "200": {"description": "Etapa, saldo y última gestión (sin notas internas)",
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/Caso"}}}},
                    "404": _error("La referencia no está en la cartera del acreedor"),
                    **_ERRORES_COMUNES,
                },
            }},
        },
        "components": {
            "securitySchemes": {"token": {
                "type": "http", "scheme": "bearer", "bearerFormat": "agc_…",
                "description": "Token del acreedor creado por la agencia "
                               "(Authorization: Bearer agc_…).",
            }},
            "schemas": _esquemas(),
            "responses": {
                "NoAutenticado": _error("Falta el token, no es válido o fue revocado"),
                "SinPermiso": _error("El token no tiene el alcance necesario"),
                "DemasiadasSolicitudes": _error("Límite de solicitudes por minuto superado"),
            },
        },
    }
