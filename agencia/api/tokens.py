"""API tokens: creating, revoking, authenticating. Only the SHA-256 of a token is stored.

A token is "agc_" + secrets.token_urlsafe(32); its first characters (prefijo) are kept so
people can tell their tokens apart. It is shown once, when created. Audit entries name the
token by id, name and prefijo — never the token itself.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update

from agencia.acreedores.modelos import Acreedor
from agencia.api.modelos import ALCANCES, TokenApi
from agencia.auditoria.servicios import registrar
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.tipos import ahora

PREFIJO = "agc_"
LARGO_PREFIJO = 12
LARGO_NOMBRE = 100
USO_CADA = timedelta(minutes=1)


class TokenInvalido(EntradaInvalida):
    """A token that cannot be created as asked."""


def hash_de(texto: str) -> str:
    return hashlib.sha256(texto.encode("utf-8")).hexdigest()


def crear_token(acreedor: Acreedor, nombre: str, alcances, usuario_id: int | None
                ) -> tuple[TokenApi, str]:
    """A new token for the acreedor: (the row, the token text to show once). Flushes."""
    nombre = " ".join((nombre or "").split())
    if not nombre:
        raise TokenInvalido("nombre", "Escriba un nombre que identifique el uso del token "
                                      "(por ejemplo «ERP de cartera»).")
    if len(nombre) > LARGO_NOMBRE:
        raise TokenInvalido("nombre", f"El nombre admite hasta {LARGO_NOMBRE} caracteres.")
    alcances = list(dict.fromkeys(alcances or []))
    desconocidos = [a for a in alcances if a not in ALCANCES]
    if desconocidos:
        raise TokenInvalido("alcances", "Alcance desconocido: " + ", ".join(desconocidos) + ".")
    if not alcances:
        raise TokenInvalido("alcances", "Elija al menos un alcance.")
    texto = PREFIJO + secrets.token_urlsafe(32)
    token = TokenApi(acreedor_id=acreedor.id, nombre=nombre, prefijo=texto[:LARGO_PREFIJO],
                     hash=hash_de(texto), alcances=[a for a in ALCANCES if a in alcances],
                     creado_por=usuario_id)
    db.session.add(token)
    db.session.flush()
    registrar("token.crear", "token_api", token.id, acreedor_id=acreedor.id,
              despues={"nombre": token.nombre, "prefijo": token.prefijo,
                       "alcances": token.alcances}, usuario_id=usuario_id)
    return token, texto


def revocar(token: TokenApi, usuario_id: int | None) -> bool:
    """Revokes the token; False (nothing changes) when it already was. Flushes."""
    momento = ahora()
    cambio = db.session.execute(
        update(TokenApi).where(TokenApi.id == token.id, TokenApi.revocado_en.is_(None))
        .values(revocado_en=momento).execution_options(synchronize_session=False))
    db.session.refresh(token)
    if cambio.rowcount != 1:
        return False
    registrar("token.revocar", "token_api", token.id, acreedor_id=token.acreedor_id,
              antes={"revocado_en": None},
              despues={"nombre": token.nombre, "prefijo": token.prefijo,
                       "revocado_en": momento}, usuario_id=usuario_id)
    db.session.flush()
    return True


def buscar(texto: str | None) -> TokenApi | None:
    """The token with this text (revoked ones included), or None."""
    if not texto or not texto.startswith(PREFIJO) or len(texto) > 200:
        return None
    return db.session.scalar(select(TokenApi).where(TokenApi.hash == hash_de(texto)))


def marcar_uso(token: TokenApi) -> None:
    """Records the last use, at most once a minute (a conditional UPDATE, committed apart
    from the request's own work so a failed request still counts as a use)."""
    momento = ahora()
    if token.ultimo_uso_en is not None and momento - token.ultimo_uso_en < USO_CADA:
        return
    db.session.execute(
        update(TokenApi).where(TokenApi.id == token.id, or_(
            TokenApi.ultimo_uso_en.is_(None), TokenApi.ultimo_uso_en < momento - USO_CADA))
        .values(ultimo_uso_en=momento).execution_options(synchronize_session=False))
    db.session.commit()


def tokens_de(acreedor_id: int) -> list[TokenApi]:
    return list(db.session.scalars(
        select(TokenApi).where(TokenApi.acreedor_id == acreedor_id)
        .order_by(TokenApi.revocado_en.is_not(None), TokenApi.creado_en.desc(),
                  TokenApi.id.desc())))
