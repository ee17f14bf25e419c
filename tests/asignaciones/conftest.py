"""Fixtures of the placement import: an acreedor, agents, and CSV files written on the fly."""

from pathlib import Path

import pytest

MUESTRA = Path(__file__).resolve().parent.parent / "datos" / "cartera_ejemplo.csv"
ENCABEZADO = "referencia,numero_documento,nombre,fecha_vencimiento,capital"


@pytest.fixture
def acme(crear_acreedor):
    return crear_acreedor("ACME", nombre="Acme Financiera S.A.")


@pytest.fixture
def agentes(crear_usuario):
    return [crear_usuario(f"agente{n}") for n in (1, 2, 3)]


@pytest.fixture
def archivo_csv(tmp_path):
    """Writes a CSV (text, or lines joined by newlines) and returns its path."""
    contador = {"n": 0}

    def escribir(contenido: str | list[str], nombre: str | None = None,
                 codificacion: str = "utf-8") -> Path:
        contador["n"] += 1
        if isinstance(contenido, list):
            contenido = "\n".join(contenido) + "\n"
        ruta = tmp_path / (nombre or f"cartera_{contador['n']}.csv")
        ruta.write_bytes(contenido.encode(codificacion))
        return ruta

    return escribir
