"""The scheduled verdict: broken plans, within-grace plans, expired pronto pago offers."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo
from agencia.acuerdos.servicios import evaluar_acuerdos, proponer_acuerdo
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import CambioEtapa, Caso
from agencia.extensiones import db
from colas.trabajos.acuerdos import evaluar_acuerdos_job

INICIO = date(2027, 3, 1)


def _plan(caso, usuario, **cambios):
    datos = {"tipo": "plan", "abono_inicial": Decimal("120000"), "numero_cuotas": 3,
             "frecuencia": "mensual", "primera_fecha": date(2027, 3, 5), **cambios}
    resultado = proponer_acuerdo(caso, datos, usuario, INICIO)
    db.session.commit()
    return resultado.acuerdo


def test_plan_incumplido_vuelve_a_negociacion_una_sola_vez(oficina):
    acuerdo = _plan(oficina.caso, oficina.ana)
    assert acuerdo.estado == "vigente" and oficina.caso.etapa == "acuerdo"
    # Abono of 05/03 paid; cuota 1 on 05/04 unpaid. Grace: 5 days.
    acuerdo.cuotas[0].pagado = acuerdo.cuotas[0].monto
    db.session.commit()
    assert evaluar_acuerdos(date(2027, 4, 10)) == {"revisados": 1, "incumplidos": 0,
                                                   "vencidos": 0}
    assert db.session.get(Acuerdo, acuerdo.id).estado == "vigente"
    cuenta = evaluar_acuerdos(date(2027, 4, 11))
    db.session.commit()
    assert cuenta["incumplidos"] == 1
    acuerdo = db.session.get(Acuerdo, acuerdo.id)
    assert acuerdo.estado == "incumplido"
    assert acuerdo.motivo_cierre == "Cuota 1 del 05/04/2027 vencida sin pagar"
    caso = db.session.get(Caso, oficina.caso.id)
    assert caso.etapa == "negociacion" and caso.proxima_accion == date(2027, 4, 11)
    assert len(acuerdo.cuotas) == 4 and acuerdo.cuotas[0].pagado > 0  # history kept
    # Again: nothing more.
    assert evaluar_acuerdos(date(2027, 4, 12))["incumplidos"] == 0
    db.session.commit()
    assert db.session.scalar(select(func.count(Auditoria.id)).where(
        Auditoria.accion == "acuerdo.incumplir")) == 1
    assert db.session.scalar(select(func.count(CambioEtapa.id)).where(
        CambioEtapa.hacia == "negociacion")) == 1


def test_dentro_de_la_gracia_se_respeta_la_del_acreedor(oficina):
    oficina.acme.dias_gracia_cuota = 10
    db.session.commit()
    acuerdo = _plan(oficina.caso, oficina.ana)  # abono of 05/03 unpaid
    assert evaluar_acuerdos(date(2027, 3, 15))["incumplidos"] == 0
    assert db.session.get(Acuerdo, acuerdo.id).estado == "vigente"
    assert evaluar_acuerdos(date(2027, 3, 16))["incumplidos"] == 1


def test_pronto_pago_vencido(oficina):
    acuerdo = proponer_acuerdo(oficina.caso, {
        "tipo": "pronto_pago", "quita_intereses_pct": Decimal("100"),
        "fecha_limite": date(2027, 3, 10)}, oficina.ana, INICIO).acuerdo
    db.session.commit()
    assert acuerdo.estado == "vigente"
    acuerdo.cuotas[0].pagado = Decimal("400000")  # partial
    db.session.commit()
    assert evaluar_acuerdos(date(2027, 3, 15))["vencidos"] == 0
    assert evaluar_acuerdos(date(2027, 3, 16))["vencidos"] == 1
    db.session.commit()
    acuerdo = db.session.get(Acuerdo, acuerdo.id)
    assert acuerdo.estado == "vencido" and "pronto pago" in acuerdo.motivo_cierre
    assert db.session.get(Caso, oficina.caso.id).etapa == "negociacion"


def test_el_trabajo_usa_hoy_y_confirma(oficina):
    acuerdo = _plan(oficina.caso, oficina.ana)
    cuenta = evaluar_acuerdos_job()
    db.session.expire_all()
    estado = db.session.get(Acuerdo, acuerdo.id).estado
    assert (estado == "incumplido") == bool(cuenta["incumplidos"])
