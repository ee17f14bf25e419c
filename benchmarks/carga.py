"""Load test of the staff pages through gunicorn on PostgreSQL (issue 10): ≥ 200 requests/s
with no errors for BENCH_DURACION seconds (default 300), and the p95 of each main page.

Set-up (a private, durable PostgreSQL and a Redis, as the other benchmarks): the schema by
migration, then the data of benchmarks/tableros.py with SQL `generate_series` — BENCH_CASOS
casos (default 200,000) over 5 acreedores and 50 agents, BENCH_GESTIONES gestiones (default
1,000,000), promises, payments, stage changes, work sessions — and the dashboard's rollups
for the last 30 days (agencia.metricas.calculo.calcular, as the nightly job). BENCH_SESIONES
agents (default 10) and the supervisor get real passwords (the app's hashing).

gunicorn serves `wsgi:app` on a free loopback port with BENCH_WORKERS workers (default
2 × cores + 1) of class BENCH_CLASE (default sync; gthread with BENCH_HILOS threads each),
configured only by environment variables as in production (DATABASE_URL, REDIS_URL,
SECRET_KEY, ALMACEN_ARCHIVOS, RATELIMIT_STORAGE_URI on the Redis). The login limit
(RATELIMIT_LOGIN) is raised for the run because every session logs in from 127.0.0.1; the
pages measured have no limit. The sessions log in through the form (CSRF token included),
then each page is fetched once and checked for a marker (status 200 and expected content).

wrk (Debian package, `make bench` installs it) runs with benchmarks/carga.lua, 2 threads and
BENCH_CONEXIONES connections (default 16), over a shuffled mix of requests with the sessions'
cookies. Weights, out of 20 requests — agents do most of the work, opening casos:

  caso (/casos/<id>, one of the agent's casos)                        8
  mi_dia (/mi-dia, the agent's bandeja)                                5
  busqueda (/casos/buscar?q=: a document, a local phone, a full name)  4
  supervision (/supervision/, the supervisor)                          2
  tablero (/tablero/, last 30 days, the supervisor)                    1

An error is any response other than 200 (a redirect would be a lost session) or a socket
error/timeout (BENCH_TIMEOUT_S, default 10 s). Then each page alone for BENCH_DURACION_PAGINA
seconds (default 20) with BENCH_CONEXIONES_PAGINA connections (default 4, fewer than the
workers: the figure is the page's own time rather than a queue): p95 from wrk's latency
histogram (Lua done hook). Also counted as errors: tracebacks and worker timeouts in
gunicorn's log. Prints `name: value` lines; exit status 1 when below 200 requests/s or with
any error. Figures are only meaningful on an idle machine.

Worker class: sync (no keep-alive: a connection per request, cheap on loopback) and gthread
(BENCH_CLASE=gthread, BENCH_HILOS=4) were compared briefly on a busy machine and came out
within noise of each other; sync stays the default, gthread with 5 × 4 was the only one to
time out requests when overloaded. Compare both on the idle machine before recording.
"""

import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests
import tableros
from bandeja import app_en_postgres
from comun import RAIZ, informar
from sqlalchemy import text

from tests.servidores import puerto_libre

