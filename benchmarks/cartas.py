"""Letters per second: in batches (≥ 300/s per worker process) and one by one (issue 7).

Creates BENCH_CASOS casos (default 3,000; Colombian deudores with an address that accepts
letters, one obligacion each) plus BENCH_MUESTRA (default 20) more for the single-letter path,
on PostgreSQL (default) or SQLite (BENCH_BD=sqlite). Then, in this one process:

- batch path: `crear_lote` over the N casos and `generar_lote` (chunks of BENCH_BLOQUE,
  default 300, BENCH_PROCESOS of them rendering at once: policy check, Carta rows, HTML, ONE
  wkhtmltopdf call per chunk, split into one PDF per letter, files written, gestion + audit
  per letter, commit per chunk, merged print file at the end) → `cartas_por_s_lote`, with
  where the time went and the CPU seconds of this process and of wkhtmltopdf;
- single-letter path: for each of the sample casos, `solicitar_carta` + commit +
  `servicios.generar_carta` + commit (one wkhtmltopdf call per letter) → `cartas_por_s_una_a_una`.

The contact policy is evaluated at a fixed working hour (a past Tuesday, 10:00 in Bogotá),
so every letter is allowed. Exits 1 when the batch target is missed.
"""

import os
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from comun import app_en_postgres, informar
from politica import momento_de_referencia

CASOS = int(os.environ.get("BENCH_CASOS", "3000"))
MUESTRA = int(os.environ.get("BENCH_MUESTRA", "20"))
BLOQUE = int(os.environ.get("BENCH_BLOQUE", "300"))
# Chunks rendering at once (default: the app's CARTAS_LOTE_PROCESOS, else lotes.PROCESOS).
PROCESOS = os.environ.get("BENCH_PROCESOS")
BD = os.environ.get("BENCH_BD", "postgresql")
OBJETIVO = 300.0


@contextmanager
def app_en_sqlite():
    from flask_migrate import upgrade

    from agencia import create_app
    from agencia.config import Config

    with tempfile.TemporaryDirectory(prefix="agencia-bench-") as carpeta:
        app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{carpeta}/bench.db",
                         ALMACEN_ARCHIVOS=Path(carpeta) / "archivos")
        with app.app_context():
            upgrade()
            yield app


def poblar() -> None:
    from sqlalchemy import insert

    from agencia.acreedores.modelos import Acreedor
    from agencia.auth.modelos import Usuario
    from agencia.casos.modelos import Caso, Obligacion
    from agencia.deudores.modelos import Contacto, Deudor
    from agencia.extensiones import db

    db.session.add(Acreedor(id=1, codigo="BENCH", nombre="Banco de prueba S.A.", pais="CO",
                            nit="900123456-7"))
    supervisor = Usuario(id=1, usuario="super", nombre="Supervisora", rol="supervisor")
    supervisor.fijar_clave("clave-de-prueba-123")
    db.session.add(supervisor)
    db.session.flush()
    vence = date.today() - timedelta(days=45)
    deudores, contactos, casos, obligaciones = [], [], [], []
    for i in range(1, CASOS + MUESTRA + 1):
        # The sample casos have a small saldo: the batch's filter (saldo_min) leaves them out.
        saldo = Decimal(1000 if i > CASOS else 100_000 + i)
        deudores.append(dict(id=i, tipo_documento="CC", numero_documento=str(10_000_000 + i),
                             nombre=f"Deudor de prueba {i}", pais="CO",
                             zona_horaria="America/Bogota", ciudad="Bogotá", no_contactar=False))
        contactos.append(dict(deudor_id=i, tipo="direccion", valor=f"Calle {i} # 10-20",
                              valido=True, consentimientos=["carta"]))
        casos.append(dict(id=i, acreedor_id=1, deudor_id=i, etapa="prejuridico",
                          en_disputa=False, saldo=saldo, vencimiento=vence))
        obligaciones.append(dict(acreedor_id=1, caso_id=i, referencia=f"BENCH-{i}",
                                 numero_factura=f"F-{i}", fecha_vencimiento=vence, moneda="COP",
                                 capital=saldo, intereses=Decimal(0), gastos=Decimal(0),
                                 saldo=saldo))
    for modelo, filas in ((Deudor, deudores), (Contacto, contactos), (Caso, casos),
                          (Obligacion, obligaciones)):
        db.session.execute(insert(modelo), filas)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        for tabla in ("deudor", "contacto", "caso", "obligacion"):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{tabla}', 'id'), "
                f"(SELECT max(id) FROM {tabla}))"))
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def cronometrar(tiempos: dict, modulo, nombre: str, etiqueta: str):
    original = getattr(modulo, nombre)

    def medido(*args, **kwargs):
        inicio = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            tiempos[etiqueta] += time.perf_counter() - inicio

    setattr(modulo, nombre, medido)


