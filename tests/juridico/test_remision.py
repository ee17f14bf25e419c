"""Legal referral, the rules: refusals with their reason, the notice letter first (under the
contact policy), the waiting days, the acreedor's approval, the acreedor's automatic rule."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.modelos import Auditoria
from agencia.cartas.modelos import Carta
from agencia.casos.etapas import TransicionInvalida, cambiar_etapa
from agencia.casos.modelos import CambioEtapa, Caso
from agencia.extensiones import db
from agencia.juridico import remision as r
from agencia.juridico.modelos import ReglaRemision, Remision
from agencia.promesas.servicios import hoy_local
from colas.trabajos.remisiones import avanzar_remisiones_job

MOTIVO = "El deudor no responde y el plan de pagos se incumplió."


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    otro = crear_acreedor("OTRO")
    supervisor = crear_usuario("sup", rol="supervisor")
    cliente = crear_usuario("cli", rol="cliente", acreedor=acme)

    def caso(etapa="negociacion", acreedor=acme, **extra):
        return crear_caso(acreedor, etapa=etapa, **extra)

    return type("Mundo", (), dict(acme=acme, otro=otro, supervisor=supervisor, cliente=cliente,
                                  caso=staticmethod(caso)))


def _cambios(caso_id: int) -> list[CambioEtapa]:
    return db.session.scalars(select(CambioEtapa).where(CambioEtapa.caso_id == caso_id)).all()


def _aviso(remision: Remision, estado: str, dia=None) -> None:
    """The notice letter as the letter worker leaves it (lista on `dia`, 10:00 in Bogotá)."""
    carta = remision.carta_aviso
    carta.estado = estado
    if estado == "lista":
        carta.terminado_en = datetime.combine(dia, time(15), tzinfo=UTC)
    if estado == "esperando":
        carta.programado_para = datetime.combine(dia, time(13), tzinfo=UTC)
        carta.motivo = "Fuera del horario permitido"
    db.session.commit()


def _regla(acreedor, **valores) -> ReglaRemision:
    regla = ReglaRemision(acreedor_id=acreedor.id, **{"dias_tras_aviso": 10, **valores})
    db.session.add(regla)
    db.session.commit()
    return regla


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(("preparar", "mensaje"), [
    (lambda c: setattr(c, "en_disputa", True), "el caso está en disputa"),
    (lambda c: setattr(c, "etapa", "pagado"), "el caso está cerrado (Pagado)"),
    (lambda c: setattr(c, "etapa", "juridico"), "El caso ya está en Jurídico"),
    (lambda c: setattr(c.deudor, "no_contactar", True), "«no contactar»"),
])
def test_rechazada_con_su_motivo_y_nada_escrito(mundo, preparar, mensaje):
    caso = mundo.caso()
    preparar(caso)
    db.session.commit()
    with pytest.raises(r.RemisionInvalida) as error:
        r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    assert mensaje in error.value.mensaje
    db.session.rollback()
    assert db.session.scalar(select(func.count(Remision.id))) == 0
    assert db.session.scalar(select(func.count(Carta.id))) == 0


def test_una_remision_abierta_a_la_vez_y_motivo_obligatorio(mundo):
    caso = mundo.caso()
    with pytest.raises(r.RemisionInvalida) as error:
        r.solicitar_remision(caso, mundo.supervisor, "corto")
    assert "al menos 10 caracteres" in error.value.mensaje
    primera = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    db.session.commit()
    with pytest.raises(r.RemisionInvalida) as error:
        r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    assert f"ya tiene una remisión en curso (n.º {primera.id}" in error.value.mensaje


def test_solicitud_pide_el_aviso_y_queda_auditada(mundo):
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    db.session.commit()
    assert remision.estado == "esperando_aviso" and remision.origen == "supervisor"
    carta = remision.carta_aviso
    assert (carta.plantilla, carta.estado, carta.caso_id) == (
        "aviso_remision_juridica", "pendiente", caso.id)
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "remision.solicitada")).one()
    assert entrada.entidad_id == remision.id and entrada.usuario_id == mundo.supervisor.id


def test_por_regla_dice_que_condicion_falla(mundo):
    caso = mundo.caso(capitales=("500",))
    caso.etapa_desde = datetime.now(UTC) - timedelta(days=5)
    db.session.commit()
    with pytest.raises(r.RemisionInvalida) as error:
        r.solicitar_remision(caso, None, MOTIVO, "regla")
    assert "no tiene una regla de remisión activa" in error.value.mensaje
    _regla(mundo.acme, activa=True, dias_en_negociacion=30, acuerdos_incumplidos=2,
           saldo_minimo=Decimal("1000"))
    with pytest.raises(r.RemisionInvalida) as error:
        r.solicitar_remision(caso, None, MOTIVO, "regla")
    mensaje = error.value.mensaje
    assert "El caso no cumple la regla de remisión del acreedor" in mensaje
    assert "lleva 5 días en negociación y la regla pide 30" in mensaje
    assert "tiene 0 acuerdos incumplidos y la regla pide 2" in mensaje
    assert "es menor que el mínimo de la regla (1.000,00)" in mensaje


# ---------------------------------------------------------------- the stage machine


def test_supervisor_ya_no_remite_directamente(mundo):
    caso = mundo.caso()
    with pytest.raises(TransicionInvalida) as error:
        cambiar_etapa(caso, "juridico", mundo.supervisor, MOTIVO)
    assert "use «Solicitar remisión a jurídico» en la página del caso" in error.value.mensaje
    db.session.rollback()
    assert db.session.get(Caso, caso.id).etapa == "negociacion"


# ---------------------------------------------------------------- notice, days, referral


@pytest.mark.parametrize("estado", ["pendiente", "esperando", "generando", "error"])
def test_sin_aviso_enviado_nunca_remite(mundo, estado):
    """The letter held back by the contact policy (esperando), not generated yet or failed:
    the caso stays where it is however many days pass."""
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    db.session.commit()
    hoy = hoy_local()
    _aviso(remision, estado, hoy - timedelta(days=60))
    for dia in (hoy, hoy + timedelta(days=90)):
        cuenta = r.avanzar_remisiones(dia)
        db.session.commit()
        assert cuenta["esperando_aviso"] == 1 and cuenta["remitidas"] == 0
    assert db.session.get(Caso, caso.id).etapa == "negociacion" and not _cambios(caso.id)
    remision = db.session.get(Remision, remision.id)
    assert remision.estado == "esperando_aviso" and remision.remitir_desde is None


def test_con_aviso_y_plazo_cumplido_pasa_a_juridico(mundo):
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    db.session.commit()
    aviso = hoy_local() - timedelta(days=3)
    _aviso(remision, "lista", aviso)
    cuenta = r.avanzar_remisiones(aviso + timedelta(days=9))  # default: 10 days after
    db.session.commit()
    assert cuenta["esperando_plazo"] == 1
    remision = db.session.get(Remision, remision.id)
    assert remision.remitir_desde == aviso + timedelta(days=10)
    assert db.session.get(Caso, caso.id).etapa == "negociacion"

    cuenta = r.avanzar_remisiones(aviso + timedelta(days=10))
    db.session.commit()
    assert cuenta["remitidas"] == 1
    assert db.session.get(Caso, caso.id).etapa == "juridico"
    assert remision.estado == "remitida" and remision.remitida_en is not None
    (cambio,) = _cambios(caso.id)
    assert (cambio.desde, cambio.hacia, cambio.usuario_id) == ("negociacion", "juridico", None)
    assert f"Remisión a jurídico n.º {remision.id}" in cambio.motivo
    acciones = set(db.session.scalars(select(Auditoria.accion).where(
        Auditoria.entidad_id.in_((caso.id, remision.id)))))
    assert {"caso.etapa", "remision.remitida"} <= acciones
    # Idempotent: another run changes nothing.
    assert r.avanzar_remisiones(aviso + timedelta(days=11))["remitidas"] == 0
    assert len(_cambios(caso.id)) == 1


def test_dias_tras_aviso_de_la_regla(mundo):
    _regla(mundo.acme, dias_tras_aviso=0)  # inactive rule: its days still apply
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    hoy = hoy_local()
    _aviso(remision, "lista", hoy)
    assert r.avanzar_remisiones(hoy)["remitidas"] == 1
    db.session.commit()
    assert db.session.get(Caso, caso.id).etapa == "juridico"


def test_en_disputa_al_vencer_el_plazo_se_cancela(mundo):
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    hoy = hoy_local()
    _aviso(remision, "lista", hoy - timedelta(days=10))
    caso.en_disputa = True
    db.session.commit()
    assert r.avanzar_remisiones(hoy)["canceladas"] == 1
    db.session.commit()
    remision = db.session.get(Remision, remision.id)
    assert remision.estado == "cancelada" and "en disputa" in remision.decision_motivo
    assert db.session.get(Caso, caso.id).etapa == "negociacion"
    assert db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "remision.cancelada")).one().entidad_id == remision.id


def test_caso_cerrado_cancela_la_remision(mundo):
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    db.session.commit()
    cambiar_etapa(caso, "pagado", None)
    db.session.commit()
    assert r.avanzar_remisiones()["canceladas"] == 1
    db.session.commit()
    assert db.session.get(Remision, remision.id).estado == "cancelada"


# ---------------------------------------------------------------- the acreedor's approval


def _pendiente_acreedor(mundo) -> Remision:
    _regla(mundo.acme, requiere_aprobacion=True)
    caso = mundo.caso()
    remision = r.solicitar_remision(caso, mundo.supervisor, MOTIVO)
    hoy = hoy_local()
    _aviso(remision, "lista", hoy - timedelta(days=10))
    assert r.avanzar_remisiones(hoy)["pendiente_acreedor"] == 1
    db.session.commit()
    return remision


def test_aprobacion_del_acreedor_y_doble_envio(mundo):
    remision = _pendiente_acreedor(mundo)
    assert remision.estado == "pendiente_acreedor"
    assert db.session.get(Caso, remision.caso_id).etapa == "negociacion"
    assert r.avanzar_remisiones()["remitidas"] == 0  # waits for the acreedor
    r.decidir_remision(remision, mundo.cliente, True, "")
    db.session.commit()
    assert db.session.get(Caso, remision.caso_id).etapa == "juridico"
    assert remision.estado == "remitida" and remision.decidida_por == mundo.cliente.id
    with pytest.raises(r.RemisionCambiada) as error:
        r.decidir_remision(remision, mundo.cliente, True, "")
    assert "ya no espera su decisión" in error.value.mensaje
    db.session.rollback()
    assert len(_cambios(remision.caso_id)) == 1


def test_rechazo_del_acreedor_necesita_motivo(mundo):
    remision = _pendiente_acreedor(mundo)
    with pytest.raises(r.RemisionInvalida) as error:
        r.decidir_remision(remision, mundo.cliente, False, " ")
    assert "motivo del rechazo" in error.value.mensaje
    r.decidir_remision(remision, mundo.cliente, False, "Preferimos seguir negociando.")
    db.session.commit()
    assert remision.estado == "rechazada"
    assert remision.decision_motivo == "Preferimos seguir negociando."
    assert db.session.get(Caso, remision.caso_id).etapa == "negociacion"


def test_cancelar_por_supervisor(mundo):
    remision = r.solicitar_remision(mundo.caso(), mundo.supervisor, MOTIVO)
    db.session.commit()
    with pytest.raises(r.RemisionInvalida):
        r.cancelar_remision(remision, mundo.supervisor, "no")
    r.cancelar_remision(remision, mundo.supervisor, "El aviso no pudo generarse.")
    db.session.commit()
    assert remision.estado == "cancelada" and remision.decidida_por == mundo.supervisor.id
    with pytest.raises(r.RemisionCambiada):
        r.cancelar_remision(remision, mundo.supervisor, "El aviso no pudo generarse.")


# ---------------------------------------------------------------- the automatic rule


def _incumplido(caso) -> None:
    db.session.add(Acuerdo(
        acreedor_id=caso.acreedor_id, caso_id=caso.id, estado="incumplido", moneda="COP",
        deuda_capital=Decimal("1000"), deuda_intereses=0, deuda_gastos=0,
        total_acordado=Decimal("1000"), primera_fecha=hoy_local()))


def test_la_regla_remite_solo_los_casos_que_la_cumplen(mundo):
    _regla(mundo.acme, activa=True, dias_en_negociacion=30, acuerdos_incumplidos=2,
           saldo_minimo=Decimal("1000"))
    hace = datetime.now(UTC) - timedelta(days=40)
    cumple_dias = mundo.caso()
    cumple_acuerdos = mundo.caso("prejuridico")
    pocos_dias = mundo.caso()
    poco_saldo = mundo.caso(capitales=("500",))
    en_disputa = mundo.caso()
    un_acuerdo = mundo.caso("prejuridico")
    ajeno = mundo.caso(acreedor=mundo.otro)
    for caso in (cumple_dias, poco_saldo, en_disputa, ajeno):
        caso.etapa_desde = hace
    en_disputa.en_disputa = True
    _incumplido(cumple_acuerdos)
    _incumplido(cumple_acuerdos)
    _incumplido(un_acuerdo)
    db.session.commit()
    assert pocos_dias.id and un_acuerdo.id

    lotes = []
    assert r.aplicar_reglas(al_lote=lotes.append) == 2
    db.session.commit()
    remisiones = db.session.scalars(select(Remision)).all()
    assert {x.caso_id for x in remisiones} == {cumple_dias.id, cumple_acuerdos.id}
    assert all(x.origen == "regla" and x.solicitada_por is None and x.carta_aviso_id
               for x in remisiones)
    assert "40 días en negociación" in next(
        x.motivo for x in remisiones if x.caso_id == cumple_dias.id)
    assert len(lotes) == 1 and len(lotes[0]) == 2
    # A second run adds nothing; neither after a rejection while the etapa stays the same.
    assert r.aplicar_reglas() == 0
    remisiones[0].estado = "rechazada"
    db.session.commit()
    assert r.aplicar_reglas() == 0


def test_el_trabajo_periodico_aplica_reglas_y_avanza(mundo):
    _regla(mundo.acme, activa=True, dias_en_negociacion=30)
    caso = mundo.caso()
    caso.etapa_desde = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    resultado = avanzar_remisiones_job()
    assert resultado["creadas"] == 1 and resultado["esperando_aviso"] == 1
    remision = db.session.scalars(select(Remision)).one()
    assert remision.carta_aviso.job_id  # its notice letter was queued
    assert avanzar_remisiones_job()["creadas"] == 0


# ---------------------------------------------------------------- the rule's validation


@pytest.mark.parametrize(("datos", "campo", "mensaje"), [
    ({"dias_tras_aviso": "91"}, "dias_tras_aviso", "entre 0 y 90"),
    ({"dias_tras_aviso": ""}, "dias_tras_aviso", "Indique los días tras el aviso"),
    ({"dias_tras_aviso": "5", "dias_en_negociacion": "-1"}, "dias_en_negociacion", "0 o más"),
    ({"dias_tras_aviso": "5", "acuerdos_incumplidos": "dos"}, "acuerdos_incumplidos",
     "número entero"),
    ({"dias_tras_aviso": "5", "saldo_minimo": "-3"}, "saldo_minimo", "0 o más"),
    ({"dias_tras_aviso": "5", "saldo_minimo": "abc"}, "saldo_minimo", "escriba un monto"),
    ({"dias_tras_aviso": "5", "activa": "1"}, "activa", "al menos un criterio"),
])
def test_regla_invalida(mundo, datos, campo, mensaje):
    with pytest.raises(r.RemisionInvalida) as error:
        r.guardar_regla(mundo.acme, datos, mundo.supervisor)
    assert error.value.campo == campo and mensaje in error.value.mensaje


def test_guardar_regla_audita(mundo):
    regla = r.guardar_regla(mundo.acme, {"activa": "1", "dias_en_negociacion": "60",
                                         "saldo_minimo": "1.500.000,50", "dias_tras_aviso": "15",
                                         "requiere_aprobacion": "1"}, mundo.supervisor)
    db.session.commit()
    assert (regla.activa, regla.dias_en_negociacion, regla.saldo_minimo, regla.dias_tras_aviso,
            regla.requiere_aprobacion) == (True, 60, Decimal("1500000.50"), 15, True)
    entrada = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "regla_remision.guardada")).one()
    assert entrada.despues["saldo_minimo"] == "1500000.50" and entrada.antes is None
