"""The acreedor's mandate, settlements (acuerdos de pago) and their cuotas."""

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora

Porcentaje = Numeric(5, 2)

FRECUENCIAS = {"semanal": "Semanal", "quincenal": "Quincenal", "mensual": "Mensual"}
TIPOS_ACUERDO = {"plan": "Plan de pagos", "pronto_pago": "Descuento por pronto pago"}
# A court-approved plan, registered by the lawyer when closing the proceso (agencia.juridico):
# not one of the acuerdo panel's choices.
TIPO_JUDICIAL = "judicial"
NOMBRES_TIPO = TIPOS_ACUERDO | {TIPO_JUDICIAL: "Acuerdo judicial"}
ESTADOS_ACUERDO = {
    "pendiente_supervisor": "Esperando aprobación del supervisor",
    "pendiente_acreedor": "Esperando aprobación del acreedor",
    "rechazado": "Rechazado",
    "vigente": "Vigente",
    "cumplido": "Cumplido",
    "incumplido": "Incumplido",
    "vencido": "Oferta vencida",
    "anulado": "Anulado",
}
# States in which an acuerdo still binds the caso: one at a time per caso.
ESTADOS_ABIERTOS = ("pendiente_supervisor", "pendiente_acreedor", "vigente")
NIVELES_APROBACION = {
    "agente": "Dentro del mandato",
    "supervisor": "Requiere aprobación del supervisor",
    "acreedor": "Requiere aprobación del acreedor",
    "judicial": "Aprobado por el juzgado",
}


class Mandato(db.Model):
    """What the acreedor lets the agency agree without asking (one row per acreedor).

    Percentages are of each component's saldo when the plan is proposed. A plan outside any
    limit, or whose total discount is above `umbral_supervisor_pct`, needs a supervisor; one
    whose total discount is above `umbral_acreedor_pct` needs the acreedor as well.
    """

    __tablename__ = "mandato"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), unique=True)
    quita_max_capital_pct = mapped_column(Porcentaje, nullable=False, default=Decimal("0"),
                                          server_default="0")
    quita_max_intereses_pct = mapped_column(Porcentaje, nullable=False, default=Decimal("100"),
                                            server_default="100")
    quita_max_gastos_pct = mapped_column(Porcentaje, nullable=False, default=Decimal("100"),
                                         server_default="100")
    # Whether the interest may be waived in full (quita of 100 % of the intereses).
    condonar_intereses: Mapped[bool] = mapped_column(default=True, server_default="1")
    cuotas_max: Mapped[int] = mapped_column(default=12, server_default="12")
    abono_inicial_min_pct = mapped_column(Porcentaje, nullable=False, default=Decimal("10"),
                                          server_default="10")
    cuota_minima = mapped_column(Dinero, nullable=False, default=Decimal("0"), server_default="0")
    umbral_supervisor_pct = mapped_column(Porcentaje, nullable=False, default=Decimal("20"),
                                          server_default="20")
    umbral_acreedor_pct = mapped_column(Porcentaje, nullable=False, default=Decimal("40"),
                                        server_default="40")
    actualizado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)

    acreedor = relationship("Acreedor")


