"""Daily rollups. Each table holds one row per day and key, computed by an RQ job
(metricas.calculo) that replaces the day's rows in one transaction: running it twice, or again
after a crash, leaves the same rows. Pages read these tables, never the raw history, so they
stay fast with millions of gestiones. Days are local days of the agency (TZ_DEFAULT); money is
in the acreedor's currency (an acreedor has one), so sums across acreedores are per currency.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora

# Right-party contacts: outcomes where the agent spoke with the deudor.
RESULTADOS_TITULAR = ("titular_contactado", "promesa_pago", "negativa", "disputa", "ya_pago")
# Days-past-due buckets (upper bound inclusive; None: open-ended).
TRAMOS_MORA = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("91-180", 180),
               ("181-360", 360), ("361+", None))
DIAS_LIQUIDACION = (30, 60, 90)


class MetricaAgenteDia(db.Model):
    """What one agent did for one acreedor on one day."""

    __tablename__ = "metrica_agente_dia"
    __table_args__ = (
        UniqueConstraint("fecha", "usuario_id", "acreedor_id"),
        Index("ix_metrica_agente_dia_usuario", "usuario_id", "fecha"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fecha: Mapped[date] = mapped_column(Date, index=True)
    usuario_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    gestiones: Mapped[int] = mapped_column(default=0)
    contactos_titular: Mapped[int] = mapped_column(default=0)
    casos_trabajados: Mapped[int] = mapped_column(default=0)
    promesas: Mapped[int] = mapped_column(default=0)
    monto_prometido: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    # Promises of the agent falling due this day, and how many of them were kept.
    promesas_vencidas: Mapped[int] = mapped_column(default=0)
    promesas_cumplidas: Mapped[int] = mapped_column(default=0)
    # Payments received this day on casos assigned to the agent (net of reversals).
    recuperado: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    # Time in work sessions (claim to release) started this day.
    segundos_trabajados: Mapped[int] = mapped_column(default=0)


class MetricaCarteraDia(db.Model):
    """The portfolio at the end of one day: casos and saldo per acreedor, placement batch,
    etapa and days-past-due bucket (a snapshot)."""

    __tablename__ = "metrica_cartera_dia"
    __table_args__ = (
        UniqueConstraint("fecha", "acreedor_id", "lote_id", "etapa", "tramo"),
        Index("ix_metrica_cartera_dia_acreedor", "acreedor_id", "fecha"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fecha: Mapped[date] = mapped_column(Date)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"))
    lote_id: Mapped[int | None] = mapped_column(ForeignKey("lote_asignacion.id"))
    etapa: Mapped[str] = mapped_column(String(20))
    tramo: Mapped[str] = mapped_column(String(10))  # a key of TRAMOS_MORA
    casos: Mapped[int] = mapped_column(default=0)
    saldo: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))


class MetricaAcreedorDia(db.Model):
    """What happened to one acreedor's portfolio on one day (flows)."""

    __tablename__ = "metrica_acreedor_dia"
    __table_args__ = (
        UniqueConstraint("fecha", "acreedor_id"),
        Index("ix_metrica_acreedor_dia_acreedor", "acreedor_id", "fecha"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fecha: Mapped[date] = mapped_column(Date)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"))
    recuperado: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    honorarios: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    # Payments by the etapa the caso was in, and by its days-past-due bucket: {key: "123.45"}.
    recuperado_por_etapa: Mapped[dict] = mapped_column(JSON, default=dict)
    recuperado_por_tramo: Mapped[dict] = mapped_column(JSON, default=dict)
    # Stage transitions of the day: {"prejuridico>negociacion": n}.
    transiciones: Mapped[dict] = mapped_column(JSON, default=dict)
    # Acuerdos that became vigente this day, and the quita they granted (for the average).
    acuerdos: Mapped[int] = mapped_column(default=0)
    quita_total: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    deuda_acordada: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    gestiones: Mapped[int] = mapped_column(default=0)


class MetricaLote(db.Model):
    """One placement batch (lote de asignación): placed, recovered within 30/60/90 days of
    placement and in total, and the recovery curve (cumulative, by week since placement)."""

    __tablename__ = "metrica_lote"

    id: Mapped[int] = mapped_column(primary_key=True)
    lote_id: Mapped[int] = mapped_column(ForeignKey("lote_asignacion.id"), unique=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    colocado_en: Mapped[date] = mapped_column(Date)
    casos: Mapped[int] = mapped_column(default=0)
    colocado: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    recuperado_30: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    recuperado_60: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    recuperado_90: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    recuperado: Mapped[Decimal] = mapped_column(Dinero, default=Decimal("0"))
    # [[week, cumulative recovered as a string], ...] from week 0.
    curva: Mapped[list] = mapped_column(JSON, default=list)
    calculado_en = mapped_column(FechaHoraUTC, default=ahora)


class MetaAgente(db.Model):
    """Daily goals: the agency's default (usuario_id NULL) or one agent's own."""

    __tablename__ = "meta_agente"

    id: Mapped[int] = mapped_column(primary_key=True)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"), unique=True)
    gestiones_dia: Mapped[int] = mapped_column(default=60)
    contactos_dia: Mapped[int] = mapped_column(default=15)
    promesas_dia: Mapped[int] = mapped_column(default=5)
    actualizado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)


class CalculoMetricas(db.Model):
    """One run of the rollup job (nightly or asked for on a page), with its progress."""

    __tablename__ = "calculo_metricas"

    id: Mapped[int] = mapped_column(primary_key=True)
    desde: Mapped[date] = mapped_column(Date)
    hasta: Mapped[date] = mapped_column(Date)
    estado: Mapped[str] = mapped_column(String(12), default="pendiente")  # pendiente, calculando, listo, error
    dias_hechos: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[str | None] = mapped_column(String(64))
    solicitado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    terminado_en = mapped_column(FechaHoraUTC)
