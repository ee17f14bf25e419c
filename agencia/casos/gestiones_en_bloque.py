"""Logging many automated gestiones at once (letter batches).

The same rows and audit entries as `servicios.registrar_gestion` for an outcome that leads to
nothing but a next-action date, written with one INSERT per table and one UPDATE of the casos
instead of a flush per gestion. The contact policy is the caller's: it checked the whole batch
just before (cumplimiento.motor.evaluar_lote).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, insert, or_, update

from agencia.auditoria.servicios import registrar_varios
from agencia.casos.modelos import Caso, Gestion
from agencia.casos.resultados import DIAS_SIGUIENTE
from agencia.extensiones import db

# Outcomes whose only consequence is the suggested next action (casos.resultados.aplicar
# does nothing for them).
SIN_CONSECUENCIAS = ("carta_generada", "mensaje_dejado")


@dataclass(frozen=True)
class GestionAutomatica:
    caso_id: int
    acreedor_id: int
    nota: str
    # The caso's values when the work was prepared (for the audit's "antes").
    ultima_gestion_en: datetime | None
    proxima_accion: date | None


def registrar_en_bloque(
    filas: list[GestionAutomatica],
    *,
    canal: str,
    resultado: str,
    usuario_id: int | None,
    momento: datetime,
    hoy: date,
) -> dict[int, int]:
    """Writes one outbound gestion per row; returns caso_id → gestion id. Flushes nothing of
    the session's own objects (plain statements); the caller commits."""
    if resultado not in SIN_CONSECUENCIAS:
        raise ValueError(f"{resultado!r} tiene consecuencias: use registrar_gestion")
    if not filas:
        return {}
    proxima = hoy + timedelta(days=DIAS_SIGUIENTE[resultado])
    creadas = db.session.execute(
        insert(Gestion).returning(Gestion.id, Gestion.caso_id, sort_by_parameter_order=True),
        [
            {"caso_id": f.caso_id, "usuario_id": usuario_id, "canal": canal,
             "direccion": "saliente", "resultado": resultado, "nota": f.nota,
             "creado_en": momento}
            for f in filas
        ],
    ).all()
    gestiones = {caso_id: gestion_id for gestion_id, caso_id in creadas}
    db.session.execute(
        update(Caso)
        .where(Caso.id.in_(list(gestiones)))
        .values(
            ultima_gestion_en=case(
                (or_(Caso.ultima_gestion_en.is_(None), Caso.ultima_gestion_en < momento),
                 momento),
                else_=Caso.ultima_gestion_en,
            ),
            proxima_accion=proxima,
        )
        .execution_options(synchronize_session=False)
    )
    entradas = []
    for f in filas:
        antes, despues = {"ultima_gestion_en": f.ultima_gestion_en}, {}
        if f.ultima_gestion_en is None or momento > f.ultima_gestion_en:
            despues["ultima_gestion_en"] = momento
        if proxima != f.proxima_accion:
            antes["proxima_accion"] = f.proxima_accion
            despues["proxima_accion"] = proxima
        despues["gestion"] = {"id": gestiones[f.caso_id], "canal": canal,
                              "direccion": "saliente", "resultado": resultado}
        entradas.append({"accion": "gestion.registrada", "entidad": "caso",
                         "entidad_id": f.caso_id, "acreedor_id": f.acreedor_id,
                         "antes": antes, "despues": despues, "usuario_id": usuario_id})
    registrar_varios(entradas)
    return gestiones
