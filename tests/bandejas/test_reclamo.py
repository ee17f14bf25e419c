"""Claiming casos ("Siguiente caso"): one caso per agent, never one caso for two agents,
work sessions from claim to release, and stale claims released by the scheduled job."""

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from agencia.auditoria.modelos import Auditoria
from agencia.bandejas.modelos import SesionTrabajo
from agencia.bandejas.reclamo import liberar_reclamo, liberar_vencidos, reclamar_siguiente
from agencia.casos.modelos import Caso
from agencia.casos.servicios import registrar_gestion
from agencia.extensiones import db
from agencia.tipos import ahora
from colas.trabajos.bandejas import liberar_reclamos_vencidos
from tests.conftest import MOTOR, ingresar


def _prio(caso, valor):
    caso.prioridad = valor
    db.session.commit()
    return caso


def _sesiones(agente_id=None):
    stmt = select(SesionTrabajo).order_by(SesionTrabajo.id)
    if agente_id is not None:
        stmt = stmt.where(SesionTrabajo.agente_id == agente_id)
    return list(db.session.scalars(stmt))


def test_reclamar_abre_sesion_y_el_siguiente_la_cierra(crear_acreedor, crear_usuario,
                                                         crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    primero = _prio(crear_caso(acme, ana), 90)
    segundo = _prio(crear_caso(acme, ana), 50)

    caso = reclamar_siguiente(ana.id)
    db.session.commit()
    assert caso.id == primero.id and caso.reclamado_por == ana.id
    [sesion] = _sesiones(ana.id)
    assert sesion.caso_id == primero.id and sesion.fin is None

    caso = reclamar_siguiente(ana.id)
    db.session.commit()
    # Pressing again without logging a gestion moves on; the first caso is released.
    assert caso.id == segundo.id
    cerrada, abierta = _sesiones(ana.id)
    assert cerrada.fin is not None and cerrada.cierre == "agente"
    assert abierta.caso_id == segundo.id and abierta.fin is None
    assert db.session.get(Caso, primero.id).reclamado_por is None


def test_un_caso_reclamado_no_se_ofrece_a_otro_agente(crear_acreedor, crear_usuario,
                                                        crear_caso):
    acme = crear_acreedor()
    ana, beto = crear_usuario("ana"), crear_usuario("beto")
    disputado = _prio(crear_caso(acme, ana), 90)
    propio = _prio(crear_caso(acme, beto), 10)
    assert reclamar_siguiente(ana.id).id == disputado.id
    db.session.commit()
    # A supervisor moves the claimed caso to beto: beto is not given it while ana holds it.
    disputado.agente_id = beto.id
    db.session.commit()
    assert reclamar_siguiente(beto.id).id == propio.id
    db.session.commit()
    assert reclamar_siguiente(beto.id) is None  # the claimed one stays out, propio released
    db.session.commit()
    # Released (e.g. by the reassignment), it is beto's next.
    liberar_reclamo(db.session.get(Caso, disputado.id), "reasignacion")
    db.session.commit()
    assert reclamar_siguiente(beto.id).id == disputado.id
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "caso.liberar_reclamo")).one()
    assert entrada.despues["cierre"] == "reasignacion"


