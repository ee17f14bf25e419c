"""Acuerdo judicial: the plan a court approved closes the proceso and takes the caso to acuerdo;
broken or annulled it brings the caso back to jurídico with its proceso reopened; paid, the caso
is pagado. And a caso closed while in jurídico (payment, incobrable, recall) ends its proceso."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo
from agencia.acuerdos.servicios import anular, evaluar_acuerdos
from agencia.auditoria.modelos import Auditoria
from agencia.cartas.modelos import Carta
from agencia.casos.etapas import TransicionInvalida, cambiar_etapa, validar
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.juridico import procesos as p
from agencia.juridico.modelos import ProcesoJuridico
from agencia.pagos.reversion import reversar_pago
from agencia.pagos.servicios import registrar_pago
from tests.conftest import ingresar, token_csrf

MOTIVO = "Auto del juzgado aprueba la conciliación de las partes"
RADICADO = "11001-4003-005-2026-00123-00"


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso):
    a = crear_acreedor("AAA")
    b = crear_acreedor("BBB")
    gente = {
        "abogada": crear_usuario("abogada", rol="abogado", nombre="Laura Abogada"),
        "supervisor": crear_usuario("supervisor", rol="supervisor"),
        "agente": crear_usuario("agente"),
        "cliente_b": crear_usuario("cliente-b", rol="cliente", acreedor=b),
    }
    caso = crear_caso(a, gente["agente"], nombre="Deudor Judicial", etapa="juridico",
                      capitales=("500000",))
    proceso = p.guardar_proceso(caso, {"tipo_proceso": "ejecutivo", "radicado": RADICADO,
                                       "juzgado": "Juzgado 5 Civil Municipal",
                                       "abogado_id": str(gente["abogada"].id)},
                                gente["abogada"])
    db.session.commit()
    return {"a": a, "caso": caso, "proceso": proceso, **gente}


def _plan(**cambios) -> dict:
    return {"numero_cuotas": "4", "frecuencia": "mensual",
            "primera_fecha": (p.hoy_local() + timedelta(days=7)).isoformat(),
            "abono_inicial": "50.000", **cambios}


def _cerrar_por_la_ruta(cliente, mundo, **plan):
    caso = mundo["caso"]
    datos = {"resultado": "acuerdo_judicial", "motivo": MOTIVO, **plan,
             "csrf_token": token_csrf(cliente, f"/casos/{caso.id}")}
    return cliente.post(f"/juridico/procesos/{mundo['proceso'].id}/cerrar", data=datos)


def _cerrar(mundo, **plan) -> Acuerdo:
    p.cerrar_proceso(mundo["proceso"], "acuerdo_judicial", MOTIVO, mundo["abogada"],
                     _plan(**plan))
    db.session.commit()
    return db.session.scalars(select(Acuerdo)).one()


def _auditoria(accion: str) -> list[Auditoria]:
    return list(db.session.scalars(select(Auditoria).where(Auditoria.accion == accion)
                                   .order_by(Auditoria.id)))


# ---------------------------------------------------------------- closing with the plan


def test_acuerdo_judicial_vigente_al_instante_y_caso_en_acuerdo(cliente, mundo):
    ingresar(cliente, "abogada")
    r = _cerrar_por_la_ruta(cliente, mundo, **_plan(quita_intereses_pct="", quita_capital_pct="10"))
    assert r.status_code == 302
    acuerdo = db.session.scalars(select(Acuerdo)).one()
    assert acuerdo.tipo == "judicial" and acuerdo.estado == "vigente"
    assert acuerdo.nombre_tipo == "Acuerdo judicial"
    assert acuerdo.vigente_desde is not None and acuerdo.excepciones == []
    assert acuerdo.creado_por == mundo["abogada"].id
    # 10 % off 500.000 = 450.000: 50.000 down and 4 monthly cuotas of 100.000.
    assert acuerdo.total_acordado == Decimal("450000") and acuerdo.abono_inicial == 50000
    assert [c.monto for c in acuerdo.cuotas] == [Decimal("50000")] + [Decimal("100000")] * 4
    caso = db.session.get(Caso, mundo["caso"].id)
    assert caso.etapa == "acuerdo"
    carta = db.session.get(Carta, acuerdo.carta_id)
    assert carta.plantilla == "acuerdo_pago" and carta.parametros == {"acuerdo_id": acuerdo.id}
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("terminado", "acuerdo_judicial")
    assert p.acuerdo_del_proceso(proceso).id == acuerdo.id
    cierre = _auditoria("proceso.cerrar")[-1]
    assert cierre.despues["acuerdo_id"] == acuerdo.id and cierre.usuario_id == mundo["abogada"].id
    judicial = _auditoria("acuerdo.judicial")[-1]
    assert judicial.usuario_id == mundo["abogada"].id
    assert judicial.despues["radicado"] == RADICADO
    assert judicial.despues["proceso_id"] == proceso.id
    etapa = _auditoria("caso.etapa")[-1]
    assert etapa.despues["sistema"] is True and RADICADO in etapa.despues["motivo"]
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Terminado: Acuerdo judicial" in html and "Acuerdo judicial" in html


def test_nadie_pasa_a_mano_de_juridico_a_acuerdo(mundo):
    caso = mundo["caso"]
    for rol in ("abogada", "supervisor"):
        with pytest.raises(TransicionInvalida, match="panel «Proceso jurídico»"):
            validar(caso, "acuerdo", mundo[rol], MOTIVO)


@pytest.mark.parametrize("cambios, mensaje", [
    ({"numero_cuotas": ""}, "Número de cuotas"),
    ({"numero_cuotas": "tres"}, "Número de cuotas"),
    ({"numero_cuotas": "0"}, "al menos una cuota"),
    ({"primera_fecha": ""}, "fecha del primer pago"),
    ({"primera_fecha": "2020-01-01"}, "no puede ser pasada"),
    ({"frecuencia": "anual"}, "frecuencia de la lista"),
    ({"abono_inicial": "500.000"}, "abono inicial debe ser menor"),
    ({"abono_inicial": "mucho"}, "monto válido"),
    ({"quita_capital_pct": "150"}, "entre 0 y 100"),
    ({"quita_gastos_pct": "x"}, "porcentaje entre 0 y 100"),
])
def test_terminos_invalidos_400_sin_escribir_nada(cliente, mundo, cambios, mensaje):
    ingresar(cliente, "abogada")
    r = _cerrar_por_la_ruta(cliente, mundo, **_plan(**cambios))
    assert r.status_code == 400
    assert mensaje in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Acuerdo.id))) == 0
    assert db.session.get(Caso, mundo["caso"].id).etapa == "juridico"
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("en_curso", None)
    assert not _auditoria("proceso.cerrar")


def test_sin_motivo_tampoco(mundo):
    with pytest.raises(p.ProcesoInvalido, match="motivo"):
        p.cerrar_proceso(mundo["proceso"], "acuerdo_judicial", "", mundo["abogada"], _plan())
    assert db.session.scalar(select(func.count(Acuerdo.id))) == 0


def test_otro_acuerdo_abierto_lo_impide(mundo):
    caso = mundo["caso"]
    db.session.add(Acuerdo(acreedor_id=caso.acreedor_id, caso_id=caso.id, tipo="plan",
                           estado="vigente", moneda="COP", deuda_capital=500000,
                           deuda_intereses=0, deuda_gastos=0, total_acordado=500000,
                           primera_fecha=p.hoy_local()))
    db.session.commit()
    with pytest.raises(p.ProcesoInvalido, match="otro acuerdo abierto"):
        p.cerrar_proceso(mundo["proceso"], "acuerdo_judicial", MOTIVO, mundo["abogada"],
                         _plan())
    db.session.rollback()
    assert db.session.get(ProcesoJuridico, mundo["proceso"].id).estado == "en_curso"


def test_otro_acreedor_no_cierra_el_proceso_404(cliente, mundo):
    ingresar(cliente, "cliente-b")
    r = cliente.post(f"/juridico/procesos/{mundo['proceso'].id}/cerrar",
                     data={"resultado": "acuerdo_judicial", "motivo": MOTIVO, **_plan(),
                           "csrf_token": token_csrf(cliente, "/portal/")})
    assert r.status_code in (403, 404)
    assert db.session.scalar(select(func.count(Acuerdo.id))) == 0


# ---------------------------------------------------------------- what becomes of it


def test_incumplido_vuelve_a_juridico_y_reabre_el_proceso(mundo):
    acuerdo = _cerrar(mundo)
    vencido = acuerdo.cuotas[0].fecha + timedelta(days=30)
    cuenta = evaluar_acuerdos(vencido)
    db.session.commit()
    assert cuenta["incumplidos"] == 1
    assert db.session.get(Acuerdo, acuerdo.id).estado == "incumplido"
    caso = db.session.get(Caso, mundo["caso"].id)
    assert caso.etapa == "juridico"
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado, proceso.cerrado_en) == ("en_curso", None, None)
    reabrir = _auditoria("proceso.reabrir")
    assert len(reabrir) == 1 and reabrir[0].usuario_id is None
    assert reabrir[0].despues["acuerdo_id"] == acuerdo.id
    # The abogado resumes the court case; running the verdict again changes nothing.
    p.registrar_actuacion(proceso, p.hoy_local(), "memorial", "Solicita seguir la ejecución",
                          mundo["abogada"])
    assert evaluar_acuerdos(vencido + timedelta(days=1))["incumplidos"] == 0
    assert db.session.get(Caso, caso.id).etapa == "juridico"


def test_anulado_por_el_supervisor_tambien_vuelve_a_juridico(mundo):
    acuerdo = _cerrar(mundo)
    anular(acuerdo, mundo["supervisor"], "El juzgado revocó el auto de aprobación")
    db.session.commit()
    assert db.session.get(Caso, mundo["caso"].id).etapa == "juridico"
    assert db.session.get(ProcesoJuridico, mundo["proceso"].id).estado == "en_curso"


def test_pagado_completo_cierra_el_caso_y_el_proceso_sigue_terminado(mundo):
    acuerdo = _cerrar(mundo, quita_capital_pct="10")
    registrar_pago(db.session.get(Caso, mundo["caso"].id), acuerdo.total_acordado,
                   p.hoy_local(), "pse", "JUD-1", None)
    db.session.commit()
    assert db.session.get(Acuerdo, acuerdo.id).estado == "cumplido"
    assert db.session.get(Caso, mundo["caso"].id).etapa == "pagado"
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("terminado", "acuerdo_judicial")
    assert not _auditoria("proceso.reabrir") and not _auditoria("proceso.terminado")


# ---------------------------------------------------------------- caso closed while in jurídico


def _terminado() -> Auditoria:
    entradas = _auditoria("proceso.terminado")
    assert len(entradas) == 1
    return entradas[0]


def test_pago_que_salda_el_caso_termina_el_proceso_como_pagado(mundo):
    caso = mundo["caso"]
    pago = registrar_pago(caso, Decimal("500000"), p.hoy_local(), "pse", "SALDA-1", None)
    db.session.commit()
    assert db.session.get(Caso, caso.id).etapa == "pagado"
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("terminado", "pagado")
    assert proceso.cerrado_en is not None
    assert _terminado().despues["motivo"] == "el caso quedó pagado"
    # The payment is reversed: the caso is back in jurídico and so is the court case.
    reversar_pago(pago, mundo["supervisor"].id, "Transferencia devuelta por el banco")
    db.session.commit()
    assert db.session.get(Caso, caso.id).etapa == "juridico"
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("en_curso", None)


def test_incobrable_desde_la_etapa_termina_el_proceso(mundo):
    cambiar_etapa(mundo["caso"], "incobrable", mundo["supervisor"],
                  "Deudor sin bienes embargables según el juzgado")
    db.session.commit()
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("terminado", "incobrable")
    assert _terminado().usuario_id == mundo["supervisor"].id


def test_devuelto_al_acreedor_termina_el_proceso_sin_resultado(mundo):
    cambiar_etapa(mundo["caso"], "devuelto", None, "El acreedor retiró el caso por el portal")
    db.session.commit()
    proceso = db.session.get(ProcesoJuridico, mundo["proceso"].id)
    assert (proceso.estado, proceso.resultado) == ("terminado", None)
    entrada = _terminado()
    assert entrada.despues["motivo"] == "el acreedor devolvió el caso"
    assert entrada.antes == {"estado": "en_curso"}


def test_cerrar_el_proceso_no_lo_termina_dos_veces(mundo):
    p.cerrar_proceso(mundo["proceso"], "incobrable", "Deudor insolvente según sentencia",
                     mundo["abogada"])
    db.session.commit()
    assert not _auditoria("proceso.terminado") and len(_auditoria("proceso.cerrar")) == 1
