"""A short-lived cache of each agent's bandeja figures (Mi día's counts and saldos).

The grouped count and sum over an agent's casos is the most expensive part of the bandeja
page with a large portfolio (DISENO §7), and the figures do not need to be exact to the
second: they are kept in Redis for `CIFRAS_CACHE_S` seconds (default 60; 0 turns the cache
off) and the page says when they were computed, with a link to recompute them. A
reassignment forgets the figures of both agents at once, and the supervisors' load per agent
(cached the same way, `memorizar`). If Redis does not answer, the
figures are computed on every request: the page never depends on the cache.
"""

import json
import logging
from collections.abc import Callable
from decimal import Decimal

from flask import current_app
from redis.exceptions import RedisError

from colas.conexion import conexion

PREFIJO = "agencia:cifras"
CLAVE_CARGAS = "agencia:supervision:cargas"  # supervision.filtros.cargas_cacheadas
log = logging.getLogger(__name__)


def _clave(agente_id: int, acreedor_id: int | None) -> str:
    return f"{PREFIJO}:{agente_id}:{acreedor_id or 'todos'}"


def _segundos() -> int:
    return int(current_app.config.get("CIFRAS_CACHE_S", 60) or 0)


def _a_json(cifras: dict) -> str:
    return json.dumps({**cifras, "saldos": [[m, str(t)] for m, t in cifras["saldos"]]})


def _de_json(texto: bytes) -> dict:
    cifras = json.loads(texto)
    cifras["saldos"] = [(m, Decimal(t)) for m, t in cifras["saldos"]]
    return cifras


def cacheadas(agente_id: int, acreedor_id: int | None, calcular: Callable[[], dict],
              fresco: bool = False) -> dict:
    """The cached figures, or `calcular()` stored for the next requests."""
    return memorizar(_clave(agente_id, acreedor_id), calcular, _a_json, _de_json, fresco)


def memorizar(clave: str, calcular: Callable, a_texto: Callable, de_texto: Callable,
              fresco: bool = False):
    """The value kept under `clave` for CIFRAS_CACHE_S seconds, or `calcular()` stored for
    the next requests; computed every time when the cache is off or Redis does not answer."""
    segundos = _segundos()
    if segundos <= 0:
        return calcular()
    try:
        guardado = None if fresco else conexion().get(clave)
        if guardado is not None:
            return de_texto(guardado)
    except RedisError as error:
        log.warning("Cifras sin caché (Redis: %s)", error)
        return calcular()
    valor = calcular()
    try:
        conexion().set(clave, a_texto(valor), ex=segundos)
    except RedisError as error:
        log.warning("No se guardaron las cifras (Redis: %s)", error)
    return valor


def olvidar(*agente_ids: int | None) -> None:
    """Drops the cached figures of these agents (every scope)."""
    if _segundos() <= 0:
        return
    try:
        redis = conexion()
        redis.delete(CLAVE_CARGAS)  # the supervisors' load per agent changed too
        for agente_id in {a for a in agente_ids if a is not None}:
            claves = list(redis.scan_iter(f"{PREFIJO}:{agente_id}:*"))
            if claves:
                redis.delete(*claves)
    except RedisError as error:
        log.warning("No se olvidaron las cifras de la bandeja (Redis: %s)", error)
