"""Shared pieces of the benchmarks: a private PostgreSQL, the app on it, and the report."""

import os
import platform
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))

from tests.servidores import ServidorPostgres  # noqa: E402


def maquina() -> str:
    with open("/proc/cpuinfo") as f:
        modelo = next(
            (linea.split(":", 1)[1].strip() for linea in f if linea.startswith("model name")), "?"
        )
    memoria = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()} · {os.cpu_count()} cores · {modelo} · {memoria:.0f} GiB"


@contextmanager
def app_en_postgres():
    """A fresh PostgreSQL cluster with the migrated schema, and the app bound to it."""
    from flask_migrate import upgrade

    from agencia import create_app
    from agencia.config import Config

    with tempfile.TemporaryDirectory(prefix="agencia-bench-") as carpeta:
        servidor = ServidorPostgres(Path(carpeta) / "pg", durable=True).iniciar()
        try:
            app = create_app(Config, SQLALCHEMY_DATABASE_URI=servidor.url,
                             ALMACEN_ARCHIVOS=Path(carpeta) / "archivos")
            with app.app_context():
                upgrade()
                yield app
        finally:
            servidor.detener()


def informar(cifras: dict, objetivos: dict) -> int:
    """Prints `name: value` lines and returns the exit status (1 when a target is missed)."""
    print(f"maquina: {maquina()}")
    for nombre, valor in cifras.items():
        print(f"{nombre}: {valor}")
    fallidos = [n for n, (cumple, texto) in objetivos.items() if not cumple]
    for nombre, (cumple, texto) in objetivos.items():
        print(f"objetivo_{nombre}: {'cumplido' if cumple else 'NO cumplido'} ({texto})")
    return 1 if fallidos else 0
