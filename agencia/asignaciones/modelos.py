"""Placement batches (lotes de asignacion) received from an acreedor."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora


class LoteAsignacion(db.Model):
    __tablename__ = "lote_asignacion"
    # The same file placed twice with one acreedor is the same lote.
    __table_args__ = (UniqueConstraint("acreedor_id", "checksum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    archivo: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))
    filas: Mapped[int] = mapped_column(default=0)
    obligaciones_nuevas: Mapped[int] = mapped_column(default=0)
    obligaciones_actualizadas: Mapped[int] = mapped_column(default=0)
    casos_nuevos: Mapped[int] = mapped_column(default=0)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    acreedor = relationship("Acreedor")
