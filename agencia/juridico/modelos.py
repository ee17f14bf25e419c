"""Legal referral (remisión a jurídico), court proceedings and the lawyer's dossier.

A caso reaches etapa juridico only through a Remision: asked for by a supervisor or by the
acreedor's rule (ReglaRemision), it first requests the "aviso de remisión jurídica" letter —
which the letter worker makes only when the contact policy allows —, waits the rule's days
after the notice, then (if the acreedor requires it) the acreedor's approval on the portal, and
only then moves the caso. In juridico, a ProcesoJuridico records the court case: type, court,
filing number (radicado), actions, hearings and costs, and its outcome. An Expediente is the
PDF dossier compiled for the lawyer by an RQ job.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import Dinero, FechaHoraUTC, ahora

ESTADOS_REMISION = {
    "esperando_aviso": "Esperando el aviso de remisión",
    "pendiente_acreedor": "Esperando aprobación del acreedor",
    "remitida": "Remitida a jurídico",
    "rechazada": "Rechazada por el acreedor",
    "cancelada": "Cancelada",
}
REMISION_ABIERTA = ("esperando_aviso", "pendiente_acreedor")
TIPOS_PROCESO = {
    "ejecutivo": "Proceso ejecutivo",
    "monitorio": "Proceso monitorio",
    "verbal_sumario": "Verbal sumario",
    "insolvencia": "Insolvencia / reorganización",
    "otro": "Otro",
}
TIPOS_ACTUACION = {
    "demanda": "Radicación de la demanda",
    "mandamiento": "Mandamiento de pago",
    "notificacion": "Notificación al deudor",
    "medida_cautelar": "Medida cautelar / embargo",
    "audiencia": "Audiencia",
    "sentencia": "Sentencia",
    "memorial": "Memorial",
    "otro": "Otra actuación",
}
RESULTADOS_PROCESO = {
    "pagado": "Pagado",
    "acuerdo_judicial": "Acuerdo judicial",
    "incobrable": "Incobrable",
}
ESTADOS_EXPEDIENTE = {
    "pendiente": "En cola",
    "generando": "Generando",
    "lista": "Listo",
    "error": "Error",
}


class ReglaRemision(db.Model):
    """When the acreedor's casos are referred to jurídico automatically, and whether the
    acreedor approves each referral itself."""

    __tablename__ = "regla_remision"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), unique=True)
    activa: Mapped[bool] = mapped_column(default=False)
    # Refer a caso that has been in negociacion this many days (None: not by this rule).
    dias_en_negociacion: Mapped[int | None]
    # Refer a caso with this many broken acuerdos (None: not by this rule).
    acuerdos_incumplidos: Mapped[int | None]
    # Only casos with at least this saldo (None: any).
    saldo_minimo: Mapped[Decimal | None] = mapped_column(Dinero)
    # Days between the notice letter and the referral (the deudor's last chance).
    dias_tras_aviso: Mapped[int] = mapped_column(default=10)
    requiere_aprobacion: Mapped[bool] = mapped_column(default=False)
    actualizado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)


class Remision(db.Model):
    __tablename__ = "remision"
    __table_args__ = (Index("ix_remision_estado", "estado", "acreedor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    origen: Mapped[str] = mapped_column(String(12))  # "supervisor" or "regla"
    estado: Mapped[str] = mapped_column(String(20), default="esperando_aviso")
    motivo: Mapped[str] = mapped_column(Text)
    carta_aviso_id: Mapped[int | None] = mapped_column(ForeignKey("carta.id"))
    # The first day the caso may be referred (the notice's date + the rule's days).
    remitir_desde: Mapped[date | None] = mapped_column(Date)
    solicitada_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    decidida_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    decision_motivo: Mapped[str | None] = mapped_column(Text)
    decidida_en = mapped_column(FechaHoraUTC)
    remitida_en = mapped_column(FechaHoraUTC)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    caso = relationship("Caso")
    carta_aviso = relationship("Carta")

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_REMISION.get(self.estado, self.estado)


class ProcesoJuridico(db.Model):
    __tablename__ = "proceso_juridico"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), unique=True)
    # The agency's lawyer in charge, or an external law firm (one of them).
    abogado_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"), index=True)
    firma_externa: Mapped[str | None] = mapped_column(String(200))
    tipo_proceso: Mapped[str | None] = mapped_column(String(20))
    juzgado: Mapped[str | None] = mapped_column(String(200))
    radicado: Mapped[str | None] = mapped_column(String(60))
    proxima_audiencia = mapped_column(FechaHoraUTC)
    estado: Mapped[str] = mapped_column(String(12), default="en_curso")  # en_curso, terminado
    resultado: Mapped[str | None] = mapped_column(String(20))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    actualizado_en = mapped_column(FechaHoraUTC, default=ahora, onupdate=ahora)
    cerrado_en = mapped_column(FechaHoraUTC)

    caso = relationship("Caso")
    abogado = relationship("Usuario", foreign_keys=[abogado_id])
    actuaciones = relationship("ActuacionJuridica", back_populates="proceso",
                               order_by="(ActuacionJuridica.fecha, ActuacionJuridica.id)")
    costos = relationship("CostoJuridico", back_populates="proceso",
                          order_by="(CostoJuridico.fecha, CostoJuridico.id)")

    @property
    def nombre_tipo(self) -> str:
        return TIPOS_PROCESO.get(self.tipo_proceso or "", self.tipo_proceso or "—")

    @property
    def nombre_resultado(self) -> str:
        return RESULTADOS_PROCESO.get(self.resultado or "", self.resultado or "")


class ActuacionJuridica(db.Model):
    __tablename__ = "actuacion_juridica"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    proceso_id: Mapped[int] = mapped_column(ForeignKey("proceso_juridico.id"), index=True)
    fecha: Mapped[date] = mapped_column(Date)
    tipo: Mapped[str] = mapped_column(String(20))
    descripcion: Mapped[str] = mapped_column(Text, default="")
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    proceso = relationship("ProcesoJuridico", back_populates="actuaciones")

    @property
    def nombre_tipo(self) -> str:
        return TIPOS_ACTUACION.get(self.tipo, self.tipo)


class CostoJuridico(db.Model):
    __tablename__ = "costo_juridico"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    proceso_id: Mapped[int] = mapped_column(ForeignKey("proceso_juridico.id"), index=True)
    fecha: Mapped[date] = mapped_column(Date)
    concepto: Mapped[str] = mapped_column(String(200))
    monto: Mapped[Decimal] = mapped_column(Dinero)
    moneda: Mapped[str] = mapped_column(String(3))
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    proceso = relationship("ProcesoJuridico", back_populates="costos")


class Expediente(db.Model):
    """The PDF dossier of a caso for the lawyer, compiled by an RQ job."""

    __tablename__ = "expediente"

    id: Mapped[int] = mapped_column(primary_key=True)
    acreedor_id: Mapped[int] = mapped_column(ForeignKey("acreedor.id"), index=True)
    caso_id: Mapped[int] = mapped_column(ForeignKey("caso.id"), index=True)
    estado: Mapped[str] = mapped_column(String(12), default="pendiente")
    progreso: Mapped[int] = mapped_column(default=0)
    archivo: Mapped[str | None] = mapped_column(String(255))
    tamano: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Attached documents that could not be merged: [{"documento_id", "nombre", "motivo"}].
    omitidos: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64))
    solicitado_por: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    terminado_en = mapped_column(FechaHoraUTC)

    caso = relationship("Caso")

    @property
    def nombre_estado(self) -> str:
        return ESTADOS_EXPEDIENTE.get(self.estado, self.estado)
