"""Placement batches (lotes de asignacion) received from an acreedor, and uploaded files on
their way to becoming one (cargas)."""

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
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


ESTADOS_CARGA = {
    "validada": "Validada, esperando confirmación",
    "en_cola": "En cola",
    "importando": "Importando",
    "terminada": "Terminada",
    "error": "Error",
}


class CargaCartera(db.Model):
    """A file uploaded in the UI, the portal or the API, before and while it is imported by an
    RQ job: where it is stored, the preview's verdict, the progress, and the resulting lote.
    `tipo` "asignacion" places casos; "devolucion" recalls them."""

    __tablename__ = "carga_cartera"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    tipo: Mapped[str] = mapped_column(String(12), default="asignacion")
    origen: Mapped[str] = mapped_column(String(12), default="ui")
    nombre_archivo: Mapped[str] = mapped_column(String(255))
    ruta: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    tamano: Mapped[int] = mapped_column(default=0)
    todo_o_nada: Mapped[bool] = mapped_column(default=True)
    estado: Mapped[str] = mapped_column(String(12), default="validada")
    total_filas: Mapped[int] = mapped_column(default=0)
    filas_procesadas: Mapped[int] = mapped_column(default=0)
    filas_rechazadas: Mapped[int] = mapped_column(default=0)
    # [{"linea": 7, "columna": "capital", "motivo": "..."}]
    reporte: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64))
    lote_id: Mapped[int | None] = mapped_column(ForeignKey("lote_asignacion.id"))
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    terminado_en = mapped_column(FechaHoraUTC)

    acreedor = relationship("Acreedor")
    lote = relationship("LoteAsignacion")

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_CARGA.get(self.estado, self.estado)

    @property
    def porcentaje(self) -> int:
        if self.estado == "terminada":
            return 100
        return min(100, round(100 * self.filas_procesadas / self.total_filas)) if self.total_filas else 0
