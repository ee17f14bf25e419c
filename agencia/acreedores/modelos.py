"""The acreedor: the agency's creditor client and the tenant boundary."""

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

PAISES = {
    "CO": ("Colombia", "America/Bogota", "COP"),
    "CL": ("Chile", "America/Santiago", "CLP"),
    "PE": ("Perú", "America/Lima", "PEN"),
    "MX": ("México", "America/Mexico_City", "MXN"),
    "US": ("Estados Unidos", "America/New_York", "USD"),
}
MONEDAS = ("COP", "MXN", "CLP", "PEN", "USD", "EUR")


class Acreedor(db.Model):
    __tablename__ = "acreedor"

    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(200))
    nit: Mapped[str | None] = mapped_column(String(30))
    pais: Mapped[str] = mapped_column(String(2), default="CO")
    moneda: Mapped[str] = mapped_column(String(3), default="COP")
    zona_horaria: Mapped[str] = mapped_column(String(50), default="America/Bogota")
    activo: Mapped[bool] = mapped_column(default=True)
    # Weights of the bandeja priority score (None: the defaults of bandejas.prioridad).
    pesos_prioridad: Mapped[dict | None] = mapped_column(JSON)
    # Days after a promise's date before it is declared broken.
    dias_gracia_promesa: Mapped[int] = mapped_column(default=2, server_default="2")
    # Days after a cuota's date before the acuerdo is declared broken.
    dias_gracia_cuota: Mapped[int] = mapped_column(default=5, server_default="5")
    # Order in which a payment covers each obligacion's components (None: gastos,
    # intereses, capital — pagos.modelos.ORDEN_IMPUTACION_DEFECTO).
    orden_imputacion: Mapped[list | None] = mapped_column(JSON)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    def __repr__(self) -> str:
        return f"<Acreedor {self.codigo}>"
