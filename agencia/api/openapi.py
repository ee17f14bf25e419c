"""The OpenAPI 3.1 document of API v1, written by hand (served at /api/v1/openapi.json).

Keep it in step with rutas.py: tests/api/test_openapi.py checks that every /api/v1 route is
described here and that every $ref resolves.
"""

from agencia.acuerdos.modelos import ESTADOS_ABIERTOS
from agencia.api.modelos import ALCANCES
from agencia.asignaciones.archivo import COLUMNAS, COLUMNAS_OBLIGATORIAS
from agencia.casos.modelos import ETAPAS
from agencia.devoluciones.servicios import MAXIMO_LINEAS, MAXIMO_MOTIVO_ACREEDOR, RESULTADOS
from agencia.metricas.modelos import TRAMOS_MORA
from agencia.pagos.modelos import ESTADOS_PAGO, METODOS_PAGO

MAXIMO_FILAS = 10_000
POR_PAGINA = 100  # GET /pagos: default and maximum page size (config API_POR_PAGINA)

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


_DINERO = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$",
           "description": "Decimal como texto, con dos decimales.", "examples": ["1020.50"]}


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
                "acuerdo": {
                    "type": ["object", "null"],
                    "description": "El acuerdo de pago abierto (en aprobación o vigente), o "
                                   "null.",
                    "required": ["tipo", "estado", "total_acordado", "pagado", "pendiente"],
                    "properties": {
                        "tipo": {"type": "string"},
                        "estado": {"type": "string", "enum": list(ESTADOS_ABIERTOS)},
                        "moneda": {"type": "string"},
                        "total_acordado": _DINERO,
                        "pagado": _DINERO,
                        "pendiente": _DINERO,
                        "numero_cuotas": {"type": "integer", "minimum": 0},
                        "proxima_cuota": {
                            "type": ["object", "null"],
                            "properties": {"fecha": {"type": "string", "format": "date"},
                                           "monto": _DINERO},
                        },
                    },
                },
                "promesa": {
                    "type": ["object", "null"],
                    "description": "La promesa de pago pendiente más próxima, o null.",
                    "required": ["fecha", "monto"],
                    "properties": {"fecha": {"type": "string", "format": "date"},
                                   "monto": _DINERO},
                },
            },
        },
        **_esquemas_de_consulta(),
    }


def _esquemas_de_consulta() -> dict:
    """Schemas of the read-only endpoints: pagos, liquidaciones, cartera."""
    fecha = {"type": "string", "format": "date"}
    return {
        "Pago": {
            "type": "object",
            "required": ["id", "fecha", "monto", "aplicado", "credito", "moneda", "estado",
                         "referencia_bancaria", "etapa", "caso"],
            "properties": {
                "id": {"type": "integer"},
                "fecha": fecha,
                "monto": {**_DINERO, "description": "Monto recibido."},
                "aplicado": {**_DINERO, "description": "Parte aplicada a la deuda."},
                "credito": {**_DINERO, "description": "Parte que excede la deuda: queda como "
                                                      "saldo a favor del deudor."},
                "moneda": {"type": "string"},
                "estado": {"type": "string", "enum": sorted(ESTADOS_PAGO)},
                "metodo": {"type": "string", "enum": sorted(METODOS_PAGO)},
                "referencia_bancaria": {"type": "string"},
                "etapa": {"type": ["string", "null"],
                          "description": "Etapa del caso cuando llegó el pago."},
                "reversado_en": {"type": ["string", "null"], "format": "date-time"},
                "caso": {
                    "type": "object",
                    "required": ["id", "referencias", "deudor"],
                    "properties": {
                        "id": {"type": "integer"},
                        "referencias": {"type": "array", "items": {"type": "string"}},
                        "deudor": {"type": "object", "properties": {
                            "tipo_documento": {"type": "string"},
                            "numero_documento": {"type": "string"}}},
                    },
                },
            },
        },
        "ListaPagos": {
            "type": "object",
            "required": ["pagos", "pagina", "por_pagina", "total", "siguiente"],
            "properties": {
                "pagos": {"type": "array", "items": {"$ref": "#/components/schemas/Pago"}},
                "pagina": {"type": "integer", "minimum": 1},
                "por_pagina": {"type": "integer", "minimum": 1},
                "total": {"type": "integer", "minimum": 0,
                          "description": "Pagos que cumplen el filtro, en todas las páginas."},
                "siguiente": {"type": ["string", "null"],
                              "description": "Dirección de la página siguiente (con los "
                                             "mismos filtros), o null en la última."},
            },
        },
        "LineaLiquidacion": {
            "type": "object",
            "required": ["fecha", "caso_id", "deudor", "documento", "referencias", "tipo",
                         "etapa", "monto", "porcentaje", "honorario"],
            "properties": {
                "fecha": fecha,
                "caso_id": {"type": "integer"},
                "deudor": {"type": "string"},
                "documento": {"type": "string"},
                "referencias": {"type": "array", "items": {"type": "string"}},
                "tipo": {"type": "string", "enum": ["pago", "reversa"],
                         "description": "«reversa»: un pago devuelto, con montos negativos, "
                                        "el día de la reversión."},
                "etapa": {"type": "string"},
                "monto": {**_DINERO, "description": "Monto recuperado (aplicado a la deuda)."},
                "porcentaje": {"type": "string", "description": "Tarifa de honorarios (%)."},
                "honorario": _DINERO,
            },
        },
        "Liquidacion": {
            "type": "object",
            "required": ["acreedor", "mes", "desde", "hasta", "moneda", "recuperado",
                         "honorarios", "neto", "lineas"],
            "properties": {
                "acreedor": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "nombre": {"type": "string"}}},
                "mes": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "desde": fecha,
                "hasta": fecha,
                "moneda": {"type": "string"},
                "recuperado": _DINERO,
                "honorarios": _DINERO,
                "neto": {**_DINERO, "description": "Recuperado menos honorarios: lo que se "
                                                   "transfiere al acreedor."},
                "lineas": {"type": "array",
                           "items": {"$ref": "#/components/schemas/LineaLiquidacion"}},
            },
        },
        "Cartera": {
            "type": "object",
            "required": ["moneda", "casos", "saldo", "etapas", "mora", "recuperado_mes"],
            "properties": {
                "moneda": {"type": "string"},
                "casos": {"type": "integer", "minimum": 0},
                "saldo": _DINERO,
                "etapas": {"type": "array", "items": {
                    "type": "object",
                    "required": ["etapa", "nombre", "casos", "saldo"],
                    "properties": {"etapa": {"type": "string", "enum": list(ETAPAS)},
                                   "nombre": {"type": "string"},
                                   "casos": {"type": "integer", "minimum": 0},
                                   "saldo": _DINERO},
                }, "description": "En vivo: todas las etapas, en orden, con ceros."},
                "mora": {
                    "type": ["object", "null"],
                    "description": "Última foto diaria por tramo de días de mora (null si "
                                   "aún no hay ninguna).",
                    "required": ["fecha", "tramos"],
                    "properties": {
                        "fecha": fecha,
                        "tramos": {"type": "array", "items": {
                            "type": "object",
                            "required": ["tramo", "casos", "saldo"],
                            "properties": {
                                "tramo": {"type": "string",
                                          "enum": [t for t, _ in TRAMOS_MORA]},
                                "casos": {"type": "integer", "minimum": 0},
                                "saldo": _DINERO},
                        }},
                    },
                },
                "recuperado_mes": {
                    "type": "object",
                    "description": "Mes en curso: pagos aplicados a la deuda menos las "
                                   "reversiones hechas en el mes.",
                    "required": ["desde", "hasta", "recibido", "reversado", "recuperado"],
                    "properties": {"desde": fecha, "hasta": fecha, "recibido": _DINERO,
                                   "reversado": _DINERO, "recuperado": _DINERO},
                },
            },
        },
    }


