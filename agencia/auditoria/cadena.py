"""The audit trail as a hash chain: an edited or deleted entry is detected.

Entries are inserted by many concurrent transactions (registrar / registrar_varios), so the
chain is not computed at insert time: `sellar()` seals the final entries afterwards, in id
order, and `verificar()` recomputes the whole chain.

Hash of an entry (hex SHA-256) over the UTF-8 bytes of this JSON array, serialized with
sorted keys, no spaces and non-ASCII characters kept as they are:

    [hash_anterior or "", id, creado_en, usuario_id, acreedor_id, accion, entidad,
     entidad_id, antes, despues]

where creado_en is UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (or null), and antes / despues are
the stored JSON values (objects or null). hash_anterior is the hash of the previous sealed
entry (NULL for the first one). The head of the chain (SelloAuditoria: last sealed id and
hash) catches a deleted last entry.

Which entries are final:
- SQLite has a single writer: every committed entry is final.
- PostgreSQL: a transaction that took a lower id may commit after one with a higher id. A
  watermark (marca_secuencia, marca_transaccion) is stored by each run: the auditoria id
  sequence's last value and the run's transaction id. Once every transaction older than
  marca_transaccion has ended, no entry with id <= marca_secuencia can appear any more: they
  are sealed (ids that do not exist were rolled back), and a new watermark is stored.
  "Older" also counts transactions that took an id before having a transaction id of their
  own (the first row an INSERT writes): their running statement holds a snapshot whose
  xmin is <= marca_transaccion, visible as backend_xmin in pg_stat_activity.

Sealing writes with Core UPDATE statements: the ORM still refuses to change audit entries.
"""

import hashlib
import json

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from agencia.auditoria.modelos import Auditoria, SelloAuditoria
from agencia.extensiones import db
from agencia.tipos import ahora

LOTE = 5000
SELLO_ID = 1

_auditoria = Auditoria.__table__
_sello = SelloAuditoria.__table__
_COLUMNAS = (
    _auditoria.c.id, _auditoria.c.creado_en, _auditoria.c.usuario_id, _auditoria.c.acreedor_id,
    _auditoria.c.accion, _auditoria.c.entidad, _auditoria.c.entidad_id, _auditoria.c.antes,
    _auditoria.c.despues, _auditoria.c.hash_anterior, _auditoria.c.hash,
)


def calcular_hash(fila, hash_anterior: str | None) -> str:
    """The entry's hash given the previous one (see the module docstring)."""
    creado = fila.creado_en.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if fila.creado_en else None
    datos = [hash_anterior or "", fila.id, creado, fila.usuario_id, fila.acreedor_id,
             fila.accion, fila.entidad, fila.entidad_id, fila.antes, fila.despues]
    canonico = json.dumps(datos, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonico.encode("utf-8")).hexdigest()


def _es_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _bloquear_sello():
    """The head row, locked for this transaction (created if missing): two sealers never
    run at once. Touching it first also takes SQLite's write lock before anything is read."""
    tocar = update(_sello).where(_sello.c.id == SELLO_ID).values(actualizado_en=ahora())
    if db.session.execute(tocar).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(_sello).values(id=SELLO_ID, ultimo_id=0,
                                                         actualizado_en=ahora()))
        except IntegrityError:  # another sealer created it meanwhile
            db.session.execute(tocar)
    return db.session.execute(
        select(_sello).where(_sello.c.id == SELLO_ID).with_for_update()
    ).one()


def _marca_superada(marca_transaccion: int | None) -> bool:
    """Whether every PostgreSQL transaction as old as the watermark has ended."""
    if marca_transaccion is None:
        return False
    horizonte = db.session.execute(text(
        "SELECT least(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
        " (SELECT min(pg_current_xact_id()::text::bigint - age(backend_xmin))"
        "  FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()))"
    )).scalar_one()
    return horizonte > marca_transaccion


def _nueva_marca() -> tuple[int, int]:
    return db.session.execute(text(
        "SELECT coalesce(pg_sequence_last_value("
        "pg_get_serial_sequence('auditoria', 'id')::regclass), 0),"
        " pg_current_xact_id()::text::bigint"
    )).one()


