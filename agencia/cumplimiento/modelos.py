"""Per-acreedor contact policy: how an acreedor tightens a country's legal preset, and the
audited admin exception that may loosen it."""

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora


class PoliticaAcreedor(db.Model):
    __tablename__ = "politica_acreedor"
    __table_args__ = (UniqueConstraint("acreedor_id", "pais"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    # The preset (the deudor's country) these settings apply to.
    pais: Mapped[str] = mapped_column(String(2))
    # Tightening of the preset; validated so it never loosens it (see cumplimiento.ajustes).
    ajustes: Mapped[dict] = mapped_column(JSON, default=dict)
    # Loosening beyond the preset: only by an admin, with a reason, audited.
    excepcion: Mapped[dict | None] = mapped_column(JSON)
    excepcion_motivo: Mapped[str | None] = mapped_column(Text)
    excepcion_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    excepcion_en = mapped_column(FechaHoraUTC)
    actualizado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)

    acreedor = relationship("Acreedor")
