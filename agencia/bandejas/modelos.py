"""Work sessions: an agent's claim on a caso, from "siguiente caso" until released."""

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora


class SesionTrabajo(db.Model):
    __tablename__ = "sesion_trabajo"
    __table_args__ = (
        # The open session of each agent is found without scanning history.
        Index("ix_sesion_trabajo_abierta", "agente_id", postgresql_where=text("fin IS NULL"),
              sqlite_where=text("fin IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    agente_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    inicio = mapped_column(FechaHoraUTC, default=ahora, nullable=False, index=True)
    fin = mapped_column(FechaHoraUTC)
    # How it ended: "agente" (moved on or released), "vencida" (stale claim released by the
    # scheduled job), "reasignacion" (a supervisor moved the caso).
    cierre: Mapped[str | None] = mapped_column(String(20))

    caso = relationship("Caso")
    agente = relationship("Usuario")
