"""JSON API v1 for creditor integrations (blueprint "api", /api/v1), described by openapi.py.

Authentication is `Authorization: Bearer agc_…` only — never cookies (the blueprint is exempt
from CSRF and acts as nobody's session). The acreedor always comes from the token, never from
the body or the URL; each endpoint needs one of the token's alcances. Requests are limited per
token (API_RATELIMIT, "120 per minute" by default). Every error is JSON in Spanish (errores.py).
"""

import hashlib
import json
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from agencia.acuerdos.modelos import ESTADOS_ABIERTOS, Acuerdo
from agencia.api import tokens
from agencia.api.errores import ErrorApi, respuesta_error
from agencia.api.openapi import documento
from agencia.asignaciones.archivo import columna_de_encabezado
from agencia.asignaciones.servicios import importar_filas
from agencia.casos.modelos import Caso, Gestion, Obligacion
from agencia.devoluciones import servicios as devoluciones
from agencia.extensiones import db, limiter
from agencia.promesas.modelos import Promesa

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLICAS = {"api.openapi"}
MAXIMO_FILAS = 10_000


# ---------------------------------------------------------------- authentication and limits


def _token_de_la_peticion():
    """The token named by the Authorization header (looked up once per request)."""
    if "token_api_buscado" not in g:
        encabezado = request.headers.get("Authorization", "")
        tipo, _, texto = encabezado.partition(" ")
        g.token_api_buscado = tokens.buscar(texto.strip()) if tipo.lower() == "bearer" else None
    return g.token_api_buscado


def _clave_limite() -> str:
    """Rate-limit key: the token when it exists, else the client's address."""
    token = _token_de_la_peticion()
    return f"token:{token.id}" if token is not None else f"ip:{request.remote_addr}"


def _limite() -> str:
    return current_app.config.get("API_RATELIMIT") or "120 per minute"


limiter.shared_limit(_limite, scope="api", key_func=_clave_limite)(bp)


@bp.before_request
def _autenticar():
    # The API acts for a token, never for a browser session that happens to be there.
    g._login_user = AnonymousUserMixin()
    g.pop("agente_tenencia", None)
    g.pop("acreedor_tenencia", None)
    if request.endpoint in PUBLICAS:
        return None
    encabezado = request.headers.get("Authorization", "")
    if not encabezado:
        raise ErrorApi(401, "no_autenticado",
                       "Falta el encabezado «Authorization: Bearer <token>».")
    token = _token_de_la_peticion()
    if token is None:
        raise ErrorApi(401, "token_invalido", "El token no es válido.")
    if token.revocado_en is not None:
        raise ErrorApi(401, "token_revocado", "El token fue revocado; pida uno nuevo a la "
                                              "agencia.")
    if not token.acreedor.activo:
        raise ErrorApi(403, "acreedor_inactivo", "El acreedor del token está inactivo.")
    tokens.marcar_uso(token)
    g.token_api = token
    g.acreedor_tenencia = token.acreedor_id  # the ORM backstop of agencia.tenencia
    # A token asking for another acreedor's data by parameter finds nothing, as by id.
    for valor in request.args.getlist("acreedor_id"):
        if valor.strip() != str(token.acreedor_id):
            raise ErrorApi(404, "no_encontrado", "No existe ese acreedor para este token.")
    return None


def alcance(nombre: str):
    """The view needs this alcance on the token (403 otherwise)."""

    def decorador(vista):
        @wraps(vista)
        def envuelta(*args, **kwargs):
            if nombre not in (g.token_api.alcances or []):
                raise ErrorApi(403, "sin_alcance",
                               f"El token no tiene el alcance «{nombre}».",
                               [{"alcance_requerido": nombre}])
            return vista(*args, **kwargs)

        return envuelta

    return decorador


@bp.errorhandler(ErrorApi)
def _error_api(error: ErrorApi):
    db.session.rollback()
    return respuesta_error(error.estado, error.codigo, error.mensaje, error.detalles)


@bp.errorhandler(HTTPException)
def _error_http(error: HTTPException):
    db.session.rollback()
    return respuesta_error(error.code or 500)


