"""Backup and restore (scripts/respaldar.sh, scripts/restaurar.sh) on real PostgreSQL servers.

Data made through the app's services in one private cluster is backed up, restored into a
second private cluster and an empty file store, and the restored copy is checked: the same
rows, the same document bytes, and the app bound to it serves the caso. A damaged backup is
refused before anything is written. PostgreSQL only (pg_dump): skipped on SQLite.
"""

import hashlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, func, select

from agencia import create_app
from agencia.config import ConfigPruebas
from agencia.extensiones import db
from tests.conftest import CLAVE, MOTOR, ingresar
from tests.servidores import ServidorPostgres

SIN_POSTGRES = (
    "respaldo con pg_dump: solo con AGENCIA_PRUEBAS_BD=postgresql" if MOTOR != "postgresql"
    else "faltan pg_dump / pg_restore / psql (postgresql-client)"
    if not all(shutil.which(p) for p in ("pg_dump", "pg_restore", "psql")) else None
)

RAIZ = Path(__file__).resolve().parents[2]
RESPALDAR = RAIZ / "scripts" / "respaldar.sh"
RESTAURAR = RAIZ / "scripts" / "restaurar.sh"
EJEMPLO_ENTORNO = RAIZ / "deploy" / "agencia.env.ejemplo"
PDF = b"%PDF-1.4\n% contrato de prueba\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def _app(url: str, archivos: Path, redis_url: str, carpeta: Path):
    return create_app(ConfigPruebas, SQLALCHEMY_DATABASE_URI=url, REDIS_URL=redis_url,
                      ALMACEN_ARCHIVOS=archivos, INSTANCIA=carpeta)


def _ejecutar(script: Path, *args: str, url: str, archivos: Path, bin_pg: Path):
    entorno = {**os.environ, "DATABASE_URL": url, "ALMACEN_ARCHIVOS": str(archivos),
               "PATH": f"{bin_pg}:{os.environ['PATH']}"}
    return subprocess.run([str(script), *args], env=entorno, capture_output=True, text=True,
                          timeout=120)


def _crear_datos() -> dict:
    """An acreedor, an admin, a caso with a payment and a stored document (app services)."""
    from agencia.acreedores.modelos import Acreedor
    from agencia.auth.servicios import crear_usuario
    from agencia.casos.modelos import Caso, Obligacion
    from agencia.deudores.modelos import Contacto, Deudor
    from agencia.documentos import almacen
    from agencia.documentos.servicios import adjuntar
    from agencia.pagos.servicios import registrar_pago

    acreedor = Acreedor(codigo="RESP", nombre="Banco del Respaldo", pais="CO", moneda="COP")
    db.session.add(acreedor)
    admin = crear_usuario("admin-respaldo", "Admin Respaldo", "admin", CLAVE)
    db.session.flush()
    deudor = Deudor(tipo_documento="CC", numero_documento="1020304050",
                    nombre="Rosa Elvira Cárdenas")
    deudor.contactos = [Contacto(tipo="email", valor="rosa@example.com",
                                 consentimientos=["email"])]
    vence = date.today() - timedelta(days=40)
    caso = Caso(acreedor_id=acreedor.id, deudor=deudor, etapa="prejuridico", vencimiento=vence,
                saldo=Decimal("500000"))
    caso.obligaciones.append(Obligacion(
        acreedor_id=acreedor.id, referencia="RESP-0001", numero_factura="F-1",
        fecha_vencimiento=vence, moneda="COP", capital=Decimal("500000"),
        intereses=Decimal("0"), gastos=Decimal("0"), saldo=Decimal("500000")))
    db.session.add(caso)
    db.session.commit()
    registrar_pago(caso, Decimal("120000"), date.today(), "transferencia", "TRF-RESP-1",
                   admin.id)
    documento, _ = adjuntar(caso, almacen.verificar(PDF, "contrato.pdf"), "contrato",
                            usuario_id=admin.id)
    db.session.commit()
    return {"caso_id": caso.id, "documento_id": documento.id, "ruta": documento.ruta,
            "sha256": documento.sha256}


def _conteos(url: str) -> dict[str, int]:
    motor = create_engine(url)
    try:
        with motor.connect() as conexion:
            return {t.name: conexion.scalar(select(func.count()).select_from(t))
                    for t in db.metadata.sorted_tables}
    finally:
        motor.dispose()


CLAVE_APP = "clave con espacio/y barra"  # URL-encoded in DATABASE_URL


