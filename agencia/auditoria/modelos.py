"""The audit trail: who changed what, when, before and after. Append-only."""

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora


class Auditoria(db.Model):
    __tablename__ = "auditoria"
    __table_args__ = (Index("ix_auditoria_entidad", "entidad", "entidad_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creado_en = mapped_column(FechaHoraUTC, default=ahora, index=True)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    acreedor_id: Mapped[int | None] = mapped_column(ForeignKey("acreedor.id"), index=True)
    accion: Mapped[str] = mapped_column(String(60))
    entidad: Mapped[str] = mapped_column(String(40))
    entidad_id: Mapped[int | None]
    antes: Mapped[dict | None] = mapped_column(JSON)
    despues: Mapped[dict | None] = mapped_column(JSON)


@event.listens_for(Auditoria, "before_update")
@event.listens_for(Auditoria, "before_delete")
def _auditoria_inmutable(mapper, connection, target):
    from agencia.casos.modelos import RegistroInmutable

    raise RegistroInmutable("La auditoría no se modifica ni se borra")
