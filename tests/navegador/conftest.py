"""Browser fixtures: the app served on a real port, a real RQ worker process, and headless
Debian chromium driven by Playwright."""

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.servidores import puerto_libre

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGUMENTOS_CHROMIUM = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def servidor_vivo(app):
    """The test app on a free loopback port, served by werkzeug in a thread."""
    puerto = puerto_libre()
    servidor = make_server("127.0.0.1", puerto, app, threaded=True)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    yield f"http://127.0.0.1:{puerto}"
    servidor.shutdown()


@pytest.fixture
def worker_rq(app):
    """A real `agencia worker` process on the test database and Redis."""
    entorno = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "ALMACEN_ARCHIVOS": str(app.config["ALMACEN_ARCHIVOS"]),
        "AGENCIA_INSTANCIA": str(app.config["INSTANCIA"]),
    }
    agencia = Path(sys.executable).with_name("agencia")
    proceso = subprocess.Popen([str(agencia), "worker"], env=entorno,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    yield proceso
    proceso.terminate()
    try:
        proceso.wait(15)
    except subprocess.TimeoutExpired:
        proceso.kill()


@pytest.fixture(scope="session")
def navegador():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No está chromium en {CHROMIUM}: `make test` lo instala.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTOS_CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def pagina(navegador, servidor_vivo):
    contexto = navegador.new_context(base_url=servidor_vivo, viewport={"width": 1366, "height": 768},
                                     accept_downloads=True, locale="es-CO")
    contexto.set_default_timeout(15000)
    yield contexto.new_page()
    contexto.close()


def zona_de_las_14() -> str:
    """A fixed-offset IANA zone whose local time is 14:xx now (Etc/GMT signs are inverted).

    The worker evaluates the contact policy at the real wall-clock time: deudores in Mexico
    (contact allowed 07:00–22:00 every day, no holidays, no caps on letters) living in this
    zone may get a letter whatever the hour the test runs at."""
    desfase = 14 - datetime.now(UTC).hour  # from +14 down to -9 hours
    if desfase == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if desfase > 0 else '+'}{abs(desfase)}"
