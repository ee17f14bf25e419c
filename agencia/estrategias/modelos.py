"""Contact strategies (planes de contacto): per acreedor and etapa, a sequence of automated
steps by day offset from the day the caso entered the etapa (e.g. day 0 email, day 7 SMS,
day 15 carta prejurídica).

A step's run for a caso is written once: `EjecucionPaso.clave` is unique per strategy, caso,
entry into the etapa (`Caso.etapa_desde`), day and channel, so the scheduled job can run any
number of times and a caso that re-enters the etapa runs the plan again. The run keeps a copy
of the step (day, channel, template): editing the plan later does not rewrite history.
"""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

CANALES_PASO = {
    "email": "Correo electrónico",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "carta": "Carta",
}
ESTADOS_EJECUCION = {
    "encolado": "En la bandeja de salida",
    "omitido": "Omitido",
}
MAXIMO_DIA = 365
MAXIMO_PASOS = 20


class Estrategia(db.Model):
    __tablename__ = "estrategia"
    __table_args__ = (UniqueConstraint("acreedor_id", "etapa"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    etapa: Mapped[str] = mapped_column(String(20))
    nombre: Mapped[str] = mapped_column(String(120))
    activa: Mapped[bool] = mapped_column(default=True)
    actualizado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)

    acreedor = relationship("Acreedor")
    pasos = relationship(
        "PasoEstrategia",
        back_populates="estrategia",
        order_by="(PasoEstrategia.dia, PasoEstrategia.id)",
        cascade="all, delete-orphan",
    )


class PasoEstrategia(db.Model):
    __tablename__ = "paso_estrategia"
    __table_args__ = (UniqueConstraint("estrategia_id", "dia", "canal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estrategia_id: Mapped[int] = mapped_column(
        ForeignKey("estrategia.id", ondelete="CASCADE"), index=True
    )
    dia: Mapped[int]  # days after the caso entered the etapa (0 = that day)
    canal: Mapped[str] = mapped_column(String(10))  # a key of CANALES_PASO
    plantilla: Mapped[str] = mapped_column(String(60))  # letter or message template key

    estrategia = relationship("Estrategia", back_populates="pasos")

    @property
    def nombre_canal(self) -> str:
        return CANALES_PASO.get(self.canal, self.canal)


class EjecucionPaso(db.Model):
    """One step of a strategy run for one caso: queued (a Mensaje in the outbox, or a Carta
    whose generation waits for the contact policy) or skipped with the reason."""

    __tablename__ = "ejecucion_paso"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    estrategia_id: Mapped[int | None] = mapped_column(
        ForeignKey("estrategia.id", ondelete="SET NULL"), index=True
    )
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    # "estrategia:<estrategia_id>:<caso_id>:<etapa_desde epoch>:<dia>:<canal>"
    clave: Mapped[str] = mapped_column(String(160), unique=True)
    etapa: Mapped[str] = mapped_column(String(20))
    dia: Mapped[int]
    canal: Mapped[str] = mapped_column(String(10))
    plantilla: Mapped[str] = mapped_column(String(60))
    estado: Mapped[str] = mapped_column(String(12))  # a key of ESTADOS_EJECUCION
    motivo: Mapped[str | None] = mapped_column(Text)
    mensaje_id: Mapped[int | None] = mapped_column(ForeignKey("mensaje.id"))
    carta_id: Mapped[int | None] = mapped_column(ForeignKey("carta.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    caso = relationship("Caso")

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_EJECUCION.get(self.estado, self.estado)

    @property
    def nombre_canal(self) -> str:
        return CANALES_PASO.get(self.canal, self.canal)
