"""The outbox: every automated message, its state, and why it waits or failed.

A message is written once (`clave` is unique: the same reminder for the same cuota and offset is
never queued twice) and sent at most once: the sender moves it pendiente → enviando with a
conditional UPDATE before talking to the provider.
"""

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

CANALES_MENSAJE = {"email": "Correo electrónico", "sms": "SMS", "whatsapp": "WhatsApp"}
ESTADOS_MENSAJE = {
    "pendiente": "Pendiente",
    "esperando": "Esperando horario permitido",
    "enviando": "Enviando",
    "enviado": "Enviado",
    "fallido": "Fallido",
    "omitido": "Omitido",
}


class Mensaje(db.Model):
    __tablename__ = "mensaje"
    __table_args__ = (Index("ix_mensaje_estado_programado", "estado", "programado_para"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    contacto_id: Mapped[int | None] = mapped_column(ForeignKey("contacto.id"))
    canal: Mapped[str] = mapped_column(String(10))
    plantilla: Mapped[str] = mapped_column(String(60))
    origen: Mapped[str] = mapped_column(String(20), default="manual")
    # Unique per logical message, e.g. "recordatorio:cuota:812:-7".
    clave: Mapped[str] = mapped_column(String(160), unique=True)
    destino: Mapped[str | None] = mapped_column(String(300))
    asunto: Mapped[str | None] = mapped_column(String(200))
    cuerpo: Mapped[str | None] = mapped_column(Text)
    estado: Mapped[str] = mapped_column(String(12), default="pendiente")
    # Not before this moment: the next slot the contact policy allows, or the retry time.
    programado_para = mapped_column(FechaHoraUTC, default=ahora)
    intentos: Mapped[int] = mapped_column(default=0)
    ultimo_error: Mapped[str | None] = mapped_column(Text)
    motivo: Mapped[str | None] = mapped_column(Text)  # why it waits or was skipped
    proveedor_id: Mapped[str | None] = mapped_column(String(120))
    gestion_id: Mapped[int | None] = mapped_column(ForeignKey("gestion.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    enviado_en = mapped_column(FechaHoraUTC)

    caso = relationship("Caso")

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_MENSAJE.get(self.estado, self.estado)
