"""Payments received (pagos). A bank reference is recorded once per acreedor."""

from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora

METODOS_PAGO = {
    "transferencia": "Transferencia",
    "consignacion": "Consignación",
    "pse": "PSE",
    "efectivo": "Efectivo",
    "tarjeta": "Tarjeta",
    "otro": "Otro",
}


class Pago(db.Model):
    __tablename__ = "pago"
    __table_args__ = (UniqueConstraint("acreedor_id", "referencia_bancaria"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    monto = mapped_column(Dinero, nullable=False)
    fecha: Mapped[date] = mapped_column(Date)
    metodo: Mapped[str] = mapped_column(String(20), default="transferencia")
    referencia_bancaria: Mapped[str] = mapped_column(String(80))
    registrado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    caso = relationship("Caso")
