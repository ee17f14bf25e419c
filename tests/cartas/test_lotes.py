"""Letter batches called directly: selection, one PDF per letter, merged file, gestiones,
omitted casos with their reasons, a re-run after a crash, progress."""

import io
import re
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from agencia.cartas import lotes, pdf, servicios
from agencia.cartas.modelos import Carta, LoteCartas
from agencia.casos.modelos import Gestion
from agencia.deudores.modelos import Contacto
from agencia.extensiones import db

NOMBRES = ["Ana Lucía Pérez", "Bernardo Díaz Mora", "Carolina Ruiz Vega", "Daniel Ortiz Gil",
           "Elena Castro Niño"]


def _texto(datos: bytes) -> str:
    lector = pypdf.PdfReader(io.BytesIO(datos))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in lector.pages))


def martes_10am() -> datetime:
    """A recent Tuesday that is not a Colombian holiday, 10:00 in Bogotá (15:00 UTC)."""
    from agencia.cumplimiento.horario import festivo

    dia = datetime.now(UTC).date() - timedelta(days=7)
    while dia.weekday() != 1 or festivo("CO", dia):
        dia -= timedelta(days=1)
    return datetime(dia.year, dia.month, dia.day, 15, tzinfo=UTC)


@pytest.fixture
def casos(crear_acreedor, crear_usuario, crear_caso):
    return crear_casos(crear_acreedor, crear_usuario, crear_caso)


def crear_casos(crear_acreedor, crear_usuario, crear_caso):
    """Five casos of one acreedor (and a supervisor), each deudor with a valid address that
    accepts letters."""
    acreedor = crear_acreedor("ACME", nombre="Comercializadora Acme S.A.S.", nit="900123456-7")
    supervisor = crear_usuario("super1", rol="supervisor")
    creados = []
    for i, nombre in enumerate(NOMBRES):
        # The second letter lists 40 obligaciones: it spans two pages.
        capitales = ("5000",) * 40 if i == 1 else (str(100000 * (i + 1)),)
        caso = crear_caso(acreedor, nombre=nombre, capitales=capitales)
        caso.deudor.contactos.append(
            Contacto(tipo="direccion", valor=f"Calle {i + 1} # 2-3, Bogotá", valido=True,
                    consentimientos=["carta"]))
        creados.append(caso)
    db.session.commit()
    return acreedor, supervisor, creados


def _lote(casos, **filtros) -> LoteCartas:
    acreedor, supervisor, _ = casos
    lote = lotes.crear_lote(acreedor.id, "recordatorio_amistoso", filtros, supervisor.id)
    db.session.commit()
    return lote


def generar(lote_id, **opciones) -> LoteCartas:
    opciones.setdefault("momento", martes_10am())
    lote = lotes.generar_lote(lote_id, al_avanzar=db.session.commit, **opciones)
    db.session.commit()
    return lote


def _cartas(lote_id):
    return list(db.session.scalars(
        select(Carta).where(Carta.lote_cartas_id == lote_id).order_by(Carta.caso_id)))


def _gestiones(caso_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Gestion).where(
        Gestion.caso_id == caso_id, Gestion.canal == "carta"))


def test_crear_lote_elige_los_casos_abiertos_contactables(casos):
    acreedor, supervisor, creados = casos
    creados[0].en_disputa = True
    creados[1].deudor.no_contactar = True
    creados[2].etapa = "pagado"
    db.session.commit()
    lote = _lote(casos)
    assert lote.estado == "pendiente" and lote.total == 2
    assert lote.filtros["caso_ids"] == [creados[3].id, creados[4].id]


def test_crear_lote_aplica_los_filtros_de_saldo(casos):
    lote = _lote(casos, saldo_min="300.000")
    assert lote.total == 3


@pytest.mark.parametrize(("plantilla", "filtros", "mensaje"), [
    ("acuerdo_pago", {}, "no se puede usar en un lote"),
    ("inventada", {}, "no se puede usar en un lote"),
    ("recordatorio_amistoso", {"saldo_min": "999.999.999"}, "Ningún caso cumple el filtro"),
    ("recordatorio_amistoso", {"mora_min": "-3"}, "Días de mora mínimos"),
])
def test_crear_lote_rechaza_con_mensaje_claro(casos, plantilla, filtros, mensaje):
    acreedor, supervisor, _ = casos
    with pytest.raises(lotes.ErrorLote, match=re.escape(mensaje)):
        lotes.crear_lote(acreedor.id, plantilla, filtros, supervisor.id)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LoteCartas)) == 0


def test_lote_genera_un_pdf_por_carta_y_el_combinado(casos, almacen):
    acreedor, supervisor, creados = casos
    lote = generar(_lote(casos).id, tamano_bloque=2)
    assert (lote.estado, lote.generadas, lote.omitidas, lotes.progreso(lote)) == ("lista", 5, 0, 100), lotes.omitidos(lote.id)
    cartas = _cartas(lote.id)
    assert [c.caso_id for c in cartas] == [c.id for c in creados]
    paginas = 0
    for carta, caso in zip(cartas, creados, strict=True):
        datos = servicios.ruta_archivo(carta).read_bytes()
        assert carta.estado == "lista" and carta.sha256 and carta.tamano == len(datos)
        texto = _texto(datos)
        assert caso.deudor.nombre in texto
        assert all(otro not in texto for otro in NOMBRES if otro != caso.deudor.nombre)
        paginas += len(pypdf.PdfReader(io.BytesIO(datos)).pages)
        assert _gestiones(caso.id) == 1
    assert len(pypdf.PdfReader(io.BytesIO(servicios.ruta_archivo(cartas[1]).read_bytes())).pages) > 1
    combinado = lotes.ruta_combinado(lote).read_bytes()
    assert len(pypdf.PdfReader(io.BytesIO(combinado)).pages) == paginas
    texto = _texto(combinado)
    posiciones = [texto.index(n) for n in NOMBRES]
    assert posiciones == sorted(posiciones)
    # Run again: nothing new.
    generar(lote.id)
    assert len(_cartas(lote.id)) == 5 and all(_gestiones(c.id) == 1 for c in creados)


