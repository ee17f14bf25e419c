"""A worker killed (SIGKILL, work horse included) in the middle of a letter batch: the
re-run makes what is missing, with no duplicate and no gap."""

import hashlib
import io
import stat
import time
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import func, select

from agencia.cartas import lotes
from agencia.cartas.modelos import Carta, LoteCartas
from agencia.cartas.servicios import ruta_archivo
from agencia.casos.modelos import Gestion
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db
from tests.conftest import ingresar, token_csrf
from tests.fallas.conftest import esperar
from tests.navegador.conftest import zona_de_las_14

CASOS = 12
BLOQUE = 2


def _casos(crear_caso, acreedor) -> list[int]:
    ids = []
    for n in range(CASOS):
        caso = crear_caso(acreedor, nombre=f"Deudor Número {n}")
        # Mexico, in a zone where it is 14:xx now: a letter is allowed whatever the hour.
        caso.deudor.pais, caso.deudor.zona_horaria = "MX", zona_de_las_14()
        caso.deudor.contactos.append(Contacto(tipo="direccion", valor=f"Calle {n} # 1-2",
                                              valido=True, consentimientos=["carta"]))
        ids.append(caso.id)
    db.session.commit()
    return ids


def _lento(carpeta: Path) -> str:
    """wkhtmltopdf a little slower, so the worker is surely killed between two chunks."""
    ruta = carpeta / "wkhtmltopdf-lento"
    ruta.write_text('#!/bin/sh\nsleep 0.6\nexec wkhtmltopdf "$@"\n')
    ruta.chmod(ruta.stat().st_mode | stat.S_IEXEC)
    return str(ruta)


def _lote(lote_id: int) -> LoteCartas:
    db.session.expire_all()
    lote = db.session.get(LoteCartas, lote_id)
    db.session.rollback()  # no transaction left open while the worker writes (SQLite)
    return lote


def _paginas(datos: bytes) -> int:
    return len(PdfReader(io.BytesIO(datos)).pages)


def test_worker_muerto_a_mitad_de_lote_y_el_reintento_completa_sin_duplicados(
        app_privada, workers, tmp_path, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor("ACME", "Banco Acme")
    supervisor = crear_usuario("super", rol="supervisor")
    caso_ids = _casos(crear_caso, acme)
    ajustes = {"CARTAS_LOTE_BLOQUE": BLOQUE, "CARTAS_LOTE_PROCESOS": 1}

    with app_privada.app_context():
        lote = lotes.crear_lote(acme.id, "recordatorio_amistoso", {}, supervisor.id)
        db.session.commit()
        lote_id = lote.id
        assert lote.total == CASOS
        lotes.encolar_lote(lote)
        db.session.commit()

    # Two chunks in flight: when one is committed, the next one's cartas are committed
    # "generando" with it — the harder case for the re-run.
    primero = workers.lanzar(app_privada, WKHTMLTOPDF=_lento(tmp_path),
                             **{**ajustes, "CARTAS_LOTE_PROCESOS": 2})
    esperar(lambda: _lote(lote_id).generadas >= BLOQUE, segundos=40,
            mensaje="El worker no generó el primer bloque:\n" + workers.registro())
    workers.matar(primero)

    lote = _lote(lote_id)
    assert lote.estado == "generando", workers.registro()
    assert 0 < lote.generadas < CASOS
    assert lote.archivo_combinado is None
    a_medias = db.session.scalar(select(func.count()).select_from(Carta).where(
        Carta.lote_cartas_id == lote_id, Carta.estado == "generando"))
    assert a_medias > 0
    time.sleep(1.5)  # the work horse died too: nothing moves any more
    assert _lote(lote_id).generadas == lote.generadas

    # The re-run, as the supervisor starts it from the lote's page, on a fresh worker.
    cliente = app_privada.test_client()
    with app_privada.app_context():
        ingresar(cliente, "super")
        url = f"/cartas/lotes/{lote_id}"
        respuesta = cliente.post(f"{url}/reintentar", data={"csrf_token": token_csrf(cliente, url)})
        assert respuesta.status_code == 302
    workers.lanzar(app_privada, **ajustes)
    esperar(lambda: _lote(lote_id).estado in ("lista", "error"), segundos=60,
            mensaje="El lote no terminó:\n" + workers.registro())

    lote = _lote(lote_id)
    assert lote.estado == "lista", lote.error
    assert (lote.generadas, lote.omitidas) == (CASOS, 0)
    cartas = list(db.session.scalars(select(Carta).where(Carta.caso_id.in_(caso_ids))))
    # One carta per caso, all of the lote: nothing twice, nothing missing.
    assert sorted(c.caso_id for c in cartas) == sorted(caso_ids)
    assert {c.lote_cartas_id for c in cartas} == {lote_id}
    paginas = 0
    for carta in cartas:
        assert carta.estado == "lista"
        with app_privada.app_context():  # its ALMACEN_ARCHIVOS
            datos = ruta_archivo(carta).read_bytes()
        assert len(datos) == carta.tamano
        assert hashlib.sha256(datos).hexdigest() == carta.sha256
        paginas += _paginas(datos)
    gestiones = db.session.execute(
        select(Gestion.caso_id, func.count()).where(
            Gestion.caso_id.in_(caso_ids), Gestion.canal == "carta",
            Gestion.resultado == "carta_generada").group_by(Gestion.caso_id)).all()
    assert dict(gestiones) == dict.fromkeys(caso_ids, 1)
    with app_privada.app_context():
        combinado = lotes.ruta_combinado(lote).read_bytes()
    assert hashlib.sha256(combinado).hexdigest() == lote.sha256
    assert _paginas(combinado) == paginas

