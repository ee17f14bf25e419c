"""The audit trail: who changed what, when, before and after. Append-only."""

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora


class Auditoria(db.Model):
    __tablename__ = "auditoria"
    __table_args__ = (
        Index("ix_auditoria_entidad", "entidad", "entidad_id"),
        # The entries still to be sealed into the hash chain, in order.
        Index("ix_auditoria_sin_sellar", "id", postgresql_where=text("hash IS NULL"),
              sqlite_where=text("hash IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creado_en = mapped_column(FechaHoraUTC, default=ahora, index=True)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    acreedor_id: Mapped[int | None] = mapped_column(ForeignKey("acreedor.id"), index=True)
    accion: Mapped[str] = mapped_column(String(60))
    entidad: Mapped[str] = mapped_column(String(40))
    entidad_id: Mapped[int | None]
    antes: Mapped[dict | None] = mapped_column(JSON)
    despues: Mapped[dict | None] = mapped_column(JSON)
    # The hash chain (agencia.auditoria.cadena): set when the entry is sealed, after its
    # transaction committed; NULL while it waits to be sealed.
    hash_anterior: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class SelloAuditoria(db.Model):
    """The head of the audit hash chain (one row): the last sealed entry and its hash, so a
    deleted last entry is detected too, and the sealing watermark (the sequence value and
    transaction id seen by the previous run: entries up to that id are final once every
    transaction older than that id has ended)."""

    __tablename__ = "sello_auditoria"

    id: Mapped[int] = mapped_column(primary_key=True)
    ultimo_id: Mapped[int] = mapped_column(default=0)
    ultimo_hash: Mapped[str | None] = mapped_column(String(64))
    marca_secuencia: Mapped[int | None]
    marca_transaccion: Mapped[int | None] = mapped_column(BigInteger)
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora)


@event.listens_for(Auditoria, "before_update")
@event.listens_for(Auditoria, "before_delete")
def _auditoria_inmutable(mapper, connection, target):
    from agencia.casos.modelos import RegistroInmutable

    raise RegistroInmutable("La auditoría no se modifica ni se borra")