def test_caso_bloqueado_se_omite_con_su_motivo(casos):
    acreedor, supervisor, creados = casos
    lote = _lote(casos)
    creados[2].en_disputa = True  # after the batch was created
    creados[3].deudor.contactos = [c for c in creados[3].deudor.contactos if c.tipo != "direccion"]
    db.session.commit()
    lote = generar(lote.id)
    assert (lote.estado, lote.generadas, lote.omitidas) == ("lista", 3, 2)
    omitidos = lotes.omitidos(lote.id)
    assert set(omitidos) == {creados[2].id, creados[3].id}
    assert any("disputa" in m for m in omitidos[creados[2].id])
    assert any("dirección" in m for m in omitidos[creados[3].id])
    assert {c.caso_id for c in _cartas(lote.id)} == {creados[i].id for i in (0, 1, 4)}
    assert _gestiones(creados[2].id) == 0


def test_domingo_todo_el_lote_se_omite_por_la_politica(casos):
    domingo = martes_10am() + timedelta(days=5)
    lote = generar(_lote(casos).id, momento=domingo)
    assert (lote.estado, lote.generadas, lote.omitidas) == ("lista", 0, 5)
    assert lote.archivo_combinado is None
    assert all(m for m in lotes.omitidos(lote.id).values())
    assert _cartas(lote.id) == []


def test_reejecutar_tras_una_caida_no_duplica_ni_deja_huecos(app, casos, monkeypatch):
    acreedor, supervisor, creados = casos
    lote_id = _lote(casos).id
    original = pdf.lote_a_pdf
    llamadas = {"n": 0}

    def cae_en_el_segundo_bloque(*args, **kwargs):
        llamadas["n"] += 1
        if llamadas["n"] == 2:
            raise RuntimeError("el worker murió")
        return original(*args, **kwargs)

    monkeypatch.setattr(lotes, "lote_a_pdf", cae_en_el_segundo_bloque)
    from colas.trabajos.cartas import generar_lote as trabajo

    monkeypatch.setitem(app.config, "CARTAS_LOTE_BLOQUE", 2)
    with pytest.raises(RuntimeError):
        trabajo(lote_id)
    db.session.expire_all()
    lote = db.session.get(LoteCartas, lote_id)
    assert (lote.estado, lote.generadas) == ("error", 2)
    listas = [c.caso_id for c in _cartas(lote_id) if c.estado == "lista"]
    assert listas == [creados[0].id, creados[1].id]
    assert all(_gestiones(c.id) == (1 if c.id in listas else 0) for c in creados)

    monkeypatch.setattr(lotes, "lote_a_pdf", original)
    assert trabajo(lote_id) == "lista"
    db.session.expire_all()
    lote = db.session.get(LoteCartas, lote_id)
    assert (lote.estado, lote.generadas, lote.omitidas) == ("lista", 5, 0)
    assert [c.caso_id for c in _cartas(lote_id)] == [c.id for c in creados]
    assert all(_gestiones(c.id) == 1 for c in creados)
    paginas = sum(len(pypdf.PdfReader(servicios.ruta_archivo(c)).pages) for c in _cartas(lote_id))
    assert paginas == 6  # the second letter has two pages
    assert len(pypdf.PdfReader(lotes.ruta_combinado(lote)).pages) == paginas


def test_progreso_y_mensaje(casos):
    lote = _lote(casos)
    assert (lotes.progreso(lote), lotes.mensaje(lote)) == (0, "En cola…")
    lote.estado, lote.generadas, lote.omitidas = "generando", 2, 1
    assert lotes.progreso(lote) == 60 and "3 de 5" in lotes.mensaje(lote)
    lote.estado = "lista"
    assert lotes.progreso(lote) == 100


def test_marcas_fuera_de_orden_son_un_error(casos):
    documentos = ["<html><body><p>uno</p></body></html>", "<html><body><p>dos</p></body></html>"]
    datos, rangos = pdf.lote_a_pdf(documentos)
    assert rangos == [range(0, 1), range(1, 2)]
    with pytest.raises(pdf.ErrorPdf, match="separar"):
        pdf.paginas_por_carta(datos, 3)


def test_un_lote_cuyo_trabajo_murio_se_vuelve_a_encolar_una_vez(casos):
    """The periodic re-queue picks up a batch left pendiente/generando whose job is gone
    (Redis was down, or the worker died), not one that is still queued or running, and
    leaves its letters to the batch (never queued one by one)."""
    lote = _lote(casos)
    lote.estado = "generando"
    lote.creado_en = datetime.now(UTC) - timedelta(minutes=10)
    lote.job_id = "trabajo-que-ya-no-existe"
    db.session.add(Carta(acreedor_id=lote.acreedor_id, caso_id=casos[2][0].id,
                         plantilla=lote.plantilla, estado="generando", lote_cartas_id=lote.id,
                         creado_en=datetime.now(UTC) - timedelta(minutes=10)))
    db.session.commit()
    assert lotes.reencolar_atascados() == 1
    db.session.commit()
    assert lote.job_id != "trabajo-que-ya-no-existe"
    assert lotes.reencolar_atascados() == 0  # its new job is queued: alive
    assert servicios.reencolar_atascadas() == 0  # the batch's letter is the batch's
