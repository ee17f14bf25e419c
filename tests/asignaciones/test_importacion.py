"""Importing the sample placement file: casos, obligaciones, saldos, agents, idempotency."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from agencia.asignaciones.modelos import LoteAsignacion
from agencia.asignaciones.servicios import importar_archivo
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db
from tests.asignaciones.conftest import MUESTRA


def contar(modelo) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo))


def caso_de(documento: str) -> Caso:
    return db.session.scalar(
        select(Caso).join(Caso.deudor).where(Deudor.numero_documento == documento)
    )


def test_la_muestra_crea_casos_obligaciones_y_saldos(acme, agentes):
    reporte = importar_archivo(MUESTRA, "ACME")

    assert reporte.importado and reporte.rechazos == []
    assert (reporte.filas, reporte.obligaciones_nuevas, reporte.casos_nuevos) == (10, 10, 9)
    assert (reporte.deudores_nuevos, reporte.sin_cambios, reporte.obligaciones_actualizadas) == (9, 0, 0)
    assert (contar(Caso), contar(Obligacion), contar(Deudor), contar(LoteAsignacion)) == (9, 10, 9, 1)

    total = db.session.scalar(select(func.sum(Caso.saldo)))
    assert Decimal(total) == Decimal("27122834.32")
    saldos = db.session.scalars(select(Obligacion.saldo)).all()
    assert all(isinstance(s, Decimal) for s in saldos)
    assert sum(saldos, Decimal(0)) == Decimal("27122834.32")

    # Two rows of the same deudor join one caso; its due date is the oldest of the two.
    maria = caso_de("1020304050")
    assert len(maria.obligaciones) == 2
    assert maria.saldo == Decimal("1348333.32") + Decimal("2812450.50")
    assert maria.vencimiento == date(2026, 1, 15)
    assert maria.etapa == "prejuridico" and maria.prioridad > 0
    assert maria.lote_id == reporte.lote_id
    assert {o.lote_id for o in maria.obligaciones} == {reporte.lote_id}
    primera = next(o for o in maria.obligaciones if o.referencia == "ACME-0001")
    assert (primera.capital, primera.intereses, primera.gastos) == (
        Decimal("1234567.89"), Decimal("98765.43"), Decimal("15000.00"))
    assert primera.producto == "Tarjeta de crédito" and primera.numero_factura == "FV-10021"
    assert primera.moneda == "COP"

    # Contactos normalised, deduplicated across rows, with default consent per channel.
    contactos = {(c.tipo, c.valor): c.consentimientos for c in maria.deudor.contactos}
    assert contactos == {
        ("telefono", "+573001234567"): ["llamada", "sms", "whatsapp"],
        ("telefono", "+576017452310"): ["llamada", "sms", "whatsapp"],
        ("email", "mafe.gomez@example.com"): ["email"],
        ("direccion", "Calle 45 # 12-30 Apto 502"): ["carta"],
    }
    assert maria.deudor.ciudad == "Bogotá"
    roble = caso_de("900123456-7")
    assert roble.deudor.tipo_documento == "NIT" and roble.deudor.tipo_persona == "juridica"


def test_casos_nuevos_repartidos_por_turno_entre_agentes_activos(acme, agentes, crear_usuario):
    crear_usuario("inactivo").activo = False
    crear_usuario("supervisora", rol="supervisor")
    db.session.commit()
    importar_archivo(MUESTRA, "ACME")

    casos = db.session.scalars(select(Caso).order_by(Caso.id)).all()
    ids = [a.id for a in agentes]
    assert [c.agente_id for c in casos] == [ids[i % 3] for i in range(9)]
    carga = {a: sum(c.agente_id == a for c in casos) for a in ids}
    assert carga == {ids[0]: 3, ids[1]: 3, ids[2]: 3}


def test_un_segundo_archivo_sigue_el_turno_desde_el_agente_con_menos_casos(
    acme, agentes, archivo_csv
):
    primero = archivo_csv(["referencia,numero_documento,nombre,fecha_vencimiento,capital",
                           "A1,111111,Ana,2026-01-01,1000", "A2,222222,Beto,2026-01-01,1000"])
    segundo = archivo_csv(["referencia,numero_documento,nombre,fecha_vencimiento,capital",
                           "B1,333333,Caro,2026-01-01,1000", "B2,444444,Dani,2026-01-01,1000"])
    importar_archivo(primero, "ACME")
    importar_archivo(segundo, "ACME")
    por_agente = dict(db.session.execute(
        select(Caso.agente_id, func.count()).group_by(Caso.agente_id)).all())
    # agente1 and agente2 got the first file; the second starts with agente3 (no casos yet).
    assert por_agente == {agentes[0].id: 2, agentes[1].id: 1, agentes[2].id: 1}
    assert caso_de("333333").agente_id == agentes[2].id


def test_sin_agentes_los_casos_quedan_sin_asignar_y_el_reporte_lo_dice(acme):
    reporte = importar_archivo(MUESTRA, "ACME")
    assert reporte.casos_sin_agente == 9
    assert db.session.scalar(select(func.count()).where(Caso.agente_id.is_not(None))) == 0
    assert "no hay agentes activos; 9 casos quedaron sin asignar" in reporte.como_texto()


def test_importar_dos_veces_el_mismo_archivo_no_cambia_nada(acme, agentes):
    primero = importar_archivo(MUESTRA, "ACME")
    auditoria = contar(Auditoria)
    actualizados = {c.id: c.actualizado_en for c in db.session.scalars(select(Caso))}
    db.session.expunge_all()

    segundo = importar_archivo(MUESTRA, "ACME")

    assert segundo.importado and segundo.lote_id == primero.lote_id
    assert (segundo.obligaciones_nuevas, segundo.casos_nuevos, segundo.deudores_nuevos) == (0, 0, 0)
    assert segundo.sin_cambios == 10
    assert (contar(Caso), contar(Obligacion), contar(Deudor), contar(LoteAsignacion)) == (9, 10, 9, 1)
    assert contar(Contacto) == 9 * 3 + 2 - 1  # sample's phones, emails and addresses, once each
    assert contar(Auditoria) == auditoria
    assert {c.id: c.actualizado_en for c in db.session.scalars(select(Caso))} == actualizados
    assert "ya se había importado" in segundo.como_texto()


def test_las_mismas_filas_en_otro_archivo_quedan_sin_cambios(acme, agentes, archivo_csv):
    importar_archivo(MUESTRA, "ACME")
    auditoria = contar(Auditoria)
    copia = archivo_csv(MUESTRA.read_text(encoding="utf-8").replace("\n", "\r\n"))

    reporte = importar_archivo(copia, "ACME")

    assert reporte.importado and reporte.importado_antes_en is None
    assert (reporte.sin_cambios, reporte.obligaciones_nuevas, reporte.contactos_nuevos) == (10, 0, 0)
    assert (contar(Caso), contar(Obligacion), contar(LoteAsignacion)) == (9, 10, 2)
    assert contar(Auditoria) == auditoria + 1  # only the new lote


def test_el_auditor_registra_lote_y_casos(acme, agentes, crear_usuario):
    admin = crear_usuario("admin", rol="admin")
    reporte = importar_archivo(MUESTRA, "ACME", usuario_id=admin.id)
    acciones = db.session.execute(
        select(Auditoria.accion, func.count()).group_by(Auditoria.accion)).all()
    assert dict(acciones) == {"lote.importar": 1, "caso.crear": 9}
    lote = db.session.scalar(select(Auditoria).where(Auditoria.accion == "lote.importar"))
    assert lote.entidad_id == reporte.lote_id and lote.usuario_id == admin.id
    assert lote.acreedor_id == acme.id and lote.despues["casos_nuevos"] == 9
    alta = db.session.scalar(select(Auditoria).where(
        Auditoria.accion == "caso.crear", Auditoria.entidad_id == caso_de("1020304050").id))
    assert alta.despues["referencias"] == ["ACME-0001", "ACME-0002"]
    assert alta.despues["saldo"] == "4160783.82"


def test_el_deudor_se_comparte_entre_acreedores(acme, agentes, crear_acreedor):
    crear_acreedor("OTRO")
    importar_archivo(MUESTRA, "ACME")
    reporte = importar_archivo(MUESTRA, "OTRO")
    assert (reporte.casos_nuevos, reporte.deudores_nuevos, reporte.contactos_nuevos) == (9, 0, 0)
    assert (contar(Caso), contar(Deudor), contar(Obligacion)) == (18, 9, 20)


def test_deudor_nuevo_toma_el_pais_del_acreedor(crear_acreedor, tmp_path):
    crear_acreedor("RETAIL", pais="CL", moneda="CLP")
    ruta = tmp_path / "cl.csv"
    ruta.write_text("referencia,numero_documento,nombre,fecha_vencimiento,capital\n"
                    "R1,12345678-5,Ana Soto,2026-01-10,150000\n", encoding="utf-8")
    importar_archivo(ruta, "RETAIL")
    assert db.session.scalar(select(Deudor.pais)) == "CL"