def _preparar_base_de_la_app(servidor: ServidorPostgres) -> None:
    """Role `app_agencia` (no superuser) owning database `agencia_app`, with pg_trgm."""
    superusuario = f"postgresql://agencia@127.0.0.1:{servidor.puerto}"
    for base, sql in (("agencia", f"CREATE ROLE app_agencia LOGIN PASSWORD '{CLAVE_APP}'"),
                      ("agencia", "CREATE DATABASE agencia_app OWNER app_agencia"),
                      ("agencia_app", "CREATE EXTENSION pg_trgm")):
        subprocess.run(["psql", "-Xq", "-v", "ON_ERROR_STOP=1", f"{superusuario}/{base}",
                        "-c", sql], check=True, capture_output=True)


def _url_app(servidor: ServidorPostgres) -> str:
    return (f"postgresql+psycopg://app_agencia:{quote(CLAVE_APP, safe='')}"
            f"@127.0.0.1:{servidor.puerto}/agencia_app")


def _url_superusuario(servidor: ServidorPostgres) -> str:
    """Reads every row whatever row-level security says."""
    return f"postgresql+psycopg://agencia@127.0.0.1:{servidor.puerto}/agencia_app"


@pytest.fixture(scope="module")
def escenario(carpeta_sesion, redis_servidor):
    from flask_migrate import upgrade

    if SIN_POSTGRES:
        pytest.skip(SIN_POSTGRES)
    carpeta = carpeta_sesion / "respaldo"
    carpeta.mkdir()
    origen, destino = ServidorPostgres(carpeta / "pg-origen"), ServidorPostgres(carpeta / "pg-destino")
    with ThreadPoolExecutor(2) as hilos:  # two initdb at once: the slow part of the setup
        list(hilos.map(ServidorPostgres.iniciar, (origen, destino)))
    try:
        # As in production: the app's role owns its database but is no superuser, so
        # row-level security applies to it (the backup must still see every row).
        for servidor in (origen, destino):
            _preparar_base_de_la_app(servidor)
        url_origen, url_destino = _url_app(origen), _url_app(destino)
        archivos = carpeta / "archivos-origen"
        app = _app(url_origen, archivos, redis_servidor.url, carpeta)
        with app.app_context():
            upgrade()
            datos = _crear_datos()
            db.session.remove()
            for motor in db.engines.values():
                motor.dispose()

        respaldos = carpeta / "respaldos"
        hecho = _ejecutar(RESPALDAR, str(respaldos), url=url_origen, archivos=archivos,
                          bin_pg=origen.bin)
        assert hecho.returncode == 0, hecho.stderr
        (respaldo,) = respaldos.glob("agencia-*")

        restaurados = carpeta / "archivos-restaurados"
        restaurado = _ejecutar(RESTAURAR, str(respaldo), url=url_destino, archivos=restaurados,
                               bin_pg=destino.bin)
        yield {**datos, "carpeta": carpeta, "origen": origen, "destino": destino,
               "respaldo": respaldo, "restaurados": restaurados, "restaurado": restaurado,
               "archivos": archivos, "redis_url": redis_servidor.url}
    finally:
        origen.detener()
        destino.detener()


def test_el_respaldo_trae_base_archivos_y_manifiesto(escenario):
    respaldo = escenario["respaldo"]
    partes = {p.name for p in respaldo.iterdir()}
    assert {"base.dump", "archivos.tar", "archivos.sha256", "conteos.tsv", "SHA256SUMS",
            "info.txt"} <= partes
    manifiesto = (respaldo / "archivos.sha256").read_text()
    assert f"{escenario['sha256']}  ./{escenario['ruta']}" in manifiesto
    conteos = dict(linea.split("\t") for linea in (respaldo / "conteos.tsv").read_text().splitlines())
    assert conteos["public.caso"] == "1" and conteos["public.pago"] == "1"
    assert conteos["public.documento"] == "1"


def test_la_restauracion_se_verifica_y_tiene_las_mismas_filas(escenario):
    restaurado = escenario["restaurado"]
    assert restaurado.returncode == 0, restaurado.stderr
    assert "Restauración verificada" in restaurado.stdout
    assert "(head)" in restaurado.stdout
    assert "agencia auditoria verificar" in restaurado.stdout
    origen = _conteos(_url_superusuario(escenario["origen"]))
    destino = _conteos(_url_superusuario(escenario["destino"]))
    assert origen == destino
    assert destino["caso"] == 1 and destino["pago"] == 1 and destino["documento"] == 1
    assert destino["auditoria"] > 0


