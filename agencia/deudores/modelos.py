"""Deudores (shared across acreedores, deduplicated by document) and their contactos."""

from datetime import time

from sqlalchemy import JSON, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

TIPOS_DOCUMENTO = ("CC", "CE", "NIT", "PAS", "TI", "RUT", "RFC", "CURP", "DNI", "RUC", "SSN")
TIPOS_CONTACTO = {"telefono": "Teléfono", "email": "Correo", "direccion": "Dirección"}


class Deudor(db.Model):
    __tablename__ = "deudor"
    __table_args__ = (UniqueConstraint("tipo_documento", "numero_documento"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo_documento: Mapped[str] = mapped_column(String(10))
    numero_documento: Mapped[str] = mapped_column(String(30), index=True)
    nombre: Mapped[str] = mapped_column(String(200), index=True)
    tipo_persona: Mapped[str] = mapped_column(String(10), default="natural")
    ciudad: Mapped[str | None] = mapped_column(String(100))
    no_contactar: Mapped[bool] = mapped_column(default=False)
    # Where the deudor lives, for the contact law and local time; None falls back to the
    # acreedor's country and time zone (and the contact policy says so).
    pais: Mapped[str | None] = mapped_column(String(2))
    zona_horaria: Mapped[str | None] = mapped_column(String(50))
    # Preferred contact hours (local time), always within the legal window.
    hora_preferida_desde: Mapped[time | None] = mapped_column(Time)
    hora_preferida_hasta: Mapped[time | None] = mapped_column(Time)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    contactos = relationship(
        "Contacto", back_populates="deudor", order_by="Contacto.id", cascade="all, delete-orphan"
    )

    @property
    def documento(self) -> str:
        return f"{self.tipo_documento} {self.numero_documento}"


class Contacto(db.Model):
    __tablename__ = "contacto"
    __table_args__ = (UniqueConstraint("deudor_id", "tipo", "valor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deudor_id: Mapped[int] = mapped_column(ForeignKey("deudor.id"), index=True)
    tipo: Mapped[str] = mapped_column(String(10))
    valor: Mapped[str] = mapped_column(String(300))
    valido: Mapped[bool] = mapped_column(default=True)
    # Channels the deudor authorised for this contact (llamada, sms, whatsapp, email, carta...).
    consentimientos: Mapped[list] = mapped_column(JSON, default=list)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    deudor = relationship("Deudor", back_populates="contactos")

    @property
    def nombre_tipo(self) -> str:
        return TIPOS_CONTACTO.get(self.tipo, self.tipo)
