"""Deudores (shared across acreedores, deduplicated by document) and their contactos."""

from datetime import time

from sqlalchemy import JSON, Computed, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

TIPOS_DOCUMENTO = ("CC", "CE", "NIT", "PAS", "TI", "RUT", "RFC", "CURP", "DNI", "RUC", "SSN")
TIPOS_CONTACTO = {"telefono": "Teléfono", "email": "Correo", "direccion": "Dirección"}

# Search keys are generated columns, computed by the database from what is stored, so every
# writer (forms, the importer, bulk SQL) keeps them right without knowing they exist. The SQL
# below is portable (SQLite and PostgreSQL); agencia.casos.busqueda folds the query the same way.
# SQLite's parser allows about 25 nested calls, hence the short list of letters (the Spanish
# ones and a few Portuguese/French).
PLIEGUES = {"a": "áÁàã", "e": "éÉè", "i": "íÍ", "o": "óÓòõ", "u": "úÚüÜ", "n": "ñÑ", "c": "çÇ"}
SEPARADORES_TELEFONO = " +-()./"


def _reemplazos(expresion: str, pares) -> str:
    for buscado, puesto in pares:
        expresion = f"replace({expresion}, '{buscado}', '{puesto}')"
    return expresion


def sql_normalizado(columna: str) -> str:
    """Lower case without accents: 'María Gómez' → 'maria gomez'."""
    pares = [(letra, base) for base, letras in PLIEGUES.items() for letra in letras]
    return f"lower({_reemplazos(columna, pares)})"


def sql_digitos(columna: str) -> str:
    """A phone as digits only: '+57 (300) 123-4567' → '573001234567'."""
    return _reemplazos(columna, [(separador, "") for separador in SEPARADORES_TELEFONO])


SQL_NOMBRE_BUSQUEDA = sql_normalizado("nombre")
# Phones: digits only; emails (and addresses): lower case.
SQL_CONTACTO_BUSQUEDA = (f"CASE WHEN tipo = 'telefono' THEN {sql_digitos('valor')} "
                         "ELSE lower(valor) END")
# The last 7 digits of a phone: "+57 300 123 4567" and "3001234567" share them.
SQL_SUFIJO_TELEFONO = (f"CASE WHEN tipo = 'telefono' THEN substr({sql_digitos('valor')}, "
                       f"length({sql_digitos('valor')}) - 6) END")


class Deudor(db.Model):
    __tablename__ = "deudor"
    __table_args__ = (
        UniqueConstraint("tipo_documento", "numero_documento"),
        # Equality and prefix search (LIKE '1020%') whatever the database collation.
        Index("ix_deudor_numero_documento", "numero_documento",
              postgresql_ops={"numero_documento": "varchar_pattern_ops"}),
        # Name search: a trigram index on PostgreSQL (created only where pg_trgm exists, see
        # migration 0006); a plain index elsewhere.
        Index("ix_deudor_nombre_busqueda", "nombre_busqueda", postgresql_using="gin",
              postgresql_ops={"nombre_busqueda": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo_documento: Mapped[str] = mapped_column(String(10))
    numero_documento: Mapped[str] = mapped_column(String(30))
    nombre: Mapped[str] = mapped_column(String(200), index=True)
    # The name folded for search (lower case, no accents), kept by the database.
    nombre_busqueda: Mapped[str | None] = mapped_column(String(200),
                                                        Computed(SQL_NOMBRE_BUSQUEDA))
    tipo_persona: Mapped[str] = mapped_column(String(10), default="natural")
    ciudad: Mapped[str | None] = mapped_column(String(100))
    no_contactar: Mapped[bool] = mapped_column(default=False)
    # Where the deudor lives, for the contact law and local time; None falls back to the
    # acreedor's country and time zone (and the contact policy says so).
    pais: Mapped[str | None] = mapped_column(String(2))
    zona_horaria: Mapped[str | None] = mapped_column(String(50))
    # Preferred contact hours (local time), always within the legal window.
    hora_preferida_desde: Mapped[time | None] = mapped_column(Time)
    hora_preferida_hasta: Mapped[time | None] = mapped_column(Time)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    contactos = relationship(
        "Contacto", back_populates="deudor", order_by="Contacto.id", cascade="all, delete-orphan"
    )

    @property
    def documento(self) -> str:
        return f"{self.tipo_documento} {self.numero_documento}"


class Contacto(db.Model):
    __tablename__ = "contacto"
    __table_args__ = (
        UniqueConstraint("deudor_id", "tipo", "valor"),
        # Email prefix search (LIKE 'mafe@%').
        Index("ix_contacto_busqueda", "busqueda",
              postgresql_ops={"busqueda": "varchar_pattern_ops"}),
        Index("ix_contacto_sufijo_telefono", "sufijo_telefono"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deudor_id: Mapped[int] = mapped_column(ForeignKey("deudor.id"), index=True)
    tipo: Mapped[str] = mapped_column(String(10))
    valor: Mapped[str] = mapped_column(String(300))
    # Search keys kept by the database: phone digits or lower-case email, and a phone's last
    # 7 digits.
    busqueda: Mapped[str | None] = mapped_column(String(300), Computed(SQL_CONTACTO_BUSQUEDA))
    sufijo_telefono: Mapped[str | None] = mapped_column(String(300),
                                                        Computed(SQL_SUFIJO_TELEFONO))
    valido: Mapped[bool] = mapped_column(default=True)
    # Channels the deudor authorised for this contact (llamada, sms, whatsapp, email, carta...).
    consentimientos: Mapped[list] = mapped_column(JSON, default=list)
    creado_en = mapped_column(FechaHoraUTC, default=ahora)

    deudor = relationship("Deudor", back_populates="contactos")

    @property
    def nombre_tipo(self) -> str:
        return TIPOS_CONTACTO.get(self.tipo, self.tipo)
