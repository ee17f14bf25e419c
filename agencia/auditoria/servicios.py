"""Writing audit entries. Services call registrar(); the request or job commits."""

from decimal import Decimal

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import insert

from agencia.auditoria.modelos import Auditoria
from agencia.extensiones import db


def _json(valor):
    if isinstance(valor, dict):
        return {k: _json(v) for k, v in valor.items()}
    if isinstance(valor, Decimal):
        return str(valor)
    if hasattr(valor, "isoformat"):
        return valor.isoformat()
    return valor


def usuario_actual_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def registrar(
    accion: str,
    entidad: str,
    entidad_id: int | None,
    *,
    acreedor_id: int | None = None,
    antes: dict | None = None,
    despues: dict | None = None,
    usuario_id: int | None = None,
) -> Auditoria:
    entrada = Auditoria(
        accion=accion,
        entidad=entidad,
        entidad_id=entidad_id,
        acreedor_id=acreedor_id,
        antes=_json(antes) if antes is not None else None,
        despues=_json(despues) if despues is not None else None,
        usuario_id=usuario_id if usuario_id is not None else usuario_actual_id(),
    )
    db.session.add(entrada)
    return entrada


def registrar_varios(entradas: list[dict]) -> None:
    """Many entries with one INSERT (batch work). Each dict has registrar()'s arguments:
    accion, entidad, entidad_id and optionally acreedor_id, antes, despues, usuario_id."""
    if not entradas:
        return
    actual = usuario_actual_id()
    filas = [
        {
            "accion": e["accion"],
            "entidad": e["entidad"],
            "entidad_id": e["entidad_id"],
            "acreedor_id": e.get("acreedor_id"),
            "antes": _json(e["antes"]) if e.get("antes") is not None else None,
            "despues": _json(e["despues"]) if e.get("despues") is not None else None,
            "usuario_id": e["usuario_id"] if e.get("usuario_id") is not None else actual,
        }
        for e in entradas
    ]
    db.session.execute(insert(Auditoria), filas)
