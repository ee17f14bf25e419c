"""Users of the product and their roles."""

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

ROLES = {
    "admin": "Administrador",
    "supervisor": "Supervisor",
    "agente": "Agente",
    "abogado": "Abogado",
    "cliente": "Cliente (portal)",
}
ROLES_PERSONAL = ("admin", "supervisor", "agente", "abogado")


class Usuario(UserMixin, db.Model):
    __tablename__ = "usuario"
    __table_args__ = (
        # A portal user belongs to exactly one acreedor; staff belong to none.
        CheckConstraint(
            "(rol = 'cliente' AND acreedor_id IS NOT NULL) OR "
            "(rol <> 'cliente' AND acreedor_id IS NULL)",
            name="cliente_con_acreedor",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    usuario: Mapped[str] = mapped_column(String(80), unique=True)
    nombre: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    clave_hash: Mapped[str] = mapped_column(String(255))
    rol: Mapped[str] = mapped_column(String(20))
    acreedor_id: Mapped[int | None] = mapped_column(ForeignKey("acreedor.id"), index=True)
    activo: Mapped[bool] = mapped_column(default=True)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)
    ultimo_ingreso = mapped_column(FechaHoraUTC)
    # Part of the identity kept in the session cookie: raised at logout (and when the
    # password changes), it makes every cookie issued before unusable, even a copied one.
    sesion_version: Mapped[int] = mapped_column(default=0, server_default="0")

    acreedor = relationship("Acreedor")

    def fijar_clave(self, clave: str) -> None:
        self.clave_hash = generate_password_hash(clave)
        self.sesion_version = (self.sesion_version or 0) + 1

    def get_id(self) -> str:  # Flask-Login: what the session cookie carries
        return f"{self.id}:{self.sesion_version or 0}"

    def cerrar_sesiones(self) -> None:
        """Every session of this user ends (the cookies already issued stop working)."""
        self.sesion_version = (self.sesion_version or 0) + 1

    def verificar_clave(self, clave: str) -> bool:
        return check_password_hash(self.clave_hash, clave)

    @property
    def es_cliente(self) -> bool:
        return self.rol == "cliente"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.activo

    @property
    def nombre_rol(self) -> str:
        return ROLES.get(self.rol, self.rol)
