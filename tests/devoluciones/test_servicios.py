"""The recall service: what is recalled, what is reported, what never changes."""

from datetime import date

import pytest
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import CambioEtapa, Caso
from agencia.devoluciones import servicios
from agencia.extensiones import db


def _resultados(reporte):
    return [(linea.entrada, linea.resultado) for linea in reporte.lineas]


def test_devuelve_casos_abiertos_y_reporta_cada_linea(crear_acreedor, crear_usuario,
                                                      crear_caso):
    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    marcela = crear_usuario("marcela", rol="cliente", acreedor=acme, nombre="Marcela Duarte")
    ana = crear_usuario("ana")
    abierto = crear_caso(acme, ana, etapa="negociacion")
    juridico = crear_caso(acme, ana, etapa="juridico")
    pagado = crear_caso(acme, ana, etapa="pagado")
    ajeno = crear_caso(otro, ana)
    abierto.reclamado_por = ana.id
    db.session.commit()
    ref = {c.id: c.obligaciones[0].referencia for c in (abierto, juridico, pagado, ajeno)}

    reporte = servicios.devolver(
        acme, [ref[abierto.id], ref[juridico.id].lower(), ref[pagado.id], ref[ajeno.id],
               "NO-EXISTE", "", ref[abierto.id]],
        marcela.id, "portal", "Cartera vendida")
    db.session.commit()

    assert _resultados(reporte) == [
        (ref[abierto.id], "devuelto"), (ref[juridico.id].lower(), "devuelto"),
        (ref[pagado.id], "cerrado"), (ref[ajeno.id], "no_encontrada"),
        ("NO-EXISTE", "no_encontrada"), (ref[abierto.id], "devuelto")]
    assert "línea 1" in reporte.lineas[-1].mensaje
    assert reporte.casos == 2 and reporte.no_encontradas == 2 and reporte.no_devueltos == 1
    # The other acreedor's referencia reads exactly like one that does not exist.
    assert reporte.lineas[3].mensaje == reporte.lineas[4].mensaje
    assert reporte.lineas[3].caso_id is None

    db.session.expire_all()
    assert db.session.get(Caso, abierto.id).etapa == "devuelto"
    assert db.session.get(Caso, abierto.id).reclamado_por is None
    assert db.session.get(Caso, juridico.id).etapa == "devuelto"
    assert db.session.get(Caso, pagado.id).etapa == "pagado"
    assert db.session.get(Caso, ajeno.id).etapa == "prejuridico"
    cambio = db.session.scalar(select(CambioEtapa).where(CambioEtapa.caso_id == abierto.id))
    assert cambio.motivo == "Devuelto por el acreedor (portal, Marcela Duarte): Cartera vendida"
    auditoria = db.session.scalars(select(Auditoria).where(
        Auditoria.accion == "caso.devolver")).all()
    assert {a.entidad_id for a in auditoria} == {abierto.id, juridico.id}
    assert all(a.usuario_id == marcela.id for a in auditoria)


def test_devolver_dos_veces_no_cambia_nada(crear_acreedor, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    referencia = caso.obligaciones[0].referencia
    servicios.devolver(acme, [referencia], None, "api", None, quien="token «ERP»")
    db.session.commit()

    segundo = servicios.devolver(acme, [referencia], None, "api", None, quien="token «ERP»")
    db.session.commit()

    assert _resultados(segundo) == [(referencia, "ya_devuelto")]
    assert segundo.casos == 0 and segundo.ya_devueltos == 1
    assert db.session.scalar(select(func.count(CambioEtapa.id))) == 1
    assert db.session.scalar(select(CambioEtapa.motivo)) == "Devuelto por el acreedor (API, " \
                                                           "token «ERP»)"


def test_caso_con_acuerdo_abierto_no_se_devuelve(crear_acreedor, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme, etapa="acuerdo")
    acuerdo = Acuerdo(
        acreedor_id=acme.id, caso_id=caso.id, tipo="plan", estado="vigente", moneda="COP",
        deuda_capital=caso.saldo, deuda_intereses=0, deuda_gastos=0, quita_capital=0,
        quita_intereses=0, quita_gastos=0, total_acordado=caso.saldo, numero_cuotas=1,
        primera_fecha=date(2030, 1, 1), nivel_aprobacion="agente")
    acuerdo.cuotas = [Cuota(numero=1, fecha=date(2030, 1, 1), monto=caso.saldo)]
    db.session.add(acuerdo)
    db.session.commit()

    reporte = servicios.devolver(acme, [caso.obligaciones[0].referencia], None, "api", None)
    db.session.commit()

    assert reporte.lineas[0].resultado == "acuerdo_abierto"
    assert "comuníquese con la agencia" in reporte.lineas[0].mensaje
    assert db.session.get(Caso, caso.id).etapa == "acuerdo"


def test_previsualizar_no_cambia_nada(crear_acreedor, crear_caso):
    acme = crear_acreedor()
    caso = crear_caso(acme)
    reporte = servicios.previsualizar(acme, [caso.obligaciones[0].referencia, "X"])
    db.session.commit()
    assert _resultados(reporte) == [(caso.obligaciones[0].referencia, "a_devolver"),
                                    ("X", "no_encontrada")]
    assert reporte.casos == 1
    assert db.session.get(Caso, caso.id).etapa == "prejuridico"
    assert db.session.scalar(select(func.count(CambioEtapa.id))) == 0


def test_lista_vacia_o_demasiado_larga(crear_acreedor):
    acme = crear_acreedor()
    with pytest.raises(servicios.DevolucionInvalida, match="No hay referencias"):
        servicios.devolver(acme, ["", "  "], None, "api", None)
    with pytest.raises(servicios.DevolucionInvalida, match="máximo"):
        servicios.devolver(acme, [f"R{n}" for n in range(servicios.MAXIMO_LINEAS + 1)],
                           None, "api", None)
    with pytest.raises(servicios.DevolucionInvalida, match="motivo"):
        servicios.devolver(acme, ["R1"], None, "api", "x" * 501)


def test_referencia_demasiado_larga_es_invalida(crear_acreedor):
    reporte = servicios.previsualizar(crear_acreedor(), ["R" * 61])
    assert reporte.lineas[0].resultado == "invalida"
