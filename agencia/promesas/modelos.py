"""Promises to pay (promesas de pago): an amount on a date, kept or broken."""

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora

ESTADOS_PROMESA = {"pendiente": "Pendiente", "cumplida": "Cumplida", "incumplida": "Incumplida"}


class Promesa(db.Model):
    __tablename__ = "promesa"
    __table_args__ = (Index("ix_promesa_estado_fecha", "estado", "fecha"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    gestion_id: Mapped[int | None] = mapped_column(ForeignKey("gestion.id"))
    monto = mapped_column(Dinero, nullable=False)
    fecha: Mapped[date] = mapped_column(Date)
    estado: Mapped[str] = mapped_column(String(12), default="pendiente")
    monto_pagado = mapped_column(Dinero, default=0, nullable=False)
    creado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora, index=True)
    resuelta_en = mapped_column(FechaHoraUTC)

    caso = relationship("Caso")

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_PROMESA.get(self.estado, self.estado)