@bp.errorhandler(Exception)
def _error_inesperado(error: Exception):
    db.session.rollback()
    current_app.logger.exception("Error inesperado en la API")
    return respuesta_error(500)


def _cuerpo() -> dict:
    """The JSON object sent (400 when it is not JSON, or not an object)."""
    if not request.get_data(cache=True):
        raise ErrorApi(400, "cuerpo_vacio", "El cuerpo de la solicitud está vacío: envíe JSON.")
    try:
        datos = json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # (too deeply nested)
        raise ErrorApi(400, "json_invalido", f"El cuerpo no es JSON válido: {error}.") from error
    if not isinstance(datos, dict):
        raise ErrorApi(400, "json_invalido", "El cuerpo debe ser un objeto JSON.")
    if _tiene_nulo(datos):  # PostgreSQL text cannot hold it
        raise ErrorApi(400, "cuerpo_invalido", "El cuerpo contiene el carácter nulo (\\u0000).")
    return datos


def _tiene_nulo(valor) -> bool:
    """Whether any text in the JSON holds NUL (walked without recursion: JSON may nest deep)."""
    pendientes = [valor]
    while pendientes:
        actual = pendientes.pop()
        if isinstance(actual, str) and "\x00" in actual:
            return True
        if isinstance(actual, dict):
            pendientes.extend([*actual.keys(), *actual.values()])
        elif isinstance(actual, list):
            pendientes.extend(actual)
    return False


def _campo_invalido(campo: str, motivo: str, estado: int = 400):
    return ErrorApi(estado, "cuerpo_invalido", f"Campo «{campo}»: {motivo}.",
                    [{"campo": campo, "motivo": motivo}])


# ---------------------------------------------------------------- the OpenAPI document


@bp.get("/openapi.json")
def openapi():
    return jsonify(documento())


# ---------------------------------------------------------------- asignaciones


def _texto_celda(valor, fila: int, columna: str) -> str:
    if valor is None:
        return ""
    if isinstance(valor, bool | dict | list):
        raise ErrorApi(400, "cuerpo_invalido", "Hay valores que no son texto ni número.",
                       [{"fila": fila, "columna": columna,
                         "motivo": "el valor debe ser texto o número"}])
    return str(valor)


def _filas(crudas: list) -> list[tuple[int, dict[str, str]]]:
    """(row number from 1, {normalised column: text}), as the file importer reads them."""
    filas = []
    for numero, cruda in enumerate(crudas, start=1):
        if not isinstance(cruda, dict):
            raise ErrorApi(400, "cuerpo_invalido", "Cada fila debe ser un objeto JSON.",
                           [{"fila": numero, "columna": "", "motivo": "la fila no es un objeto"}])
        datos: dict[str, str] = {}
        for clave, valor in cruda.items():
            columna = columna_de_encabezado(str(clave))
            if columna in datos:
                raise ErrorApi(400, "cuerpo_invalido", "Una fila repite una columna.",
                               [{"fila": numero, "columna": columna,
                                 "motivo": f"la columna «{columna}» aparece dos veces"}])
            datos[columna] = _texto_celda(valor, numero, columna)
        filas.append((numero, datos))
    return filas


