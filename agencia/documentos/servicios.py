"""Documents attached to a caso (and optionally one of its obligaciones): contracts, invoices,
payment proofs. The file goes to the store (agencia.documentos.almacen), the row keeps where,
its size and SHA-256; the same file on the same caso is one Documento.

Services flush and audit; routes commit.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.casos.modelos import Caso, Obligacion
from agencia.documentos import almacen
from agencia.documentos.almacen import ArchivoInvalido, ArchivoLeido
from agencia.documentos.modelos import TIPOS_DOCUMENTO, Documento
from agencia.extensiones import db

ORIGENES = ("ui", "zip", "api", "portal")


class DocumentoInvalido(ArchivoInvalido):
    """A document that cannot be attached (bad tipo, obligacion of another caso...)."""


def _obligacion_del_caso(caso: Caso, obligacion_id: int | None) -> Obligacion | None:
    if obligacion_id is None:
        return None
    obligacion = db.session.scalar(select(Obligacion).where(
        Obligacion.id == obligacion_id, Obligacion.caso_id == caso.id))
    if obligacion is None:
        raise DocumentoInvalido("obligacion_id", "La obligación elegida no pertenece a este caso.")
    return obligacion


def existente(caso_id: int, sha256: str) -> Documento | None:
    return db.session.scalar(select(Documento).where(
        Documento.caso_id == caso_id, Documento.sha256 == sha256))


def adjuntar(caso: Caso, archivo: ArchivoLeido, tipo: str = "otro", *,
             obligacion_id: int | None = None, origen: str = "ui",
             usuario_id: int | None = None) -> tuple[Documento, bool]:
    """Attaches a checked file to the caso. Returns (documento, nuevo): the same bytes already
    on this caso give the existing Documento and False (nothing written, no error)."""
    if tipo not in TIPOS_DOCUMENTO:
        raise DocumentoInvalido("tipo", f"Tipo de documento desconocido «{tipo}». Elija uno de: "
                                        f"{', '.join(TIPOS_DOCUMENTO.values())}.")
    obligacion = _obligacion_del_caso(caso, obligacion_id)
    previo = existente(caso.id, archivo.sha256)
    if previo is not None:
        return previo, False

    ruta = almacen.guardar(caso.acreedor_id, archivo)
    documento = Documento(
        acreedor_id=caso.acreedor_id, caso_id=caso.id,
        obligacion_id=obligacion.id if obligacion else None, tipo=tipo,
        nombre_archivo=archivo.nombre, tipo_contenido=archivo.tipo_contenido,
        tamano=archivo.tamano, sha256=archivo.sha256, ruta=ruta, origen=origen,
        subido_por=usuario_id,
    )
    try:
        with db.session.begin_nested():  # a concurrent upload of the same file: keep theirs
            db.session.add(documento)
    except IntegrityError:
        previo = existente(caso.id, archivo.sha256)
        if previo is None:
            raise
        return previo, False
    registrar(
        "documento.subir", "documento", documento.id, acreedor_id=caso.acreedor_id,
        despues={"caso_id": caso.id, "obligacion_id": documento.obligacion_id, "tipo": tipo,
                 "nombre_archivo": documento.nombre_archivo, "tamano": documento.tamano,
                 "sha256": documento.sha256, "origen": origen},
        usuario_id=usuario_id,
    )
    db.session.flush()
    return documento, True


@dataclass(frozen=True)
class FilaDocumento:
    """One row of the caso's "Documentos" panel."""

    documento: Documento
    referencia: str | None
    subido_por: str | None


def documentos_del_caso(caso_id: int) -> list[FilaDocumento]:
    filas = db.session.execute(
        select(Documento, Obligacion.referencia, Usuario.nombre)
        .outerjoin(Obligacion, Obligacion.id == Documento.obligacion_id)
        .outerjoin(Usuario, Usuario.id == Documento.subido_por)
        .where(Documento.caso_id == caso_id)
        .order_by(Documento.creado_en.desc(), Documento.id.desc())
    ).all()
    return [FilaDocumento(d, referencia, nombre) for d, referencia, nombre in filas]