def por_lote(momento) -> tuple[float, dict, int]:
    from agencia.cartas import lotes, plantillas
    from agencia.cartas import pdf as modulo_pdf
    from agencia.extensiones import db

    tiempos: dict = defaultdict(float)
    cronometrar(tiempos, plantillas, "contexto", "html_contexto_s")
    cronometrar(tiempos, modulo_pdf, "html_a_pdf", "wkhtmltopdf_s")
    cronometrar(tiempos, modulo_pdf, "paginas_por_carta", "buscar_paginas_s")
    cronometrar(tiempos, lotes, "dividir", "dividir_s")
    cronometrar(tiempos, lotes, "escribir_archivos", "escribir_archivos_s")
    cronometrar(tiempos, lotes, "_registrar_gestiones", "gestiones_s")
    cronometrar(tiempos, lotes, "evaluar_lote", "politica_s")
    cronometrar(tiempos, lotes, "_combinar", "combinado_s")
    from flask import current_app

    if PROCESOS:
        current_app.config["CARTAS_LOTE_PROCESOS"] = int(PROCESOS)
    lote = lotes.crear_lote(1, "recordatorio_amistoso", {"saldo_min": "100000"}, 1)
    db.session.commit()
    assert lote.total == CASOS, lote.total
    inicio, cpu = time.perf_counter(), os.times()
    lote = lotes.generar_lote(lote.id, momento=momento, al_avanzar=db.session.commit,
                              tamano_bloque=BLOQUE)
    db.session.commit()
    total, fin = time.perf_counter() - inicio, os.times()
    # CPU seconds: this process (Python, pikepdf) and its finished children (wkhtmltopdf).
    tiempos["cpu_proceso_s"] = fin.user + fin.system - cpu.user - cpu.system
    tiempos["cpu_wkhtmltopdf_s"] = (fin.children_user + fin.children_system
                                    - cpu.children_user - cpu.children_system)
    assert lote.estado == "lista", lote.error
    assert lote.generadas == CASOS, (lote.generadas, lote.omitidas)
    tiempos["total_s"] = total
    # wkhtmltopdf runs in a thread, overlapped with the other steps: the times do not add up.
    # Its own rate is the ceiling of the batch path with one wkhtmltopdf at a time.
    tiempos["wkhtmltopdf_cartas_por_s"] = lote.generadas / tiempos["wkhtmltopdf_s"]
    return lote.generadas / total, dict(tiempos), lote.id


def una_a_una() -> float:
    from sqlalchemy import select

    from agencia.cartas import servicios
    from agencia.casos.modelos import Caso
    from agencia.extensiones import db

    ids = db.session.scalars(select(Caso.id).where(Caso.id > CASOS).order_by(Caso.id)).all()
    inicio = time.perf_counter()
    for caso_id in ids:
        carta = servicios.solicitar_carta(caso_id, "recordatorio_amistoso", 1)
        db.session.commit()
        carta = servicios.generar_carta(carta.id)
        db.session.commit()
        assert carta.estado == "lista", carta.error
    return len(ids) / (time.perf_counter() - inicio)


def main() -> int:
    fabrica = app_en_sqlite if BD == "sqlite" else app_en_postgres
    with fabrica():
        poblar()
        momento = momento_de_referencia()
        lote_s, tiempos, _ = por_lote(momento)
        uno_s = una_a_una()
    cifras = {
        "base_de_datos": BD,
        "casos": CASOS,
        "bloque": BLOQUE,
        "procesos": PROCESOS or "defecto",
        "cartas_por_s_lote": f"{lote_s:.1f}",
        "cartas_por_s_una_a_una": f"{uno_s:.1f}",
        **{f"lote_{k}": f"{v:.2f}" for k, v in sorted(tiempos.items())},
        "nota": "los tiempos del lote se solapan (wkhtmltopdf corre en paralelo al resto)",
    }
    return informar(cifras, {
        "lote": (lote_s >= OBJETIVO, f"≥ {OBJETIVO:.0f} cartas/s por proceso en lotes"),
    })


if __name__ == "__main__":
    raise SystemExit(main())
