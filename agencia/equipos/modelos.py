"""Teams: a group of agents working the casos of some acreedores under a supervisor.

An agent may only open, claim or change casos of the acreedores of their teams.
"""

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

equipo_agente = Table(
    "equipo_agente",
    db.metadata,
    Column("equipo_id", ForeignKey("equipo.id", ondelete="CASCADE"), primary_key=True),
    Column("usuario_id", ForeignKey("usuario.id", ondelete="CASCADE"), primary_key=True),
)

equipo_acreedor = Table(
    "equipo_acreedor",
    db.metadata,
    Column("equipo_id", ForeignKey("equipo.id", ondelete="CASCADE"), primary_key=True),
    Column("acreedor_id", ForeignKey("acreedor.id", ondelete="CASCADE"), primary_key=True),
)


class Equipo(db.Model):
    __tablename__ = "equipo"

    id: Mapped[int] = mapped_column(primary_key=True)
    nombre: Mapped[str] = mapped_column(String(120), unique=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    activo: Mapped[bool] = mapped_column(default=True)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    supervisor = relationship("Usuario", foreign_keys=[supervisor_id])
    agentes = relationship("Usuario", secondary=equipo_agente, order_by="Usuario.nombre")
    acreedores = relationship("Acreedor", secondary=equipo_acreedor, order_by="Acreedor.nombre")
