"""Users: creation and authentication."""

from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import ROLES, Usuario
from agencia.extensiones import db
from agencia.tipos import ahora


@cache
def _hash_ficticio() -> str:
    """Checked when the user does not exist, so a wrong user and a wrong password take
    the same time and give the same answer."""
    return generate_password_hash("clave-ficticia")


class ErrorUsuario(ValueError):
    """A user could not be created; the message is for the person who asked."""


def crear_usuario(
    usuario: str, nombre: str, rol: str, clave: str, *, acreedor_codigo: str | None = None,
    email: str | None = None,
) -> Usuario:
    if rol not in ROLES:
        raise ErrorUsuario(f"Rol desconocido «{rol}». Roles: {', '.join(ROLES)}.")
    if len(clave) < 8:
        raise ErrorUsuario("La contraseña debe tener al menos 8 caracteres.")
    if db.session.scalar(select(Usuario).where(Usuario.usuario == usuario)):
        raise ErrorUsuario(f"Ya existe el usuario «{usuario}».")
    acreedor_id = None
    if rol == "cliente":
        if not acreedor_codigo:
            raise ErrorUsuario("Un usuario cliente necesita el código de su acreedor.")
        acreedor = db.session.scalar(select(Acreedor).where(Acreedor.codigo == acreedor_codigo))
        if acreedor is None:
            raise ErrorUsuario(f"No existe el acreedor «{acreedor_codigo}».")
        acreedor_id = acreedor.id
    elif acreedor_codigo:
        raise ErrorUsuario("Solo los usuarios cliente pertenecen a un acreedor.")
    nuevo = Usuario(usuario=usuario, nombre=nombre, rol=rol, acreedor_id=acreedor_id, email=email)
    nuevo.fijar_clave(clave)
    db.session.add(nuevo)
    db.session.flush()
    registrar(
        "usuario.crear", "usuario", nuevo.id, acreedor_id=acreedor_id,
        despues={"usuario": usuario, "rol": rol},
    )
    return nuevo


def autenticar(usuario: str, clave: str) -> Usuario | None:
    """The active user with these credentials, or None (without saying which part failed)."""
    encontrado = db.session.scalar(select(Usuario).where(Usuario.usuario == usuario.strip()))
    if encontrado is None:
        check_password_hash(_hash_ficticio(), clave)
        return None
    if not encontrado.verificar_clave(clave) or not encontrado.activo:
        return None
    encontrado.ultimo_ingreso = ahora()
    registrar("usuario.ingreso", "usuario", encontrado.id, usuario_id=encontrado.id,
              acreedor_id=encontrado.acreedor_id)
    return encontrado
