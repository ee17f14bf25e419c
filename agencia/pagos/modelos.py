"""Payments received (pagos). A bank reference is recorded once per acreedor.

Where each payment went is kept line by line: `ImputacionPago` (which obligacion and which
component: gastos, intereses, capital) and `AbonoCuota` (which cuota of an acuerdo). A
reversal (returned transfer) undoes exactly those lines, so nothing is recomputed from
scratch and the schedule returns to what it was.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
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
ESTADOS_PAGO = {"aplicado": "Aplicado", "reversado": "Reversado"}


class Pago(db.Model):
    __tablename__ = "pago"
    __table_args__ = (UniqueConstraint("acreedor_id", "referencia_bancaria"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    monto = mapped_column(Dinero, nullable=False)
    fecha: Mapped[date] = mapped_column(Date, index=True)
    metodo: Mapped[str] = mapped_column(String(20), default="transferencia")
    referencia_bancaria: Mapped[str] = mapped_column(String(80))
    registrado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    moneda: Mapped[str] = mapped_column(String(3), default="", server_default="")
    # The part of the payment above the whole debt: kept as the deudor's credit, not lost.
    credito = mapped_column(Dinero, nullable=False, default=Decimal("0"), server_default="0")
    estado: Mapped[str] = mapped_column(String(12), default="aplicado", server_default="aplicado")
    origen: Mapped[str] = mapped_column(String(12), default="manual", server_default="manual")
    lote_pagos_id: Mapped[int | None] = mapped_column(ForeignKey("lote_pagos.id"))
    # The etapa the caso was in when the payment arrived (the fee rate depends on it).
    etapa: Mapped[str | None] = mapped_column(String(20))
    # Proof of payment (comprobante): stored outside the database, under ALMACEN_ARCHIVOS.
    comprobante: Mapped[str | None] = mapped_column(String(255))
    comprobante_nombre: Mapped[str | None] = mapped_column(String(255))
    comprobante_tipo: Mapped[str | None] = mapped_column(String(100))
    comprobante_sha256: Mapped[str | None] = mapped_column(String(64))
    comprobante_tamano: Mapped[int | None]
    reversado_en = mapped_column(FechaHoraUTC, index=True)
    reversado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    motivo_reversion: Mapped[str | None] = mapped_column(Text)

    caso = relationship("Caso")
    imputaciones = relationship("ImputacionPago", order_by="ImputacionPago.id")
    abonos = relationship("AbonoCuota", order_by="AbonoCuota.id")

    @property
    def nombre_metodo(self) -> str:
        return METODOS_PAGO.get(self.metodo, self.metodo)

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_PAGO.get(self.estado, self.estado)

    @property
    def aplicado_a_deuda(self) -> Decimal:
        return self.monto - self.credito


COMPONENTES = {"gastos": "Gastos", "intereses": "Intereses", "capital": "Capital"}
ORDEN_IMPUTACION_DEFECTO = ("gastos", "intereses", "capital")


class ImputacionPago(db.Model):
    """Part of a payment applied to one component of one obligacion."""

    __tablename__ = "imputacion_pago"

    id: Mapped[int] = mapped_column(primary_key=True)
    pago_id: Mapped[int] = mapped_column(ForeignKey("pago.id"), index=True)
    obligacion_id: Mapped[int] = mapped_column(ForeignKey("obligacion.id"), index=True)
    componente: Mapped[str] = mapped_column(String(10))
    monto = mapped_column(Dinero, nullable=False)

    obligacion = relationship("Obligacion")

    @property
    def nombre_componente(self) -> str:
        return COMPONENTES.get(self.componente, self.componente)


class AbonoCuota(db.Model):
    """Part of a payment applied to one cuota of an acuerdo."""

    __tablename__ = "abono_cuota"

    id: Mapped[int] = mapped_column(primary_key=True)
    pago_id: Mapped[int] = mapped_column(ForeignKey("pago.id"), index=True)
    cuota_id: Mapped[int] = mapped_column(ForeignKey("cuota.id"), index=True)
    monto = mapped_column(Dinero, nullable=False)

    cuota = relationship("Cuota")


class LotePagos(db.Model):
    """A bank file of payments imported for one acreedor; the report lists every line."""

    __tablename__ = "lote_pagos"
    __table_args__ = (UniqueConstraint("acreedor_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    archivo: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    filas: Mapped[int] = mapped_column(default=0)
    registrados: Mapped[int] = mapped_column(default=0)
    repetidos: Mapped[int] = mapped_column(default=0)
    rechazados: Mapped[int] = mapped_column(default=0)
    reporte: Mapped[list] = mapped_column(JSON, default=list)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
