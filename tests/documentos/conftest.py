"""Documents: a store of their own per test, two acreedores, staff of every kind."""

import pytest

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


@pytest.fixture
def almacen(app, tmp_path, monkeypatch):
    """ALMACEN_ARCHIVOS in a folder of this test only: what is on disk is what it wrote."""
    monkeypatch.setitem(app.config, "ALMACEN_ARCHIVOS", tmp_path / "archivos")
    return tmp_path / "archivos"


def archivos_en(carpeta) -> list:
    return sorted(p for p in carpeta.rglob("*") if p.is_file()) if carpeta.exists() else []


@pytest.fixture
def acme(crear_acreedor):
    return crear_acreedor("ACME")


@pytest.fixture
def caso(acme, crear_usuario, crear_caso, almacen):
    ana = crear_usuario("ana", nombre="Ana Agente")
    crear_usuario("sara", rol="supervisor", nombre="Sara Supervisora")
    crear_usuario("forastero")  # an agent in no team, assigned nothing
    crear_usuario("cli-acme", rol="cliente", acreedor=acme)
    return crear_caso(acme, ana, capitales=("100000", "200000"))
