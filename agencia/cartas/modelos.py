"""Generated letters: one row per carta, with its template, parameters, file and job."""

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

PLANTILLAS_CARTA = {
    "recordatorio_amistoso": "Recordatorio amistoso",
    "acuerdo_pago": "Acuerdo de pago",
    "paz_y_salvo": "Paz y salvo",
}
# Offered in the caso page's list; acuerdo_pago and paz_y_salvo have buttons of their own
# (they need an acuerdo, or a caso pagado).
PLANTILLAS_A_ELECCION = ("recordatorio_amistoso",)
ESTADOS_CARTA = {
    "pendiente": "En cola",
    "generando": "Generando",
    "lista": "Lista",
    "error": "Error",
}


class Carta(db.Model):
    __tablename__ = "carta"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    plantilla: Mapped[str] = mapped_column(String(60))
    parametros: Mapped[dict] = mapped_column(JSON, default=dict)
    estado: Mapped[str] = mapped_column(String(20), default="pendiente")
    progreso: Mapped[int] = mapped_column(default=0)
    archivo: Mapped[str | None] = mapped_column(String(255))
    tamano: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    solicitado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    terminado_en = mapped_column(FechaHoraUTC)

    caso = relationship("Caso")

    @property
    def nombre_plantilla(self) -> str:
        return PLANTILLAS_CARTA.get(self.plantilla, self.plantilla)

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_CARTA.get(self.estado, self.estado)
