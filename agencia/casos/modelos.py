"""The caso (one deudor with one acreedor), its obligaciones and its gestiones."""

from datetime import date

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora

ETAPAS = {
    "prejuridico": "Prejurídico",
    "negociacion": "Negociación",
    "acuerdo": "Acuerdo",
    "juridico": "Jurídico",
    "pagado": "Pagado",
    "incobrable": "Incobrable",
    "devuelto": "Devuelto",
}
ETAPAS_ABIERTAS = ("prejuridico", "negociacion", "acuerdo", "juridico")

CANALES = {
    "llamada": "Llamada",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "email": "Correo electrónico",
    "carta": "Carta",
    "visita": "Visita",
}
DIRECCIONES = {"saliente": "Saliente", "entrante": "Entrante"}
RESULTADOS = {
    "titular_contactado": "Titular contactado",
    "tercero": "Contacto con tercero",
    "no_contesta": "No contesta",
    "numero_errado": "Número errado",
    "promesa_pago": "Promesa de pago",
    "negativa": "Negativa de pago",
    "disputa": "Disputa",
    "ya_pago": "Ya pagó",
    "volver_llamar": "Volver a llamar",
    "mensaje_dejado": "Mensaje dejado",
    "carta_generada": "Carta generada",
}


class Caso(db.Model):
    __tablename__ = "caso"
    __table_args__ = (
        UniqueConstraint("acreedor_id", "deudor_id"),
        # Mi día's figures read only this index on PostgreSQL (index-only scan).
        Index("ix_caso_bandeja", "agente_id", "etapa", "prioridad",
              postgresql_include=["acreedor_id", "saldo", "en_disputa", "deudor_id"]),
        # The bandeja table: an agent's casos best first, read in index order.
        Index("ix_caso_agente_orden", "agente_id", "prioridad", "id"),
        # "Siguiente caso": the unclaimed casos of an agent, best first.
        Index("ix_caso_libre", "agente_id", "prioridad", "id",
              postgresql_where=text("reclamado_por IS NULL"),
              sqlite_where=text("reclamado_por IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    deudor_id: Mapped[int] = mapped_column(ForeignKey("deudor.id"), index=True)
    lote_id: Mapped[int | None] = mapped_column(ForeignKey("lote_asignacion.id"))
    etapa: Mapped[str] = mapped_column(String(20), default="prejuridico", index=True)
    agente_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    saldo = mapped_column(Dinero, default=0, nullable=False)
    # Oldest unpaid due date: days past due are computed from it.
    vencimiento: Mapped[date | None] = mapped_column(Date)
    proxima_accion: Mapped[date | None] = mapped_column(Date)
    prioridad: Mapped[int] = mapped_column(default=0)
    ultima_gestion_en = mapped_column(FechaHoraUTC)
    etapa_desde = mapped_column(FechaHoraUTC, default=ahora)
    # A scheduled callback ("volver a llamar") at a precise moment.
    volver_a_llamar_en = mapped_column(FechaHoraUTC)
    # The agent working the caso right now (claimed by "siguiente caso"), and since when.
    reclamado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    reclamado_en = mapped_column(FechaHoraUTC)
    # The deudor contests this debt: no contact of any kind until it is resolved.
    en_disputa: Mapped[bool] = mapped_column(default=False, server_default=false())
    disputa_motivo: Mapped[str | None] = mapped_column(Text)
    disputa_desde = mapped_column(FechaHoraUTC)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)

    acreedor = relationship("Acreedor")
    deudor = relationship("Deudor")
    agente = relationship("Usuario", foreign_keys=[agente_id])
    obligaciones = relationship(
        "Obligacion", back_populates="caso", order_by="Obligacion.fecha_vencimiento"
    )

    def dias_mora(self, hoy: date | None = None) -> int:
        if self.vencimiento is None:
            return 0
        return max(0, ((hoy or date.today()) - self.vencimiento).days)

    @property
    def nombre_etapa(self) -> str:
        return ETAPAS.get(self.etapa, self.etapa)


def _placed(componente: str):
    """Column default: the component as placed (saldo_capital starts as the capital)."""
    def defecto(contexto):
        return contexto.get_current_parameters().get(componente) or 0
    return defecto


class Obligacion(db.Model):
    __tablename__ = "obligacion"
    __table_args__ = (
        UniqueConstraint("acreedor_id", "referencia"),
        # Search by referencia, case-insensitive, across acreedores.
        Index("ix_obligacion_referencia_minusculas", func.lower(text("referencia"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"))
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    lote_id: Mapped[int | None] = mapped_column(ForeignKey("lote_asignacion.id"))
    referencia: Mapped[str] = mapped_column(String(60))
    numero_factura: Mapped[str | None] = mapped_column(String(60))
    producto: Mapped[str | None] = mapped_column(String(100))
    fecha_vencimiento: Mapped[date] = mapped_column(Date)
    moneda: Mapped[str] = mapped_column(String(3))
    capital = mapped_column(Dinero, nullable=False)
    intereses = mapped_column(Dinero, default=0, nullable=False)
    gastos = mapped_column(Dinero, default=0, nullable=False)
    saldo = mapped_column(Dinero, nullable=False)
    # What is still owed of each component; saldo is always their sum. A new obligacion
    # owes what was placed.
    saldo_capital = mapped_column(Dinero, nullable=False, default=_placed("capital"),
                                  server_default="0")
    saldo_intereses = mapped_column(Dinero, nullable=False, default=_placed("intereses"),
                                    server_default="0")
    saldo_gastos = mapped_column(Dinero, nullable=False, default=_placed("gastos"),
                                 server_default="0")
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)

    caso = relationship("Caso", back_populates="obligaciones")


class Gestion(db.Model):
    """One logged interaction. Append-only: never updated, never deleted."""

    __tablename__ = "gestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"), index=True)
    canal: Mapped[str] = mapped_column(String(20))
    direccion: Mapped[str] = mapped_column(String(10), default="saliente")
    resultado: Mapped[str] = mapped_column(String(30))
    nota: Mapped[str] = mapped_column(Text, default="")
    # A contact the policy blocked, recorded anyway on a supervisor's audited authority.
    excepcion_autorizada_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    excepcion_motivo: Mapped[str | None] = mapped_column(Text)
    creado_en = mapped_column(FechaHoraUTC, default=ahora, index=True)

    usuario = relationship("Usuario", foreign_keys=[usuario_id])

    @property
    def nombre_canal(self) -> str:
        return CANALES.get(self.canal, self.canal)

    @property
    def nombre_resultado(self) -> str:
        return RESULTADOS.get(self.resultado, self.resultado)


class RegistroInmutable(Exception):
    """Raised when code tries to change an append-only record."""


@event.listens_for(Gestion, "before_update")
@event.listens_for(Gestion, "before_delete")
def _gestion_inmutable(mapper, connection, target):
    raise RegistroInmutable("Las gestiones no se modifican ni se borran")


class CambioEtapa(db.Model):
    """One stage transition of a caso (also in the audit trail); read by roll-rate metrics."""

    __tablename__ = "cambio_etapa"

    id: Mapped[int] = mapped_column(primary_key=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    desde: Mapped[str] = mapped_column(String(20))
    hacia: Mapped[str] = mapped_column(String(20))
    motivo: Mapped[str | None] = mapped_column(Text)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora, index=True)