def _suma(filas: list[tuple[int, dict[str, str]]]) -> str:
    """The batch's checksum: the canonical JSON of the normalised rows, so a retry of the
    same payload is the same lote (and changes nothing)."""
    canonico = json.dumps([datos for _, datos in filas], sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
    return hashlib.sha256(("api-asignacion:" + canonico).encode("utf-8")).hexdigest()


def _reporte_asignacion(reporte, referencia_lote: str | None) -> dict:
    return {
        "lote_id": reporte.lote_id,
        "referencia_lote": referencia_lote,
        "importado": reporte.importado,
        "ya_importado": reporte.importado_antes_en is not None,
        "todo_o_nada": reporte.todo_o_nada,
        "filas": reporte.filas,
        "filas_validas": reporte.filas_validas,
        "filas_rechazadas": reporte.filas_rechazadas,
        "casos_nuevos": reporte.casos_nuevos,
        "casos_reabiertos": reporte.casos_reabiertos,
        "deudores_nuevos": reporte.deudores_nuevos,
        "obligaciones_nuevas": reporte.obligaciones_nuevas,
        "obligaciones_actualizadas": reporte.obligaciones_actualizadas,
        "sin_cambios": reporte.sin_cambios,
        "columnas_ignoradas": reporte.columnas_ignoradas,
        "rechazos": [{"fila": r.linea, "columna": r.columna, "motivo": r.motivo}
                     for r in sorted(reporte.rechazos, key=lambda r: r.linea)],
    }


@bp.post("/asignaciones")
@alcance("asignaciones")
def asignaciones():
    datos = _cuerpo()
    crudas = datos.get("filas")
    if not isinstance(crudas, list):
        raise _campo_invalido("filas", "debe ser una lista de objetos, una por obligación")
    if not crudas:
        raise _campo_invalido("filas", "la lista está vacía", 422)
    maximo = current_app.config.get("API_MAXIMO_FILAS", MAXIMO_FILAS)
    if len(crudas) > maximo:
        raise ErrorApi(413, "demasiadas_filas",
                       f"Se recibieron {len(crudas)} filas; el máximo por solicitud es "
                       f"{maximo}. Divida la asignación en varias solicitudes.")
    todo_o_nada = datos.get("todo_o_nada", True)
    if not isinstance(todo_o_nada, bool):
        raise _campo_invalido("todo_o_nada", "debe ser true o false")
    referencia_lote = datos.get("referencia_lote")
    if referencia_lote is not None and (not isinstance(referencia_lote, str)
                                        or len(referencia_lote) > 100):
        raise _campo_invalido("referencia_lote", "debe ser texto de hasta 100 caracteres")
    filas = _filas(crudas)
    token = g.token_api
    nombre = f"API {token.nombre}" + (f" · {referencia_lote}" if referencia_lote else "")
    for intento in (1, 2):
        try:
            reporte = importar_filas(token.acreedor, filas, nombre, _suma(filas),
                                     todo_o_nada=todo_o_nada, usuario_id=None)
            db.session.commit()
            break
        except IntegrityError:
            # The same payload sent twice at once: the other request created the lote.
            db.session.rollback()
            if intento == 2:
                raise ErrorApi(409, "conflicto", "Otra solicitud modificó los mismos datos; "
                                                 "reintente.") from None
    cuerpo = _reporte_asignacion(reporte, referencia_lote)
    if not reporte.importado:
        mensaje = ("Ninguna fila se importó: hay filas con errores y la asignación es de todo "
                   "o nada." if todo_o_nada else "Ninguna fila es válida.")
        respuesta = respuesta_error(422, "filas_rechazadas", mensaje, cuerpo["rechazos"])
        return respuesta
    return jsonify(cuerpo), (200 if cuerpo["ya_importado"] else 201)


# ---------------------------------------------------------------- devoluciones


@bp.post("/devoluciones", endpoint="devoluciones")
@alcance("devoluciones")
def devolver_casos():
    datos = _cuerpo()
    referencias = datos.get("referencias")
    if not isinstance(referencias, list):
        raise _campo_invalido("referencias", "debe ser una lista de referencias")
    if len(referencias) > devoluciones.MAXIMO_LINEAS:
        raise ErrorApi(413, "demasiadas_referencias",
                       f"Se recibieron {len(referencias)} referencias; el máximo por solicitud "
                       f"es {devoluciones.MAXIMO_LINEAS}.")
    malas = [i for i, r in enumerate(referencias, start=1)
             if isinstance(r, bool) or not isinstance(r, str | int | float)]
    if malas:
        raise ErrorApi(400, "cuerpo_invalido", "Cada referencia debe ser texto.",
                       [{"posicion": i, "motivo": "no es texto"} for i in malas[:100]])
    motivo = datos.get("motivo")
    if motivo is not None and not isinstance(motivo, str):
        raise _campo_invalido("motivo", "debe ser texto")
    token = g.token_api
    try:
        # Always referencias (text): the acreedor does not know the agency's caso ids.
        reporte = devoluciones.devolver(token.acreedor, [str(r) for r in referencias], None,
                                        "api", motivo, quien=f"token «{token.nombre}»")
    except devoluciones.DevolucionInvalida as error:
        raise ErrorApi(422, "validacion", error.mensaje,
                       [{"campo": error.campo, "motivo": error.mensaje}]) from error
    db.session.commit()
    return jsonify(reporte.como_dict())


# ---------------------------------------------------------------- casos


def _acuerdo_abierto(caso_id: int, acreedor_id: int) -> dict | None:
    """The caso's open payment plan or settlement (one at a time), or None."""
    acuerdo = db.session.scalar(select(Acuerdo).where(
        Acuerdo.caso_id == caso_id, Acuerdo.acreedor_id == acreedor_id,
        Acuerdo.estado.in_(ESTADOS_ABIERTOS)).order_by(Acuerdo.id.desc()).limit(1))
    if acuerdo is None:
        return None
    proxima = next((c for c in acuerdo.cuotas if c.pendiente > 0), None)
    return {
        "tipo": acuerdo.tipo, "estado": acuerdo.estado, "moneda": acuerdo.moneda,
        "total_acordado": str(acuerdo.total_acordado), "pagado": str(acuerdo.pagado),
        "pendiente": str(acuerdo.pendiente), "numero_cuotas": acuerdo.numero_cuotas,
        "proxima_cuota": {"fecha": proxima.fecha.isoformat(), "monto": str(proxima.pendiente)}
        if proxima is not None else None,
    }


def _promesa_pendiente(caso_id: int, acreedor_id: int) -> dict | None:
    """The caso's earliest pending payment promise, or None."""
    promesa = db.session.scalar(select(Promesa).where(
        Promesa.caso_id == caso_id, Promesa.acreedor_id == acreedor_id,
        Promesa.estado == "pendiente").order_by(Promesa.fecha, Promesa.id).limit(1))
    if promesa is None:
        return None
    return {"fecha": promesa.fecha.isoformat(), "monto": str(promesa.monto)}


@bp.get("/casos/<path:referencia>")
@alcance("casos")
def caso(referencia: str):
    acreedor_id = g.token_api.acreedor_id
    obligacion = db.session.scalar(select(Obligacion).where(
        Obligacion.acreedor_id == acreedor_id, Obligacion.referencia == referencia))
    if obligacion is None:
        obligacion = db.session.scalar(select(Obligacion).where(
            Obligacion.acreedor_id == acreedor_id,
            func.lower(Obligacion.referencia) == referencia.lower()).limit(1))
    if obligacion is None:
        raise ErrorApi(404, "no_encontrado",
                       f"La referencia «{referencia[:80]}» no está en su cartera.")
    caso = db.session.scalar(select(Caso).where(Caso.id == obligacion.caso_id,
                                                Caso.acreedor_id == acreedor_id))
    ultima = db.session.scalar(select(func.max(Gestion.creado_en)).where(
        Gestion.caso_id == caso.id))
    obligaciones = db.session.scalars(select(Obligacion).where(
        Obligacion.caso_id == caso.id, Obligacion.acreedor_id == acreedor_id)
        .order_by(Obligacion.fecha_vencimiento, Obligacion.id))
    return jsonify({
        "referencia": obligacion.referencia,
        "caso": {
            "id": caso.id,
            "etapa": caso.etapa,
            "nombre_etapa": caso.nombre_etapa,
            "etapa_desde": caso.etapa_desde.isoformat() if caso.etapa_desde else None,
            "saldo": str(caso.saldo),
            "moneda": caso.acreedor.moneda,
            "en_disputa": caso.en_disputa,
            "ultima_gestion_en": ultima.isoformat() if ultima else None,
        },
        "acuerdo": _acuerdo_abierto(caso.id, acreedor_id),
        "promesa": _promesa_pendiente(caso.id, acreedor_id),
        "obligaciones": [{
            "referencia": o.referencia, "numero_factura": o.numero_factura,
            "fecha_vencimiento": o.fecha_vencimiento.isoformat(), "moneda": o.moneda,
            "capital": str(o.capital), "saldo": str(o.saldo)} for o in obligaciones],
    })


# Read-only endpoints kept in their own module, registered on this blueprint when imported.
from agencia.api import consultas  # noqa: E402, F401
