"""Letter services called directly: request rules, idempotent generation, failures."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from agencia.auditoria.modelos import Auditoria
from agencia.cartas import servicios
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.tipos import ahora


def _gestiones(caso_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Gestion)
        .where(Gestion.caso_id == caso_id, Gestion.canal == "carta")
    )


def _archivos(carpeta):
    return sorted(p.name for p in carpeta.iterdir()) if carpeta.exists() else []


def _nueva(escenario) -> Carta:
    acreedor, agente, caso = escenario
    carta = servicios.solicitar_carta(caso.id, "recordatorio_amistoso", agente.id)
    db.session.commit()
    return carta


def test_solicitar_crea_la_carta_pendiente_con_auditoria(escenario):
    carta = _nueva(escenario)
    assert (carta.estado, carta.progreso, carta.acreedor_id) == ("pendiente", 0, escenario[0].id)
    entrada = db.session.scalar(select(Auditoria).where(Auditoria.accion == "carta.solicitada"))
    assert entrada.entidad_id == carta.id and entrada.usuario_id == escenario[1].id


@pytest.mark.parametrize(
    ("preparar", "mensaje"),
    [
        (lambda caso: None, "La plantilla «inventada» no existe"),
        (lambda caso: setattr(caso, "etapa", "pagado"), "El caso está cerrado (Pagado)"),
        (lambda caso: setattr(caso.deudor, "no_contactar", True), "no contactar"),
        (lambda caso: setattr(caso, "en_disputa", True), "El caso está en disputa"),
    ],
)
def test_solicitar_rechaza_con_mensaje_claro(escenario, preparar, mensaje):
    acreedor, agente, caso = escenario
    preparar(caso)
    db.session.commit()
    plantilla = "inventada" if "plantilla" in mensaje else "recordatorio_amistoso"
    with pytest.raises(servicios.ErrorCarta, match=re.escape(mensaje)):
        servicios.solicitar_carta(caso.id, plantilla, agente.id)


def test_generar_es_idempotente_un_archivo_una_gestion(escenario, almacen):
    carta = _nueva(escenario)
    avances = []
    servicios.generar_carta(carta.id, al_avanzar=lambda: avances.append(carta.progreso))
    db.session.commit()
    assert avances == [10, 40, 80]
    assert (carta.estado, carta.progreso, carta.error) == ("lista", 100, None)
    ruta = servicios.ruta_archivo(carta)
    assert carta.archivo == f"cartas/{carta.acreedor_id}/{carta.id}.pdf"
    assert ruta.read_bytes().startswith(b"%PDF-") and ruta.stat().st_size == carta.tamano
    assert len(carta.sha256) == 64 and carta.terminado_en is not None
    primera = ruta.stat().st_mtime_ns

    servicios.generar_carta(carta.id)
    db.session.commit()
    assert ruta.stat().st_mtime_ns == primera  # left alone
    assert _gestiones(carta.caso_id) == 1
    assert _archivos(ruta.parent) == [ruta.name]
    gestion = servicios.gestion_de(carta)
    assert (gestion.direccion, gestion.resultado, gestion.usuario_id) == (
        "saliente",
        "carta_generada",
        carta.solicitado_por,
    )
    assert "recordatorio_amistoso" in gestion.nota


def test_tras_una_caida_a_mitad_se_regenera_sin_duplicar(escenario, almacen):
    carta = _nueva(escenario)
    servicios.generar_carta(carta.id)
    db.session.commit()
    # A crash after the gestion was written but before the file survived (lost storage),
    # or a worker killed between rename and commit: run again.
    ruta = servicios.ruta_archivo(carta)
    ruta.unlink()
    carta.estado, carta.progreso = "generando", 80
    db.session.commit()
    servicios.generar_carta(carta.id)
    db.session.commit()
    assert carta.estado == "lista" and ruta.exists()
    assert _gestiones(carta.caso_id) == 1
    assert _archivos(ruta.parent) == [ruta.name]


def test_un_fallo_deja_error_en_espanol_y_ningun_archivo(escenario, almacen, app, programa):
    carta = _nueva(escenario)
    app.config["WKHTMLTOPDF"], anterior = programa("roto", "exit 3"), app.config["WKHTMLTOPDF"]
    try:
        servicios.generar_carta(carta.id)
        db.session.commit()
    finally:
        app.config["WKHTMLTOPDF"] = anterior
    assert carta.estado == "error"
    assert carta.error.startswith("wkhtmltopdf no pudo generar el PDF")
    assert _archivos(servicios.ruta_archivo(carta).parent) == []
    assert _gestiones(carta.caso_id) == 0
    assert db.session.scalar(select(Auditoria).where(Auditoria.accion == "carta.error"))


def test_un_error_en_la_plantilla_deja_la_carta_en_error(escenario, monkeypatch):
    from agencia.cartas import plantillas

    carta = _nueva(escenario)
    entorno = plantillas.entorno()
    monkeypatch.setattr(
        plantillas,
        "renderizar",
        lambda nombre, contexto: entorno.from_string("{{ deudor.__class__ }}").render(**contexto),
    )
    servicios.generar_carta(carta.id)
    assert carta.estado == "error" and "tiene un error" in carta.error


def test_cartas_del_caso_mas_recientes_primero(escenario):
    primera, segunda = _nueva(escenario), _nueva(escenario)
    assert [c.id for c in servicios.cartas_del_caso(escenario[2].id)] == [segunda.id, primera.id]


def test_reencolar_atascadas_solo_las_que_no_tienen_trabajo_vivo(escenario, app):
    from rq import Queue

    from colas.conexion import conexion

    sin_trabajo, con_trabajo, reciente = _nueva(escenario), _nueva(escenario), _nueva(escenario)
    servicios.encolar_carta(con_trabajo)
    viejo = ahora() - timedelta(minutes=10)
    sin_trabajo.creado_en = con_trabajo.creado_en = viejo
    db.session.commit()

    assert servicios.reencolar_atascadas() == 1
    db.session.commit()
    assert sin_trabajo.job_id is not None and reciente.job_id is None
    assert Queue("cartas", connection=conexion()).count == 2