def test_reclamar_salta_disputa_no_contactar_cerrados_y_trabajados_hoy(
        crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    _prio(crear_caso(acme, ana), 99).en_disputa = True
    _prio(crear_caso(acme, ana), 98).deudor.no_contactar = True
    _prio(crear_caso(acme, ana, etapa="pagado"), 97)
    trabajado = _prio(crear_caso(acme, ana), 96)
    bueno = _prio(crear_caso(acme, ana, etapa="negociacion"), 1)
    registrar_gestion(trabajado, ana.id, "llamada", "entrante", "no_contesta", "")
    db.session.commit()
    assert reclamar_siguiente(ana.id, etapa="prejuridico") is None
    db.session.commit()
    assert reclamar_siguiente(ana.id).id == bueno.id


def test_dos_agentes_nunca_reciben_el_mismo_caso_en_secuencia(crear_acreedor, crear_usuario,
                                                                crear_caso):
    acme = crear_acreedor()
    ana, beto = crear_usuario("ana"), crear_usuario("beto")
    casos = [_prio(crear_caso(acme, ana), i) for i in range(6)]
    titular = {}
    for vuelta in range(30):
        # Casos move between the two agents all the time (reassignments).
        for caso in casos:
            if random.random() < 0.5:
                caso.agente_id = beto.id if caso.agente_id == ana.id else ana.id
        db.session.commit()
        for agente in (ana, beto):
            for caso_id, quien in list(titular.items()):
                if quien == agente.id:
                    del titular[caso_id]
            caso = reclamar_siguiente(agente.id)
            db.session.commit()
            if caso is not None:
                assert titular.setdefault(caso.id, agente.id) == agente.id, vuelta
    _sin_solapes()


def _sin_solapes():
    """Each caso has at most one open session, held by whoever the caso says claims it."""
    abiertas = db.session.execute(
        select(SesionTrabajo.caso_id, func.count()).where(SesionTrabajo.fin.is_(None))
        .group_by(SesionTrabajo.caso_id)).all()
    assert all(n == 1 for _, n in abiertas)
    for sesion in db.session.scalars(select(SesionTrabajo).where(SesionTrabajo.fin.is_(None))):
        assert db.session.get(Caso, sesion.caso_id).reclamado_por == sesion.agente_id


SOLO_PG = pytest.mark.skipif(MOTOR != "postgresql", reason="concurrencia real: PostgreSQL")


@SOLO_PG
def test_varios_agentes_a_la_vez_nunca_reciben_el_mismo_caso(app, crear_acreedor,
                                                              crear_usuario, crear_caso):
    acme = crear_acreedor()
    agentes = [crear_usuario(n).id for n in ("ana", "beto", "caro")]
    ids = [_prio(crear_caso(acme), i % 3).id for i in range(12)]
    db.session.execute(update(Caso).values(agente_id=agentes[0]))
    db.session.commit()
    cerrojo, titular, dobles, reclamos, fin = threading.Lock(), {}, [], [0], threading.Event()

    def agente(agente_id):
        with app.app_context():
            anterior = None
            for _ in range(60):
                if anterior is not None:
                    with cerrojo:
                        titular.pop(anterior, None)
                caso = reclamar_siguiente(agente_id)
                anterior = caso.id if caso else None
                db.session.commit()
                if caso is not None:
                    with cerrojo:
                        reclamos[0] += 1
                        if titular.setdefault(caso.id, agente_id) != agente_id:
                            dobles.append(caso.id)
            db.session.remove()

    def supervisor():
        # Reassignments all the time: the agents' bandejas overlap as casos move between them.
        with app.app_context():
            while not fin.is_set():
                db.session.execute(update(Caso).where(Caso.id.in_(random.sample(ids, 3)))
                                   .values(agente_id=random.choice(agentes)))
                db.session.commit()
            db.session.remove()

    hilos = [threading.Thread(target=agente, args=(a,)) for a in agentes]
    mezclador = threading.Thread(target=supervisor)
    mezclador.start()
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()
    fin.set()
    mezclador.join()
    db.session.expire_all()
    assert dobles == [] and reclamos[0] > 90
    _sin_solapes()


@SOLO_PG
def test_el_reclamo_es_atomico_con_una_bandeja_compartida(app, crear_acreedor,
                                                          crear_usuario, crear_caso):
    """The statement itself, under real contention: four agents pull from ONE pool (the
    bandeja of ana, shared for the test) 40 times each; no caso is ever held by two."""
    from agencia.bandejas import reclamo

    acme = crear_acreedor()
    duena = crear_usuario("ana")
    agentes = [crear_usuario(n).id for n in ("beto", "caro", "dani", "eva")]
    for i in range(10):
        _prio(crear_caso(acme, duena), i % 4)
    duena_id = duena.id
    cerrojo, titular, dobles, reclamos = threading.Lock(), {}, [], [0]

    def agente(agente_id):
        with app.app_context():
            anterior = None
            for _ in range(40):
                if anterior is not None:
                    with cerrojo:
                        titular.pop(anterior, None)
                caso = reclamo._reclamar(agente_id, duena_id)
                anterior = caso.id if caso else None
                db.session.commit()
                if caso is not None:
                    with cerrojo:
                        reclamos[0] += 1
                        if titular.setdefault(caso.id, agente_id) != agente_id:
                            dobles.append(caso.id)
            db.session.remove()

    hilos = [threading.Thread(target=agente, args=(a,)) for a in agentes]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()
    db.session.expire_all()
    assert dobles == [] and reclamos[0] > 100
    _sin_solapes()


@SOLO_PG
def test_dos_pestanas_del_mismo_agente_no_le_dan_dos_casos(app, crear_acreedor, crear_usuario,
                                                            crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    for i in range(8):
        _prio(crear_caso(acme, ana), i)
    barrera, ana_id = threading.Barrier(2, timeout=20), ana.id

    def pestana():
        with app.app_context():
            for _ in range(30):
                barrera.wait()
                reclamar_siguiente(ana_id)
                db.session.commit()
            db.session.remove()

    hilos = [threading.Thread(target=pestana) for _ in range(2)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()
    db.session.expire_all()
    reclamados = db.session.scalar(select(func.count()).where(Caso.reclamado_por == ana.id))
    abiertas = db.session.scalar(select(func.count()).where(
        SesionTrabajo.agente_id == ana.id, SesionTrabajo.fin.is_(None)))
    assert reclamados == 1 and abiertas == 1
    _sin_solapes()


def test_liberar_vencidos(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana, beto, caro = crear_usuario("ana"), crear_usuario("beto"), crear_usuario("caro")
    olvidado = crear_caso(acme, ana)
    trabajando = crear_caso(acme, beto)
    reciente = crear_caso(acme, caro)
    hace_una_hora = ahora() - timedelta(hours=1)
    reclamar_siguiente(ana.id, momento=hace_una_hora)
    reclamar_siguiente(beto.id, momento=hace_una_hora)
    reclamar_siguiente(caro.id)
    registrar_gestion(trabajando, beto.id, "llamada", "entrante", "no_contesta", "")
    db.session.commit()

    assert liberar_vencidos(minutos=30) == 1
    db.session.commit()
    assert db.session.get(Caso, olvidado.id).reclamado_por is None
    assert db.session.get(Caso, trabajando.id).reclamado_por == beto.id
    assert db.session.get(Caso, reciente.id).reclamado_por == caro.id
    [sesion] = [s for s in _sesiones() if s.caso_id == olvidado.id]
    assert sesion.cierre == "vencida" and sesion.fin is not None
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "caso.liberar_reclamo")).one()
    assert entrada.entidad_id == olvidado.id and entrada.despues["cierre"] == "vencida"
    # The released caso is claimable again; the job finds nothing more to release.
    assert reclamar_siguiente(ana.id).id == olvidado.id
    db.session.commit()
    assert liberar_reclamos_vencidos() == 0


def test_ruta_siguiente_reclama_para_el_agente(app, cliente, crear_acreedor, crear_usuario,
                                                crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana")
    crear_usuario("sofia", rol="supervisor")
    caso = _prio(crear_caso(acme, ana), 10)

    supervisora = app.test_client()
    ingresar(supervisora, "sofia")
    # A supervisor opens the top of ana's bandeja without claiming it for anyone.
    assert supervisora.get(f"/mi-dia/siguiente?agente={ana.id}").headers["Location"].endswith(
        f"/casos/{caso.id}")
    assert db.session.get(Caso, caso.id).reclamado_por is None

    ingresar(cliente, "ana")
    assert cliente.get("/mi-dia/siguiente").headers["Location"].endswith(f"/casos/{caso.id}")
    assert db.session.get(Caso, caso.id).reclamado_por == ana.id
    respuesta = cliente.get("/mi-dia/siguiente?etapa=prejuridico")
    assert respuesta.headers["Location"].endswith("/mi-dia?etapa=prejuridico")
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "No quedan casos por gestionar hoy en la bandeja para la etapa Prejurídico." in html
    assert [s.cierre for s in _sesiones(ana.id)] == ["agente"]