CASOS = int(os.environ.get("BENCH_CASOS", "200000"))
GESTIONES = int(os.environ.get("BENCH_GESTIONES", str(5 * CASOS)))
SESIONES = int(os.environ.get("BENCH_SESIONES", "10"))
DURACION = int(os.environ.get("BENCH_DURACION", "300"))
DURACION_PAGINA = int(os.environ.get("BENCH_DURACION_PAGINA", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
CLASE = os.environ.get("BENCH_CLASE", "sync")
HILOS = int(os.environ.get("BENCH_HILOS", "4"))
CONEXIONES = int(os.environ.get("BENCH_CONEXIONES", "16"))
CONEXIONES_PAGINA = int(os.environ.get("BENCH_CONEXIONES_PAGINA", "4"))
TIMEOUT_S = int(os.environ.get("BENCH_TIMEOUT_S", "10"))
OBJETIVO_RPS = 200.0
CLAVE = tableros.CLAVE
AGENTE_USUARIO = "agencia-carga/1.0"  # the same for login and wrk (session protection)
LUA = Path(__file__).with_name("carga.lua")
PESOS = {"caso": 8, "mi_dia": 5, "busqueda": 4, "supervision": 2, "tablero": 1}
PAGINAS = list(PESOS)


def preparar() -> dict:
    """Data, rollups and passwords; returns per agent its casos and search texts."""
    from agencia.auth.modelos import Usuario
    from agencia.extensiones import db
    from agencia.metricas.calculo import calcular
    from agencia.promesas.servicios import hoy_local

    tableros.CASOS, tableros.GESTIONES = CASOS, GESTIONES
    tableros.generar()
    hoy = hoy_local()
    calcular(hoy - timedelta(days=29), hoy)
    agentes = {}
    for n in range(1, SESIONES + 1):
        usuario = db.session.scalar(db.select(Usuario).filter_by(usuario=f"agente{n}"))
        usuario.fijar_clave(CLAVE)
        filas = db.session.execute(text(
            """SELECT c.id, d.nombre, d.numero_documento, min(t.valor)
               FROM caso c JOIN deudor d ON d.id = c.deudor_id
               LEFT JOIN contacto t ON t.deudor_id = d.id AND t.tipo = 'telefono'
               WHERE c.agente_id = :a AND c.etapa <> 'pagado'
               GROUP BY c.id, d.nombre, d.numero_documento ORDER BY c.id LIMIT 30"""),
            {"a": usuario.id}).all()
        busquedas = []
        for i, (_, nombre, documento, telefono) in enumerate(filas[:12]):
            texto = (documento, (telefono or documento).removeprefix("+57"), nombre)[i % 3]
            busquedas.append((texto, nombre))
        agentes[usuario.usuario] = {"casos": [(f, d) for f, d, *_ in filas],
                                    "busquedas": busquedas}
    db.session.commit()
    return agentes


def iniciar_gunicorn(app, carpeta: Path) -> tuple[subprocess.Popen, str, Path]:
    puerto = puerto_libre()
    registro = carpeta / "gunicorn.log"
    entorno = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        RATELIMIT_STORAGE_URI=app.config["REDIS_URL"],
        RATELIMIT_LOGIN="10000 per minute",
        SECRET_KEY=secrets.token_hex(32),
        ALMACEN_ARCHIVOS=str(carpeta / "archivos"),
        AGENCIA_INSTANCIA=str(carpeta / "instancia"),
    )
    comando = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{puerto}",
               "--workers", str(WORKERS), "--worker-class", CLASE,
               "--error-logfile", str(registro), "--chdir", str(RAIZ), "wsgi:app"]
    if CLASE == "gthread":
        comando[-1:-1] = ["--threads", str(HILOS)]
    proceso = subprocess.Popen(comando, env=entorno, cwd=RAIZ,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{puerto}"
    limite = time.monotonic() + 120  # workers import the app: slow on a busy machine
    try:
        while time.monotonic() < limite and proceso.poll() is None:
            try:
                if requests.get(f"{base}/ingresar", timeout=30).status_code == 200:
                    return proceso, base, registro
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
    except BaseException:
        detener(proceso)
        raise
    detener(proceso)
    raise RuntimeError("gunicorn no arrancó:\n" + registro.read_text(errors="replace")[-3000:])


def detener(proceso: subprocess.Popen) -> None:
    if proceso.poll() is None:
        proceso.terminate()  # graceful: workers finish their request
        try:
            proceso.wait(30)
        except subprocess.TimeoutExpired:
            proceso.kill()
            proceso.wait(10)


def sesion(base: str, usuario: str) -> requests.Session:
    """Logs in through the form, as a browser would (CSRF token from the page)."""
    s = requests.Session()
    s.headers["User-Agent"] = AGENTE_USUARIO
    pagina = s.get(f"{base}/ingresar", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', pagina.text).group(1)
    respuesta = s.post(f"{base}/ingresar", data={"usuario": usuario, "clave": CLAVE,
                                                 "csrf_token": token},
                       allow_redirects=False, timeout=30)
    if respuesta.status_code != 302:
        raise RuntimeError(f"{usuario} no pudo ingresar: HTTP {respuesta.status_code}")
    return s


def comprobar(s: requests.Session, base: str, ruta: str, marca: str) -> None:
    respuesta = s.get(base + ruta, allow_redirects=False, timeout=60)
    if respuesta.status_code != 200 or marca not in respuesta.text:
        raise RuntimeError(f"{ruta}: HTTP {respuesta.status_code}, sin «{marca}»")


def cookie(s: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def plan_de_carga(base: str, agentes: dict) -> list[tuple[str, str, str]]:
    """(page, Cookie header, path) for the mix; every page checked once before the load."""
    from urllib.parse import quote

    galletas = {}
    for usuario, datos in agentes.items():
        s = sesion(base, usuario)
        caso_id, nombre = datos["casos"][0]
        texto, encontrado = datos["busquedas"][0]
        comprobar(s, base, "/mi-dia", "¿Contactable ahora?")
        comprobar(s, base, f"/casos/{caso_id}", nombre)
        comprobar(s, base, f"/casos/buscar?q={quote(texto)}", encontrado)
        galletas[usuario] = cookie(s)  # after the pages: includes the CSRF token
    supervisora = sesion(base, "supervisora")
    comprobar(supervisora, base, "/supervision/", "Supervisión")
    comprobar(supervisora, base, "/tablero/", "Agente 1")
    galleta_supervisora = cookie(supervisora)

    azar = random.Random(10)
    usuarios = list(agentes)
    plan = []
    for _ in range(200):
        for pagina, peso in PESOS.items():
            for _ in range(peso):
                usuario = azar.choice(usuarios)
                datos = agentes[usuario]
                if pagina == "caso":
                    ruta = f"/casos/{azar.choice(datos['casos'])[0]}"
                elif pagina == "mi_dia":
                    ruta = "/mi-dia"
                elif pagina == "busqueda":
                    ruta = f"/casos/buscar?q={quote(azar.choice(datos['busquedas'])[0])}"
                else:
                    ruta = "/supervision/" if pagina == "supervision" else "/tablero/"
                    plan.append((pagina, galleta_supervisora, ruta))
                    continue
                plan.append((pagina, galletas[usuario], ruta))
    azar.shuffle(plan)
    return plan


def wrk(base: str, plan: list, segundos: int, conexiones: int, carpeta: Path) -> dict:
    archivo = carpeta / "plan.tsv"
    archivo.write_text("".join(f"{galleta}\t{ruta}\n" for _, galleta, ruta in plan))
    salida = subprocess.run(
        ["wrk", "--threads", "2", "--connections", str(conexiones), "--duration",
         f"{segundos}s", "--timeout", f"{TIMEOUT_S}s", "--latency", "--script", str(LUA),
         base + "/"],
        env=dict(os.environ, CARGA_PLAN=str(archivo), CARGA_USER_AGENT=AGENTE_USUARIO),
        capture_output=True, text=True, check=True, timeout=segundos + 120,
    ).stdout
    print(salida, file=sys.stderr)  # wrk's own report, for the record
    cifras = dict(re.findall(r"^carga_(\w+): (\d+)$", salida, re.M))
    return {clave: int(valor) for clave, valor in cifras.items()}


def problemas_en_registro(registro: Path) -> int:
    """Tracebacks and worker timeouts gunicorn logged."""
    texto = registro.read_text(errors="replace") if registro.exists() else ""
    return texto.count("Traceback") + texto.count("WORKER TIMEOUT")


def main() -> int:
    from agencia.extensiones import db

    cifras = {"base_datos": "PostgreSQL (privado, durable)", "casos": CASOS,
              "gestiones": GESTIONES, "servidor": f"gunicorn {CLASE}, {WORKERS} workers"
              + (f" × {HILOS} hilos" if CLASE == "gthread" else ""),
              "conexiones": CONEXIONES, "sesiones": f"{SESIONES} agentes + 1 supervisora"}
    with tempfile.TemporaryDirectory(prefix="agencia-carga-") as nombre, \
            app_en_postgres() as app:
        carpeta = Path(nombre)
        inicio = time.perf_counter()
        agentes = preparar()
        cifras["preparacion_s"] = round(time.perf_counter() - inicio, 1)
        db.session.remove()
        db.engine.dispose()  # the server's workers get their own connections
        gunicorn, base, registro = iniciar_gunicorn(app, carpeta)
        try:
            plan = plan_de_carga(base, agentes)
            carga = wrk(base, plan, DURACION, CONEXIONES, carpeta)
            errores = carga["no_200"] + carga["errores_socket"]
            segundos = carga["duracion_us"] / 1e6
            cifras.update({
                "duracion_s": round(segundos, 1),
                "peticiones": carga["peticiones"],
                "peticiones_por_s": round(carga["peticiones"] / segundos, 1),
                "errores": errores,
                "tasa_error": round(errores / max(carga["peticiones"], 1), 6),
                "redirecciones": carga["redirecciones"],
                "p50_mezcla_ms": round(carga["p50_us"] / 1000, 1),
                "p95_mezcla_ms": round(carga["p95_us"] / 1000, 1),
                "p99_mezcla_ms": round(carga["p99_us"] / 1000, 1),
            })
            errores_paginas = 0
            for pagina in PAGINAS:
                solo = [fila for fila in plan if fila[0] == pagina]
                medida = wrk(base, solo, DURACION_PAGINA, CONEXIONES_PAGINA, carpeta)
                errores_paginas += medida["no_200"] + medida["errores_socket"]
                cifras[f"p95_{pagina}_ms"] = round(medida["p95_us"] / 1000, 1)
                cifras[f"rps_{pagina}"] = round(
                    medida["peticiones"] / (medida["duracion_us"] / 1e6), 1)
            cifras["errores_paginas"] = errores_paginas
        finally:
            detener(gunicorn)
        cifras["problemas_registro_gunicorn"] = problemas_en_registro(registro)

    objetivos = {
        "rendimiento": (cifras["peticiones_por_s"] >= OBJETIVO_RPS,
                        f"≥ {OBJETIVO_RPS:.0f} peticiones/s en la mezcla"),
        "errores": (cifras["errores"] + cifras["errores_paginas"]
                    + cifras["problemas_registro_gunicorn"] == 0,
                    "0 respuestas distintas de 200, 0 errores de socket, 0 trazas en gunicorn"),
    }
    return informar(cifras, objetivos)


if __name__ == "__main__":
    sys.exit(main())
