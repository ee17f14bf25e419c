"""Real servers for the test suite: a throwaway redis-server and PostgreSQL cluster.

Each starts in a temporary directory on a free loopback port and is stopped at the end.
Used by conftest.py, the browser tests and the benchmarks.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _esperar_puerto(puerto: int, segundos: float = 20) -> None:
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", puerto)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"El servidor no abrió el puerto {puerto}")


class ServidorRedis:
    def __init__(self, carpeta: Path):
        self.carpeta = Path(carpeta)
        self.puerto = puerto_libre()
        self.proceso = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.puerto}/0"

    def iniciar(self) -> "ServidorRedis":
        self.carpeta.mkdir(parents=True, exist_ok=True)
        self.proceso = subprocess.Popen(
            ["redis-server", "--port", str(self.puerto), "--bind", "127.0.0.1",
             "--dir", str(self.carpeta), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _esperar_puerto(self.puerto)
        return self

    def detener(self) -> None:
        if self.proceso and self.proceso.poll() is None:
            self.proceso.terminate()
            self.proceso.wait(10)


def _binarios_postgres() -> Path:
    for candidato in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidato, "initdb").exists():
            return Path(candidato)
    encontrado = shutil.which("initdb")
    if encontrado:
        return Path(encontrado).parent
    raise RuntimeError("PostgreSQL no está instalado (falta initdb): ejecute `make test`.")


class ServidorPostgres:
    """A private PostgreSQL cluster. As root, it runs as the `postgres` system user."""

    def __init__(self, carpeta: Path, durable: bool = False):
        self.carpeta = Path(carpeta)
        self.puerto = puerto_libre()
        self.bin = _binarios_postgres()
        # Tests trade durability for speed; benchmarks measure a durable server.
        self.durable = durable
        self.como_root = os.geteuid() == 0

    def _ejecutar(self, *args: str, **kw) -> subprocess.CompletedProcess:
        comando = list(args)
        if self.como_root:
            comando = ["runuser", "-u", "postgres", "--", *comando]
        return subprocess.run(comando, check=True, capture_output=True, text=True, **kw)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://agencia@127.0.0.1:{self.puerto}/agencia"

    def iniciar(self) -> "ServidorPostgres":
        self.carpeta.mkdir(parents=True, exist_ok=True)
        if self.como_root:
            # The cluster runs as `postgres`, which must be able to reach its directory.
            for carpeta in (self.carpeta, *self.carpeta.parents):
                if carpeta == Path(tempfile.gettempdir()):
                    break
                carpeta.chmod(carpeta.stat().st_mode | 0o711)
            shutil.chown(self.carpeta, "postgres", "postgres")
        datos = self.carpeta / "datos"
        rapido = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._ejecutar(str(self.bin / "initdb"), "-D", str(datos), "-U", "agencia",
                       "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._ejecutar(
            str(self.bin / "pg_ctl"), "-D", str(datos), "-l", str(self.carpeta / "pg.log"), "-w",
            "-o", f"-p {self.puerto} -k {self.carpeta} -c listen_addresses=127.0.0.1 "
                  f"-c max_connections=200 {'' if self.durable else rapido}",
            "start",
        )
        self._ejecutar(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.puerto),
                       "-U", "agencia", "agencia")
        return self

    def detener(self) -> None:
        datos = self.carpeta / "datos"
        if datos.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._ejecutar(str(self.bin / "pg_ctl"), "-D", str(datos), "-m", "immediate",
                               "stop")