def test_el_documento_restaurado_tiene_los_mismos_bytes(escenario):
    assert escenario["restaurado"].returncode == 0, escenario["restaurado"].stderr
    archivo = escenario["restaurados"] / escenario["ruta"]
    assert archivo.read_bytes() == PDF
    assert hashlib.sha256(archivo.read_bytes()).hexdigest() == escenario["sha256"]


def test_la_app_sobre_la_base_restaurada_muestra_el_caso(escenario):
    assert escenario["restaurado"].returncode == 0, escenario["restaurado"].stderr
    app = _app(_url_app(escenario["destino"]), escenario["restaurados"], escenario["redis_url"],
               escenario["carpeta"])
    try:
        cliente = app.test_client()
        ingresar(cliente, "admin-respaldo")
        pagina = cliente.get(f"/casos/{escenario['caso_id']}")
        assert pagina.status_code == 200
        html = pagina.get_data(as_text=True)
        assert "Rosa Elvira Cárdenas" in html and "RESP-0001" in html
        descarga = cliente.get(f"/documentos/{escenario['documento_id']}")
        assert descarga.status_code == 200 and descarga.data == PDF
    finally:
        with app.app_context():
            db.session.remove()
            for motor in db.engines.values():
                motor.dispose()


def _copia(escenario, nombre: str) -> Path:
    copia = escenario["carpeta"] / nombre
    shutil.copytree(escenario["respaldo"], copia)
    return copia


def _restaurar_en_vacio(escenario, respaldo: Path, nombre: str):
    archivos = escenario["carpeta"] / nombre
    resultado = _ejecutar(RESTAURAR, str(respaldo), url=_url_app(escenario["destino"]),
                          archivos=archivos, bin_pg=escenario["destino"].bin)
    return resultado, archivos


def test_un_archivo_alterado_en_el_respaldo_no_se_restaura(escenario):
    copia = _copia(escenario, "respaldo-alterado")
    tar = copia / "archivos.tar"
    contenido = tar.read_bytes()
    posicion = contenido.index(b"contrato de prueba")
    tar.write_bytes(contenido[:posicion] + b"CONTRATO" + contenido[posicion + 8:])

    resultado, archivos = _restaurar_en_vacio(escenario, copia, "archivos-alterado")

    assert resultado.returncode != 0
    assert "el respaldo está dañado" in resultado.stderr
    assert "archivos.tar" in resultado.stderr
    assert not archivos.exists()  # nothing written


def test_un_manifiesto_que_no_coincide_no_se_restaura(escenario):
    copia = _copia(escenario, "respaldo-manifiesto")
    manifiesto = copia / "archivos.sha256"
    manifiesto.write_text(manifiesto.read_text().replace(f"{escenario['sha256']}  ", f"{'0' * 64}  "))
    # The outer sums are made consistent again: only the per-file check can catch it.
    subprocess.run("sha256sum base.dump archivos.tar archivos.sha256 conteos.tsv info.txt "
                   "> SHA256SUMS", shell=True, cwd=copia, check=True)

    resultado, archivos = _restaurar_en_vacio(escenario, copia, "archivos-manifiesto")

    assert resultado.returncode != 0
    assert f"./{escenario['ruta']}: su SHA-256 no coincide con el manifiesto" in resultado.stderr
    assert not archivos.exists()


def test_no_restaura_sobre_una_base_con_datos(escenario):
    assert escenario["restaurado"].returncode == 0, escenario["restaurado"].stderr
    resultado, archivos = _restaurar_en_vacio(escenario, escenario["respaldo"], "archivos-otra")
    assert resultado.returncode == 1
    assert "no está vacía" in resultado.stderr
    assert not archivos.exists()


def test_solo_verificar_no_toca_nada(escenario):
    resultado = subprocess.run([str(RESTAURAR), "--solo-verificar", str(escenario["respaldo"])],
                               capture_output=True, text=True, timeout=60)
    assert resultado.returncode == 0, resultado.stderr
    assert "Respaldo íntegro" in resultado.stdout


def test_el_ejemplo_de_entorno_trae_cada_ajuste():
    """deploy/agencia.env.ejemplo lists every variable agencia/config.py reads."""
    fuente = (RAIZ / "agencia" / "config.py").read_text()
    leidas = set(re.findall(r'(?:environ\.get|_bool)\(\s*"([A-Z0-9_]+)"', fuente))
    ejemplo = set(re.findall(r"^([A-Z0-9_]+)=", EJEMPLO_ENTORNO.read_text(), re.MULTILINE))
    assert leidas - ejemplo == set()
    assert ejemplo - leidas == set()
