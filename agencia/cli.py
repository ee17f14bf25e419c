"""The `agencia` command group: Flask's own commands (run, shell, db…) plus ours."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from agencia.extensiones import db

comandos: list[click.Command] = []


def _comando(nombre: str):
    """Declares a command of the app; create_app adds them all to app.cli."""

    def decorador(funcion):
        comando = click.command(nombre)(with_appcontext(funcion))
        comandos.append(comando)
        return comando

    return decorador


def registrar_comandos(app) -> None:
    for comando in comandos:
        app.cli.add_command(comando)


def _crear_app():
    from agencia import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_crear_app)
def cli():
    """Agencia: administración de la agencia de cobranza."""


def main():
    cli(prog_name="agencia")


@_comando("crear-usuario")
@click.argument("usuario")
@click.option("--nombre", help="Nombre completo (por defecto, el usuario).")
@click.option("--rol", required=True, type=click.Choice(["admin", "supervisor", "agente", "abogado", "cliente"]))
@click.option("--acreedor", "acreedor_codigo", help="Código del acreedor (solo rol cliente).")
@click.option("--email")
@click.password_option("--clave", prompt="Contraseña", help="Al menos 8 caracteres.")
def crear_usuario(usuario, nombre, rol, acreedor_codigo, email, clave):
    """Crea un usuario con su rol."""
    from agencia.auth.servicios import ErrorUsuario
    from agencia.auth.servicios import crear_usuario as crear

    try:
        nuevo = crear(usuario, nombre or usuario, rol, clave, acreedor_codigo=acreedor_codigo, email=email)
    except ErrorUsuario as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Usuario «{nuevo.usuario}» creado con rol {nuevo.rol}.")


@_comando("importar-cartera")
@click.argument("archivo", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--acreedor", "acreedor_codigo", required=True, help="Código del acreedor.")
@click.option(
    "--solo-validas", is_flag=True,
    help="Importa las filas válidas aunque haya rechazadas (por defecto: todo o nada).",
)
def importar_cartera(archivo, acreedor_codigo, solo_validas):
    """Importa un archivo de asignación (DISEÑO §5) y muestra el reporte."""
    from agencia.asignaciones.servicios import ErrorImportacion, importar_archivo

    try:
        reporte = importar_archivo(archivo, acreedor_codigo, todo_o_nada=not solo_validas)
    except ErrorImportacion as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(reporte.como_texto())
    if reporte.rechazos:
        sys.exit(1)


@_comando("demo")
@click.option("--casos", default=3000, show_default=True, help="Casos por generar.")
@click.option("--si-vacia", is_flag=True, help="Solo si la base no tiene acreedores.")
def demo(casos, si_vacia):
    """Carga datos de demostración (acreedores, usuarios, cartera)."""
    from agencia.demo.servicios import cargar_demo, hay_datos

    if si_vacia and hay_datos():
        click.echo("La base ya tiene datos; no se cargó la demostración.")
        return
    resumen = cargar_demo(casos=casos)
    click.echo(resumen)


@_comando("worker")
@click.option("--burst", is_flag=True, help="Procesa lo pendiente y termina.")
@click.option("--sin-programador", is_flag=True, help="No ejecuta el programador de RQ.")
def worker(burst, sin_programador):
    """Ejecuta un worker de RQ (con el programador) dentro de la aplicación."""
    from flask import current_app

    from colas.worker import ejecutar_worker

    ejecutar_worker(current_app._get_current_object(), burst=burst, programador=not sin_programador)


@_comando("usuarios")
@click.option("--demo", is_flag=True, help="Solo el formato breve para la demostración.")
def usuarios(demo):
    """Lista los usuarios con su rol y acreedor."""
    from sqlalchemy import select

    from agencia.auth.modelos import Usuario

    for u in db.session.scalars(select(Usuario).order_by(Usuario.rol, Usuario.usuario)):
        acreedor = f" · {u.acreedor.nombre}" if u.acreedor else ""
        prefijo = "    " if demo else ""
        click.echo(f"{prefijo}{u.usuario:<24} {u.nombre_rol}{acreedor}")


@click.group("auditoria", cls=AppGroup)
def auditoria():
    """Cadena de hashes de la auditoría: sellar y verificar."""


comandos.append(auditoria)


@auditoria.command("sellar")
def auditoria_sellar():
    """Sella en la cadena las entradas de auditoría ya definitivas."""
    from agencia.auditoria.cadena import sellar_pendientes

    click.echo(f"Entradas selladas: {sellar_pendientes()}.")


@auditoria.command("verificar")
def auditoria_verificar():
    """Recalcula la cadena: detecta entradas modificadas o borradas."""
    from agencia.auditoria.cadena import contar, verificar

    problemas = verificar()
    if problemas:
        click.echo("La cadena de auditoría tiene problemas:")
        for problema in problemas:
            click.echo(f"  - {problema}")
        sys.exit(1)
    selladas, pendientes = contar()
    extra = f" ({pendientes} por sellar)" if pendientes else ""
    click.echo(f"Cadena íntegra: {selladas} entradas{extra}.")
