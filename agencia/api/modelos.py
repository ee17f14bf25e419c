"""API tokens: each belongs to one acreedor and carries scopes; only its hash is stored."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

ALCANCES = {
    "asignaciones": "Enviar asignaciones de cartera",
    "devoluciones": "Devolver casos",
    "casos": "Consultar casos",
    "pagos": "Consultar pagos",
    "liquidaciones": "Consultar liquidaciones mensuales",
    "cartera": "Consultar el resumen de cartera",
}


class TokenApi(db.Model):
    __tablename__ = "token_api"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    nombre: Mapped[str] = mapped_column(String(100))
    # The first characters of the token, shown so people can tell their tokens apart.
    prefijo: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole token: the token itself is shown once and never stored.
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    alcances: Mapped[list] = mapped_column(JSON, default=list)
    creado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    ultimo_uso_en = mapped_column(FechaHoraUTC)
    revocado_en = mapped_column(FechaHoraUTC)

    acreedor = relationship("Acreedor")

    @property
    def activo(self) -> bool:
        return self.revocado_en is None
