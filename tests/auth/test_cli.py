"""`agencia crear-usuario` and `agencia usuarios`."""

from sqlalchemy import select

from agencia.auth.modelos import Usuario
from agencia.extensiones import db
from tests.conftest import ingresar


def test_crear_usuario_agente_que_luego_ingresa(app, cliente):
    salida = app.test_cli_runner().invoke(
        args=["crear-usuario", "lucia", "--nombre", "Lucía Pérez", "--rol", "agente",
              "--clave", "una-clave-larga"]
    )
    assert salida.exit_code == 0, salida.output
    usuario = db.session.scalar(select(Usuario).where(Usuario.usuario == "lucia"))
    assert usuario.rol == "agente" and usuario.clave_hash != "una-clave-larga"
    ingresar(cliente, "lucia", "una-clave-larga")


def test_cliente_necesita_acreedor_existente(app, crear_acreedor):
    runner = app.test_cli_runner()
    sin = runner.invoke(args=["crear-usuario", "c1", "--rol", "cliente", "--clave", "12345678x"])
    assert sin.exit_code != 0 and "necesita el código de su acreedor" in sin.output
    otro = runner.invoke(args=["crear-usuario", "c1", "--rol", "cliente", "--acreedor", "NOPE",
                               "--clave", "12345678x"])
    assert otro.exit_code != 0 and "No existe el acreedor «NOPE»" in otro.output
    crear_acreedor("ACME")
    bien = runner.invoke(args=["crear-usuario", "c1", "--rol", "cliente", "--acreedor", "ACME",
                               "--clave", "12345678x"])
    assert bien.exit_code == 0, bien.output
    assert db.session.scalar(select(Usuario).where(Usuario.usuario == "c1")).acreedor.codigo == "ACME"


def test_clave_corta_y_usuario_repetido_rechazados(app):
    runner = app.test_cli_runner()
    corta = runner.invoke(args=["crear-usuario", "x", "--rol", "admin", "--clave", "corta"])
    assert corta.exit_code != 0 and "al menos 8 caracteres" in corta.output
    assert runner.invoke(args=["crear-usuario", "x", "--rol", "admin", "--clave", "larga-123"]).exit_code == 0
    repetido = runner.invoke(args=["crear-usuario", "x", "--rol", "admin", "--clave", "larga-123"])
    assert repetido.exit_code != 0 and "Ya existe el usuario «x»" in repetido.output


def test_listar_usuarios(app, crear_usuario):
    crear_usuario("agente7", nombre="Pedro Díaz")
    salida = app.test_cli_runner().invoke(args=["usuarios"])
    assert "agente7" in salida.output and "Agente" in salida.output