def sellar(limite: int = LOTE) -> int:
    """Seals up to `limite` final entries in id order, in the caller's transaction (the
    caller commits). Returns how many were sealed."""
    sello = _bloquear_sello()
    postgres = _es_postgres()
    if postgres and not _marca_superada(sello.marca_transaccion):
        if sello.marca_transaccion is None:
            _guardar_marca()
        return 0
    consulta = select(*_COLUMNAS).where(_auditoria.c.hash.is_(None),
                                        _auditoria.c.id > sello.ultimo_id)
    if postgres:
        consulta = consulta.where(_auditoria.c.id <= sello.marca_secuencia)
    filas = db.session.execute(consulta.order_by(_auditoria.c.id).limit(limite)).all()
    anterior = sello.ultimo_hash
    cambios = []
    for fila in filas:
        propio = calcular_hash(fila, anterior)
        cambios.append({"b_id": fila.id, "b_anterior": anterior, "b_hash": propio})
        anterior = propio
    if cambios:
        db.session.execute(
            update(_auditoria).where(_auditoria.c.id == bindparam("b_id"))
            .values(hash_anterior=bindparam("b_anterior"), hash=bindparam("b_hash")),
            cambios,
        )
        db.session.execute(update(_sello).where(_sello.c.id == SELLO_ID).values(
            ultimo_id=cambios[-1]["b_id"], ultimo_hash=anterior))
    if postgres and len(filas) < limite:  # everything up to the watermark is sealed
        _guardar_marca()
    return len(filas)


def _guardar_marca() -> None:
    secuencia, transaccion = _nueva_marca()
    db.session.execute(update(_sello).where(_sello.c.id == SELLO_ID).values(
        marca_secuencia=secuencia, marca_transaccion=transaccion))


def sellar_pendientes(limite: int = LOTE, max_rondas: int = 100) -> int:
    """Seals what is final, committing after each batch (the CLI and the periodic job).
    At least two rounds: on PostgreSQL the first round's watermark is usually passed at once."""
    total = 0
    for ronda in range(max_rondas):
        sellados = sellar(limite)
        db.session.commit()
        total += sellados
        if sellados < limite and ronda >= 1:
            break
    return total


def verificar() -> list[str]:
    """Recomputes the chain; the problems found, in Spanish (empty: the chain is intact)."""
    problemas = []
    anterior_hash = None
    ultimo = None
    desde = 0
    while True:
        filas = db.session.execute(
            select(*_COLUMNAS).where(_auditoria.c.hash.is_not(None), _auditoria.c.id > desde)
            .order_by(_auditoria.c.id).limit(LOTE)
        ).all()
        for fila in filas:
            if fila.hash_anterior != anterior_hash:
                problemas.append(f"Falta una entrada antes de la {fila.id} (borrada).")
            if calcular_hash(fila, fila.hash_anterior) != fila.hash:
                problemas.append(f"La entrada {fila.id} fue modificada.")
            anterior_hash = fila.hash
            ultimo = fila
        if len(filas) < LOTE:
            break
        desde = filas[-1].id
    sello = db.session.execute(select(_sello).where(_sello.c.id == SELLO_ID)).first()
    ultimo_id = sello.ultimo_id if sello else 0
    if ultimo is not None and sello is None:
        problemas.append("Falta el sello de la cadena (la cabeza fue borrada).")
    elif ultimo_id and (ultimo is None or ultimo.id < ultimo_id):
        problemas.append(f"Se borró la última entrada sellada (la {ultimo_id}).")
    elif ultimo is not None and (ultimo.id != ultimo_id or ultimo.hash != sello.ultimo_hash):
        problemas.append(f"El sello no coincide con la última entrada sellada ({ultimo.id}).")
    sin_sellar = db.session.scalars(
        select(_auditoria.c.id).where(_auditoria.c.hash.is_(None), _auditoria.c.id < ultimo_id)
        .order_by(_auditoria.c.id).limit(20)
    ).all()
    problemas += [f"La entrada {i} está sin sellar pero es anterior al sello." for i in sin_sellar]
    return problemas


def contar() -> tuple[int, int]:
    """(sealed entries, entries waiting to be sealed)."""
    selladas, pendientes = db.session.execute(select(
        func.count(_auditoria.c.hash), func.count() - func.count(_auditoria.c.hash)
    ).select_from(_auditoria)).one()
    return selladas, pendientes