class Acuerdo(db.Model):
    """A settlement proposed on a caso: a payment plan, or an early-payment discount offer
    (`pronto_pago`: one payment of `total_acordado` by `fecha_limite`).

    The debt is a snapshot of the caso's saldo per component when it was proposed; the
    discount (quita) is applied only when the acuerdo is fully paid.
    """

    __tablename__ = "acuerdo"
    __table_args__ = (Index("ix_acuerdo_estado_acreedor", "estado", "acreedor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    tipo: Mapped[str] = mapped_column(String(12), default="plan")
    estado: Mapped[str] = mapped_column(String(24))
    moneda: Mapped[str] = mapped_column(String(3))
    deuda_capital = mapped_column(Dinero, nullable=False)
    deuda_intereses = mapped_column(Dinero, nullable=False)
    deuda_gastos = mapped_column(Dinero, nullable=False)
    quita_capital = mapped_column(Dinero, nullable=False, default=Decimal("0"))
    quita_intereses = mapped_column(Dinero, nullable=False, default=Decimal("0"))
    quita_gastos = mapped_column(Dinero, nullable=False, default=Decimal("0"))
    total_acordado = mapped_column(Dinero, nullable=False)
    abono_inicial = mapped_column(Dinero, nullable=False, default=Decimal("0"))
    numero_cuotas: Mapped[int] = mapped_column(default=1)
    frecuencia: Mapped[str] = mapped_column(String(12), default="mensual")
    primera_fecha: Mapped[date] = mapped_column(Date)
    # Early-payment offers: the discount holds if paid in full by this date.
    fecha_limite: Mapped[date | None] = mapped_column(Date)
    nivel_aprobacion: Mapped[str] = mapped_column(String(12), default="agente")
    # Why the plan is outside the mandate (list of messages), as computed when proposed.
    excepciones: Mapped[list] = mapped_column(JSON, default=list)
    nota: Mapped[str | None] = mapped_column(Text)
    pagado = mapped_column(Dinero, nullable=False, default=Decimal("0"), server_default="0")
    creado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    supervisor_en = mapped_column(FechaHoraUTC)
    supervisor_motivo: Mapped[str | None] = mapped_column(Text)
    acreedor_usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    acreedor_en = mapped_column(FechaHoraUTC)
    acreedor_motivo: Mapped[str | None] = mapped_column(Text)
    vigente_desde = mapped_column(FechaHoraUTC, index=True)
    cerrado_en = mapped_column(FechaHoraUTC)
    motivo_cierre: Mapped[str | None] = mapped_column(Text)
    carta_id: Mapped[int | None] = mapped_column(ForeignKey("carta.id"))

    caso = relationship("Caso")
    acreedor = relationship("Acreedor")
    creador = relationship("Usuario", foreign_keys=[creado_por])
    supervisor = relationship("Usuario", foreign_keys=[supervisor_id])
    acreedor_usuario = relationship("Usuario", foreign_keys=[acreedor_usuario_id])
    carta = relationship("Carta")
    cuotas = relationship("Cuota", back_populates="acuerdo", order_by="Cuota.numero",
                          cascade="all, delete-orphan")

    @property
    def deuda_total(self) -> Decimal:
        return self.deuda_capital + self.deuda_intereses + self.deuda_gastos

    @property
    def quita_total(self) -> Decimal:
        return self.quita_capital + self.quita_intereses + self.quita_gastos

    @property
    def pendiente(self) -> Decimal:
        return max(Decimal("0"), self.total_acordado - self.pagado)

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_ACUERDO.get(self.estado, self.estado)

    @property
    def nombre_tipo(self) -> str:
        return NOMBRES_TIPO.get(self.tipo, self.tipo)

    @property
    def nombre_nivel(self) -> str:
        return NIVELES_APROBACION.get(self.nivel_aprobacion, self.nivel_aprobacion)

    @property
    def nombre_frecuencia(self) -> str:
        return FRECUENCIAS.get(self.frecuencia, self.frecuencia)

    @property
    def abierto(self) -> bool:
        return self.estado in ESTADOS_ABIERTOS

    @property
    def quita_pct(self):
        """The total quita as a % of the debt snapshot (2 decimals)."""
        if not self.deuda_total:
            return Decimal("0")
        return (self.quita_total * 100 / self.deuda_total).quantize(Decimal("0.01"))

    @property
    def filas_quita(self) -> list[tuple[str, Decimal, Decimal]]:
        """(component, debt, quita) rows and the total, for the quita table."""
        return [("Capital", self.deuda_capital, self.quita_capital),
                ("Intereses", self.deuda_intereses, self.quita_intereses),
                ("Gastos", self.deuda_gastos, self.quita_gastos),
                ("Total", self.deuda_total, self.quita_total)]

    @property
    def quien_aprueba(self) -> str | None:
        """Who must act next, for the panels and lists (None when nobody)."""
        return {"pendiente_supervisor": "Un supervisor",
                "pendiente_acreedor": "El acreedor (en el portal)"}.get(self.estado)


class Cuota(db.Model):
    """One installment; numero 0 is the down payment (abono inicial)."""

    __tablename__ = "cuota"
    __table_args__ = (UniqueConstraint("acuerdo_id", "numero"),
                      Index("ix_cuota_fecha", "fecha"))

    id: Mapped[int] = mapped_column(primary_key=True)
    acuerdo_id: Mapped[int] = mapped_column(ForeignKey("acuerdo.id"), index=True)
    numero: Mapped[int]
    fecha: Mapped[date] = mapped_column(Date)
    monto = mapped_column(Dinero, nullable=False)
    pagado = mapped_column(Dinero, nullable=False, default=Decimal("0"))
    pagada_en = mapped_column(FechaHoraUTC)

    acuerdo = relationship("Acuerdo", back_populates="cuotas")

    @property
    def pendiente(self) -> Decimal:
        return max(Decimal("0"), self.monto - self.pagado)
