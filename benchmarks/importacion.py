"""Placement import on PostgreSQL: 100,000 obligaciones in ≤ 15 s (DISENO §7).

Generates a placement CSV (BENCH_FILAS rows, default 100,000; about one deudor in four has
two obligaciones), imports it with the same importer as the CLI and the UI, then imports it
again (must change nothing). Prints the figures; exits 1 when the target is missed.
"""

import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from comun import app_en_postgres, informar

FILAS = int(os.environ.get("BENCH_FILAS", "100000"))
OBJETIVO_S = 15.0


def generar(ruta: Path, filas: int) -> None:
    azar = random.Random(7)
    hoy = date.today()
    with ruta.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["referencia", "tipo_documento", "numero_documento", "nombre", "email",
                    "telefono", "ciudad", "numero_factura", "fecha_vencimiento", "capital",
                    "intereses", "gastos"])
        for i in range(filas):
            doc = 10_000_000 + (i if i % 4 else i - 1)
            w.writerow([f"REF{i:07d}", "CC", str(doc), f"Deudor {doc}", f"d{doc}@example.com",
                        f"+5730{doc % 100000000:08d}", "Bogotá", f"F{i}",
                        (hoy - timedelta(days=azar.randint(5, 400))).isoformat(),
                        f"{azar.randint(150_000, 25_000_000)}.00", "1000.00", "0"])


def main() -> int:
    from agencia.acreedores.modelos import Acreedor
    from agencia.asignaciones.servicios import importar_archivo
    from agencia.auth.modelos import Usuario
    from agencia.extensiones import db

    with tempfile.TemporaryDirectory() as carpeta, app_en_postgres():
        ruta = Path(carpeta) / "cartera.csv"
        generar(ruta, FILAS)
        db.session.add(Acreedor(codigo="BENCH", nombre="Banco de prueba", pais="CO", moneda="COP"))
        for n in range(1, 51):
            u = Usuario(usuario=f"agente{n}", nombre=f"Agente {n}", rol="agente")
            u.clave_hash = "x"
            db.session.add(u)
        db.session.commit()

        inicio = time.perf_counter()
        reporte = importar_archivo(ruta, "BENCH")
        primera = time.perf_counter() - inicio
        inicio = time.perf_counter()
        repetida = importar_archivo(ruta, "BENCH")
        segunda = time.perf_counter() - inicio

    cifras = {
        "base_datos": "PostgreSQL 15 (privado, durable)",
        "filas": FILAS,
        "rechazadas": len(reporte.rechazos),
        "importacion_s": round(primera, 2),
        "obligaciones_por_s": round(FILAS / primera),
        "reimportacion_s": round(segunda, 2),
        "reimportacion_obligaciones_nuevas": repetida.obligaciones_nuevas,
    }
    objetivos = {
        "importacion": (primera <= OBJETIVO_S * FILAS / 100_000, f"≤ {OBJETIVO_S} s por 100.000"),
        "idempotencia": (repetida.obligaciones_nuevas == 0, "la segunda importación no crea nada"),
    }
    return informar(cifras, objetivos)


if __name__ == "__main__":
    sys.exit(main())
