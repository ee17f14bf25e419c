"""A stored document: the file lives under ALMACEN_ARCHIVOS, the row keeps where, its size
and SHA-256 (the same file on the same caso is stored once)."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

TIPOS_DOCUMENTO = {
    "contrato": "Contrato",
    "factura": "Factura",
    "comprobante": "Comprobante de pago",
    "pagare": "Pagaré",
    "otro": "Otro",
}


class Documento(db.Model):
    __tablename__ = "documento"
    __table_args__ = (UniqueConstraint("caso_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    obligacion_id: Mapped[int | None] = mapped_column(ForeignKey("obligacion.id"))
    tipo: Mapped[str] = mapped_column(String(20), default="otro")
    nombre_archivo: Mapped[str] = mapped_column(String(255))
    tipo_contenido: Mapped[str] = mapped_column(String(100))
    tamano: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    ruta: Mapped[str] = mapped_column(String(255))
    origen: Mapped[str] = mapped_column(String(12), default="ui")
    subido_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    caso = relationship("Caso")
    obligacion = relationship("Obligacion")

    @property
    def nombre_tipo(self) -> str:
        return TIPOS_DOCUMENTO.get(self.tipo, self.tipo)