def _parametro(nombre: str, descripcion: str, esquema: dict, donde: str = "query") -> dict:
    return {"name": nombre, "in": donde, "required": donde == "path",
            "description": descripcion, "schema": esquema}


def _respuesta(descripcion: str, esquema: str) -> dict:
    return {"description": descripcion, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{esquema}"}}}}


def _rutas_de_consulta() -> dict:
    fecha = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    return {
        "/pagos": {"get": {
            "operationId": "listarPagos",
            "summary": "Pagos recibidos en su cartera (alcance «pagos»)",
            "description": "Del más reciente al más antiguo (fecha del pago), por páginas. "
                           "Incluye los reversados (estado «reversado»). Un parámetro "
                           "desconocido, repetido o mal escrito da 400 con el campo en "
                           "detalles.",
            "x-alcance": "pagos",
            "parameters": [
                _parametro("desde", "Primera fecha de pago (AAAA-MM-DD), incluida.", fecha),
                _parametro("hasta", "Última fecha de pago (AAAA-MM-DD), incluida.", fecha),
                _parametro("pagina", "Página, desde 1.",
                           {"type": "integer", "minimum": 1, "default": 1}),
                _parametro("por_pagina", f"Pagos por página (máximo {POR_PAGINA}).",
                           {"type": "integer", "minimum": 1, "maximum": POR_PAGINA,
                            "default": POR_PAGINA}),
            ],
            "responses": {
                "200": _respuesta("Una página de pagos", "ListaPagos"),
                "400": _error("Fecha mal escrita, «desde» posterior a «hasta», página "
                              "inválida o parámetro desconocido (detalles: campo, motivo)"),
                **_ERRORES_COMUNES,
            },
        }},
        "/liquidaciones/{mes}": {"get": {
            "operationId": "consultarLiquidacion",
            "summary": "Liquidación mensual (alcance «liquidaciones»)",
            "description": "Recuperado, honorarios de la agencia y neto a transferir del mes, "
                           "línea por línea. Una reversión cuenta el día en que se hizo, en "
                           "negativo. Un mes sin movimientos da totales en cero y ninguna "
                           "línea.",
            "x-alcance": "liquidaciones",
            "parameters": [_parametro("mes", "Mes AAAA-MM, desde 2000 hasta el actual.",
                                      {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                                      "path")],
            "responses": {
                "200": _respuesta("La liquidación del mes", "Liquidacion"),
                "400": _error("Mes mal escrito o que aún no empieza (detalles: campo «mes»)"),
                **_ERRORES_COMUNES,
            },
        }},
        "/cartera": {"get": {
            "operationId": "resumenCartera",
            "summary": "Resumen de su cartera (alcance «cartera»)",
            "description": "Casos y saldo por etapa (en vivo), última foto por tramo de mora "
                           "y lo recuperado en el mes en curso.",
            "x-alcance": "cartera",
            "responses": {
                "200": _respuesta("Resumen de la cartera", "Cartera"),
                "400": _error("Parámetro desconocido"),
                **_ERRORES_COMUNES,
            },
        }},
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
                           "casos y consultar su estado, sus pagos, sus liquidaciones mensuales y el "
                           "resumen de su cartera. Cada token pertenece a un acreedor y "
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
            **_rutas_de_consulta(),
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
