"""Fee schedule per acreedor and etapa, and the ledger of fees earned on each payment."""

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora


class TarifaHonorario(db.Model):
    __tablename__ = "tarifa_honorario"
    __table_args__ = (UniqueConstraint("acreedor_id", "etapa"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    etapa: Mapped[str] = mapped_column(String(20))
    porcentaje = mapped_column(Numeric(5, 2), nullable=False)


class Honorario(db.Model):
    """One ledger line: the fee on a payment ("cargo"), or its reversal ("reversa", negative
    amount) when the payment is reversed. Never updated: a reversal is a new line."""

    __tablename__ = "honorario"
    __table_args__ = (
        UniqueConstraint("pago_id", "tipo"),
        # Statements and the daily rollups read one acreedor's lines by date.
        Index("ix_honorario_acreedor_fecha", "acreedor_id", "fecha"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    pago_id: Mapped[int] = mapped_column(ForeignKey("pago.id"))
    tipo: Mapped[str] = mapped_column(String(10), default="cargo")
    etapa: Mapped[str] = mapped_column(String(20))
    base = mapped_column(Dinero, nullable=False)
    porcentaje = mapped_column(Numeric(5, 2), nullable=False)
    monto = mapped_column(Dinero, nullable=False)
    moneda: Mapped[str] = mapped_column(String(3))
    fecha: Mapped[date] = mapped_column(Date)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
