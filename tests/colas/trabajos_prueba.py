"""Jobs used by the colas tests (importable by the worker, like real ones)."""

import json
import os

from flask import current_app, has_app_context
from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.extensiones import db
from colas.conexion import conexion, trabajo


@trabajo()
def informar(marca: str) -> None:
    """Leaves in Redis where and how it ran."""
    datos = {
        "pid": os.getpid(),
        "contexto": has_app_context(),
        "app_pruebas": bool(current_app.config.get("TESTING")),
        "acreedores": db.session.scalar(select(func.count()).select_from(Acreedor)),
    }
    conexion().set(marca, json.dumps(datos))


@trabajo()
def crear_acreedor(codigo: str) -> int:
    acreedor = Acreedor(codigo=codigo, nombre=f"Acreedor {codigo}")
    db.session.add(acreedor)
    db.session.commit()
    return acreedor.id


@trabajo()
def anotar() -> int:
    return conexion().incr("prueba:anotar")


@trabajo()
def fallar() -> None:
    raise RuntimeError("falla a propósito")
