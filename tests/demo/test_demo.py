"""`cargar_demo`: users of every role, three acreedores in two countries, casos and gestiones."""

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.auth.modelos import Usuario
from agencia.casos.modelos import Caso, Gestion, Obligacion
from agencia.demo.servicios import USUARIOS_DEMO, cargar_demo, hay_datos
from agencia.deudores.modelos import Deudor
from agencia.equipos.modelos import Equipo
from agencia.extensiones import db
from tests.conftest import ingresar


def contar(modelo) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo))


def test_demo_pequena(cliente):
    assert not hay_datos()
    resumen = cargar_demo(casos=60)
    assert hay_datos()
    assert "BANCOANDINO" in resumen and "demo1234" in resumen

    acreedores = {a.codigo: a for a in db.session.scalars(select(Acreedor))}
    assert set(acreedores) == {"BANCOANDINO", "TELCOSUR", "RETAILCL"}
    assert {a.pais for a in acreedores.values()} == {"CO", "CL"}
    assert (acreedores["RETAILCL"].moneda, acreedores["RETAILCL"].zona_horaria) == (
        "CLP", "America/Santiago")

    usuarios = {u.usuario: u for u in db.session.scalars(select(Usuario))}
    assert set(usuarios) == {u for u, *_ in USUARIOS_DEMO}
    for codigo, acreedor in acreedores.items():
        portal = usuarios[f"cliente-{codigo.lower()}"]
        assert portal.rol == "cliente" and portal.acreedor_id == acreedor.id
    assert {u.rol for u in usuarios.values()} == {"admin", "supervisor", "agente", "abogado",
                                                  "cliente"}

    assert contar(Caso) == 60
    assert contar(Obligacion) >= 60
    por_acreedor = dict(db.session.execute(
        select(Caso.acreedor_id, func.count()).group_by(Caso.acreedor_id)).all())
    assert all(por_acreedor[a.id] > 0 for a in acreedores.values())
    # Every caso went to one of the three agents, in turn.
    agentes = {usuarios[f"agente{n}"].id for n in (1, 2, 3)}
    carga = dict(db.session.execute(
        select(Caso.agente_id, func.count()).group_by(Caso.agente_id)).all())
    assert set(carga) == agentes and max(carga.values()) - min(carga.values()) <= 3
    # Money is Decimal and the caso saldo adds up its obligaciones.
    for caso in db.session.scalars(select(Caso).limit(10)):
        assert isinstance(caso.saldo, Decimal)
        assert caso.saldo == sum((o.saldo for o in caso.obligaciones), Decimal(0))
    chilenos = db.session.scalars(select(Deudor).join(Caso, Caso.deudor_id == Deudor.id).where(
        Caso.acreedor_id == acreedores["RETAILCL"].id)).all()
    assert chilenos and all(d.tipo_documento == "RUT" for d in chilenos)

    gestiones = db.session.scalars(select(Gestion)).all()
    assert len(gestiones) >= 5
    assert all(g.usuario_id in agentes for g in gestiones)

    ingresar(cliente, "agente1", "demo1234")


def test_demo_dos_veces_no_duplica(app):
    cargar_demo(casos=30)
    casos, gestiones = contar(Caso), contar(Gestion)
    salida = app.test_cli_runner().invoke(args=["demo", "--casos", "30", "--si-vacia"])
    assert salida.exit_code == 0 and "ya tiene datos" in salida.output
    cargar_demo(casos=30)
    assert (contar(Caso), contar(Gestion), contar(Usuario), contar(Acreedor)) == (
        casos, gestiones, 9, 3)


def test_demo_tiene_un_equipo_con_los_agentes_y_los_acreedores():
    cargar_demo(casos=30)
    cargar_demo(casos=30)
    equipos = db.session.scalars(select(Equipo)).all()
    assert len(equipos) == 1
    assert sorted(u.usuario for u in equipos[0].agentes) == ["agente1", "agente2", "agente3"]
    assert len(equipos[0].acreedores) == 3 and equipos[0].supervisor.usuario == "supervisor"


def test_demo_trae_acuerdos_y_pagos_para_cada_rol(cliente):
    """Agents, the supervisor and each cliente find negotiation work in the demo."""
    from agencia.acuerdos.modelos import Acuerdo, Mandato
    from agencia.cartas.modelos import Carta
    from agencia.honorarios.modelos import Honorario
    from agencia.pagos.modelos import Pago

    cargar_demo(casos=300)
    estados = Counter(db.session.scalars(select(Acuerdo.estado)))
    assert estados["vigente"] >= 3
    assert estados["pendiente_supervisor"] >= 1 and estados["pendiente_acreedor"] >= 1
    assert contar(Mandato) == 3
    assert contar(Pago) >= 10 and contar(Honorario) == contar(Pago)
    assert db.session.scalar(select(func.count()).select_from(Caso).where(Caso.etapa == "pagado"))
    assert db.session.scalar(select(func.count()).select_from(Carta).where(
        Carta.plantilla == "paz_y_salvo"))
    pendiente = db.session.scalars(select(Acuerdo).where(
        Acuerdo.estado == "pendiente_supervisor")).first()
    ingresar(cliente, "supervisor", "demo1234")
    html = cliente.get("/aprobaciones").get_data(as_text=True)
    assert f"n.º {pendiente.id}" in html and pendiente.caso.deudor.nombre in html


def test_demo_trae_juridico(cliente):
    """A referral rule, a referral waiting for the acreedor, and two casos in jurídico: one
    with the demo abogado (hearing next week, actuaciones, a cost), one with a law firm."""
    from agencia.cartas.modelos import Carta
    from agencia.juridico.modelos import ProcesoJuridico, ReglaRemision, Remision

    cargar_demo(casos=120)
    regla = db.session.scalars(select(ReglaRemision)).one()
    assert regla.activa and regla.dias_en_negociacion == 60 and regla.requiere_aprobacion
    estados = Counter(db.session.scalars(select(Remision.estado)))
    assert estados == {"pendiente_acreedor": 1, "remitida": 2}
    pendiente = db.session.scalars(select(Remision).where(
        Remision.estado == "pendiente_acreedor")).one()
    assert db.session.get(Carta, pendiente.carta_aviso_id).estado == "lista"
    procesos = db.session.scalars(select(ProcesoJuridico).order_by(ProcesoJuridico.id)).all()
    assert [p.caso.etapa for p in procesos] == ["juridico", "juridico"]
    propio, externo = procesos
    assert propio.abogado.usuario == "abogado" and propio.radicado and propio.juzgado
    assert len(propio.actuaciones) == 3 and len(propio.costos) == 1
    assert propio.proxima_audiencia is not None
    assert externo.firma_externa and externo.abogado_id is None
    cargar_demo(casos=120)  # again: nothing more
    assert contar(Remision) == 3 and contar(ProcesoJuridico) == 2
    ingresar(cliente, "abogado", "demo1234")
    html = cliente.get("/juridico/").get_data(as_text=True)
    assert propio.caso.deudor.nombre in html  # the abogado's own queue
