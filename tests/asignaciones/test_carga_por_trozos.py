"""The chunked Core write path: the same results as the one-flush ORM importer it replaced."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.asignaciones import carga
from agencia.asignaciones.servicios import importar_archivo
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db
from tests.asignaciones.conftest import ENCABEZADO

COLUMNAS = ENCABEZADO + ",intereses,gastos,telefono,email,ciudad"


def contar(modelo, *condiciones) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo).where(*condiciones))


def obligacion(referencia: str) -> Obligacion:
    return db.session.scalar(select(Obligacion).where(Obligacion.referencia == referencia))


@pytest.fixture
def trozo_pequenio(monkeypatch):
    """Chunks of 2 rows, so a few rows cross several chunk boundaries."""
    monkeypatch.setattr(carga, "TROZO", 2)


def test_deudor_nuevo_con_su_caso(acme, agentes, archivo_csv, trozo_pequenio):
    reporte = importar_archivo(archivo_csv([
        COLUMNAS, "R1,111,Ana Ríos,2026-01-10,1000,100,10,3001112233,ana@example.com,Cali"]),
        "ACME")
    assert (reporte.casos_nuevos, reporte.deudores_nuevos, reporte.obligaciones_nuevas) == (1, 1, 1)
    caso = db.session.scalar(select(Caso))
    assert caso.saldo == Decimal("1110.00") and caso.vencimiento == date(2026, 1, 10)
    assert caso.etapa == "prejuridico" and caso.agente_id == agentes[0].id
    assert caso.lote_id == reporte.lote_id and caso.prioridad > 0
    assert caso.deudor.ciudad == "Cali" and caso.deudor.pais == "CO"
    nueva = obligacion("R1")
    assert (nueva.saldo_capital, nueva.saldo_intereses, nueva.saldo_gastos, nueva.saldo) == (
        Decimal("1000.00"), Decimal("100.00"), Decimal("10.00"), Decimal("1110.00"))
    assert nueva.creado_en is not None and nueva.creado_en.tzinfo is not None
    alta = db.session.scalar(select(Auditoria).where(Auditoria.accion == "caso.crear"))
    assert alta.entidad_id == caso.id and alta.despues["saldo"] == "1110.00"


def test_el_mismo_deudor_dos_veces_y_un_limite_de_trozo_en_medio(
    acme, agentes, archivo_csv, trozo_pequenio
):
    # With chunks of 2 rows the deudor 111's rows (lines 2 and 5) would fall in different
    # chunks if the file were cut by rows: they are grouped by deudor first.
    reporte = importar_archivo(archivo_csv([
        ENCABEZADO, "R1,111,Ana,2026-03-01,1000", "R2,222,Beto,2026-01-01,500",
        "R3,333,Caro,2026-01-01,700", "R4,111,Ana,2026-02-01,2000", "R5,444,Dani,2026-01-01,1"]),
        "ACME")
    assert (reporte.casos_nuevos, reporte.obligaciones_nuevas) == (4, 5)
    assert contar(Caso) == 4 and contar(Deudor) == 4
    ana = obligacion("R1").caso
    assert sorted(o.referencia for o in ana.obligaciones) == ["R1", "R4"]
    assert ana.saldo == Decimal("3000.00") and ana.vencimiento == date(2026, 2, 1)
    alta = db.session.scalar(select(Auditoria).where(
        Auditoria.accion == "caso.crear", Auditoria.entidad_id == ana.id))
    assert alta.despues["referencias"] == ["R1", "R4"]
    # The agents still take the new casos in turn, across chunks.
    casos = db.session.scalars(select(Caso).order_by(Caso.id)).all()
    assert [c.agente_id for c in casos] == [agentes[i % 3].id for i in range(4)]


def test_deudor_de_un_lote_anterior(acme, agentes, archivo_csv, crear_acreedor, trozo_pequenio):
    crear_acreedor("OTRO")
    importar_archivo(archivo_csv([COLUMNAS, "R1,111,Ana,2026-01-10,1000,,,3001112233,,"]), "ACME")
    # Another acreedor places the same deudor: a second caso, the deudor and contacto shared.
    otro = importar_archivo(archivo_csv([COLUMNAS, "O1,111,Ana,2026-01-10,50,,,3001112233,,Pasto"]),
                            "OTRO")
    assert (otro.deudores_nuevos, otro.casos_nuevos, otro.contactos_nuevos) == (0, 1, 0)
    assert contar(Deudor) == 1 and contar(Caso) == 2 and contar(Contacto) == 1
    assert db.session.scalar(select(Deudor.ciudad)) == "Pasto"  # a missing ciudad is filled in
    # The first acreedor adds an obligacion: it joins the existing caso.
    mas = importar_archivo(archivo_csv([COLUMNAS, "R2,111,Ana,2025-12-01,300,,,,ana@x.co,"]),
                           "ACME")
    assert (mas.casos_nuevos, mas.obligaciones_nuevas, mas.contactos_nuevos) == (0, 1, 1)
    db.session.expire_all()
    caso = obligacion("R2").caso
    assert caso is obligacion("R1").caso
    assert caso.saldo == Decimal("1300.00") and caso.vencimiento == date(2025, 12, 1)
    acciones = dict(db.session.execute(select(Auditoria.accion, func.count()).where(
        Auditoria.acreedor_id == acme.id).group_by(Auditoria.accion)).all())
    assert acciones == {"lote.importar": 2, "caso.crear": 1, "obligacion.crear": 1,
                        "deudor.contactos": 1}


def test_reasignacion_mueve_cada_componente_y_audita(acme, agentes, archivo_csv):
    importar_archivo(archivo_csv([COLUMNAS, "R1,111,Ana,2026-01-10,1000,100,10,,,"]), "ACME")
    pagada = obligacion("R1")
    # A payment covered 60 of gastos... of intereses and capital: 40 capital, 60 intereses.
    pagada.saldo_capital, pagada.saldo_intereses = Decimal("960.00"), Decimal("40.00")
    pagada.saldo = Decimal("1010.00")
    pagada.caso.saldo = Decimal("1010.00")
    db.session.commit()
    caso_id = pagada.caso_id

    reporte = importar_archivo(archivo_csv([COLUMNAS, "R1,111,Ana,2026-01-10,1500,50,,,,"]), "ACME")

    assert (reporte.obligaciones_actualizadas, reporte.sin_cambios) == (1, 0)
    cambiada = obligacion("R1")
    assert (cambiada.capital, cambiada.intereses, cambiada.gastos) == (
        Decimal("1500.00"), Decimal("50.00"), Decimal("10.00"))
    # capital +500 → saldo_capital 1460; intereses −50 → saldo_intereses max(40−50, 0) = 0.
    assert (cambiada.saldo_capital, cambiada.saldo_intereses, cambiada.saldo_gastos) == (
        Decimal("1460.00"), Decimal("0.00"), Decimal("10.00"))
    assert cambiada.saldo == Decimal("1470.00")
    caso = db.session.get(Caso, caso_id)
    assert caso.saldo == Decimal("1470.00")
    entrada = db.session.scalar(select(Auditoria).where(Auditoria.accion == "obligacion.actualizar"))
    assert entrada.entidad_id == cambiada.id
    assert entrada.antes == {"capital": "1000.00", "intereses": "100.00", "saldo": "1010.00"}
    assert entrada.despues == {"capital": "1500.00", "intereses": "50.00", "saldo": "1470.00",
                               "caso_id": caso_id, "lote_id": reporte.lote_id}


def test_el_mismo_archivo_dos_veces_no_cambia_nada(acme, agentes, archivo_csv, trozo_pequenio):
    ruta = archivo_csv([COLUMNAS, "R1,111,Ana,2026-01-10,1000,,,300 111 2233,,",
                        "R2,222,Beto,2026-01-10,2000,,,,,", "R3,111,Ana,2026-02-10,10,,,,,"])
    primero = importar_archivo(ruta, "ACME")
    antes = [contar(m) for m in (Deudor, Contacto, Caso, Obligacion, Auditoria)]
    casos = {c.id: (c.saldo, c.actualizado_en) for c in db.session.scalars(select(Caso))}

    segundo = importar_archivo(ruta, "ACME")
    assert segundo.lote_id == primero.lote_id and segundo.importado_antes_en is not None
    # The same rows in another file: a new lote, nothing else.
    copia = importar_archivo(archivo_csv(ruta.read_text(encoding="utf-8") + "\n"), "ACME")
    assert (copia.sin_cambios, copia.obligaciones_nuevas, copia.contactos_nuevos) == (3, 0, 0)

    despues = [contar(m) for m in (Deudor, Contacto, Caso, Obligacion, Auditoria)]
    assert despues == antes[:4] + [antes[4] + 1]
    assert {c.id: (c.saldo, c.actualizado_en) for c in db.session.scalars(select(Caso))} == casos


def test_todo_o_nada_con_una_fila_mala_no_escribe_nada(acme, agentes, archivo_csv,
                                                       trozo_pequenio):
    avances = []
    reporte = importar_archivo(archivo_csv([
        ENCABEZADO, "R1,111,Ana,2026-01-10,1000", "R2,222,Beto,2026-01-10,1000",
        "R3,333,Caro,31/02/2026,1000"]), "ACME", al_avanzar=lambda *a: avances.append(a))
    assert not reporte.importado and avances == []
    assert contar(Caso) == contar(Obligacion) == contar(Deudor) == contar(Auditoria) == 0


def test_varios_telefonos_se_crean_una_vez(acme, agentes, archivo_csv, trozo_pequenio):
    reporte = importar_archivo(archivo_csv([
        COLUMNAS,
        'R1,111,Ana,2026-01-10,1000,,,"300 111 2233|300 444 5566",ana@example.com,',
        'R2,111,Ana,2026-01-10,1000,,,"3004445566|+57 300 777 8899",ANA@example.com,',
    ]), "ACME")
    assert reporte.contactos_nuevos == 4
    valores = db.session.scalars(select(Contacto.valor).order_by(Contacto.id)).all()
    assert valores == ["+573001112233", "+573004445566", "ana@example.com", "+573007778899"]
    telefono = db.session.scalar(select(Contacto).where(Contacto.tipo == "telefono"))
    assert telefono.consentimientos == ["llamada", "sms", "whatsapp"] and telefono.valido


def test_avance_por_trozo(acme, agentes, archivo_csv, monkeypatch):
    monkeypatch.setattr(carga, "TROZO", 3)
    avances = []
    filas = [f"R{n},{n % 4 + 100},Deudor {n % 4},2026-01-10,1000" for n in range(10)]
    importar_archivo(archivo_csv([ENCABEZADO, *filas]), "ACME",
                     al_avanzar=lambda hechas, total: avances.append((hechas, total)))
    # Deudores of 3, 3, 2 and 2 rows; a chunk closes once it holds 3 rows or more.
    assert avances == [(3, 10), (6, 10), (10, 10)]


def test_los_objetos_de_la_sesion_no_quedan_viejos(acme, agentes, archivo_csv):
    importar_archivo(archivo_csv([ENCABEZADO, "R1,111,Ana,2026-01-10,1000"]), "ACME")
    caso = obligacion("R1").caso
    assert caso.saldo == Decimal("1000.00")
    importar_archivo(archivo_csv([ENCABEZADO, "R1,111,Ana,2026-01-10,4000"]), "ACME")
    assert caso.saldo == Decimal("4000.00")  # expired by the importer, read again
