"""Re-placements (changed amounts, new obligaciones for known deudores) and rejected rows."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from agencia.asignaciones.servicios import importar_archivo
from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from tests.asignaciones.conftest import ENCABEZADO, MUESTRA


def contar(modelo) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo))


def obligacion(referencia: str) -> Obligacion:
    return db.session.scalar(select(Obligacion).where(Obligacion.referencia == referencia))


def test_reasignacion_con_otro_capital_actualiza_saldo_y_audita(acme, agentes, archivo_csv):
    importar_archivo(MUESTRA, "ACME")
    caso = obligacion("ACME-0003").caso
    assert caso.saldo == Decimal("892500.00")
    nueva = archivo_csv([
        "referencia,numero_documento,nombre,fecha_vencimiento,capital,intereses",
        "ACME-0003,79845123,Juan Carlos Rodríguez Peña,2025-09-30,900.000,50000",
        "ACME-0001,1020304050,María Fernanda Gómez Rojas,2026-03-15,1234567.89,98765.43",
    ])

    reporte = importar_archivo(nueva, "ACME")

    assert (reporte.obligaciones_actualizadas, reporte.sin_cambios, reporte.obligaciones_nuevas) == (1, 1, 0)
    db.session.expire_all()
    cambiada = obligacion("ACME-0003")
    assert (cambiada.capital, cambiada.intereses, cambiada.gastos) == (
        Decimal("900000.00"), Decimal("50000.00"), Decimal("0.00"))
    assert cambiada.saldo == Decimal("950000.00")
    assert cambiada.caso.saldo == Decimal("950000.00")
    assert cambiada.caso.vencimiento == date(2025, 9, 30)
    # A blank optional column keeps what was placed before (ACME-0001 keeps its gastos).
    assert obligacion("ACME-0001").gastos == Decimal("15000.00")

    entrada = db.session.scalar(select(Auditoria).where(Auditoria.accion == "obligacion.actualizar"))
    assert entrada.entidad == "obligacion" and entrada.entidad_id == cambiada.id
    assert entrada.antes == {"capital": "850000.00", "intereses": "42500.00",
                             "fecha_vencimiento": "2025-11-30", "saldo": "892500.00"}
    assert entrada.despues["capital"] == "900000.00" and entrada.despues["saldo"] == "950000.00"
    assert entrada.despues["lote_id"] == reporte.lote_id
    assert db.session.scalar(select(func.count()).where(
        Auditoria.accion == "obligacion.actualizar")) == 1


def test_el_saldo_conserva_lo_ya_abonado(acme, agentes, archivo_csv):
    importar_archivo(MUESTRA, "ACME")
    pagada = obligacion("ACME-0005")
    pagada.saldo = Decimal("160000.00")  # 300.000 already paid
    db.session.commit()
    reporte = importar_archivo(archivo_csv([
        ENCABEZADO + ",tipo_documento",
        "ACME-0005,5123456,Carlos Eduardo Mendoza Pérez,20/04/2026,500000,CE"]), "ACME")
    assert reporte.obligaciones_actualizadas == 1
    db.session.expire_all()
    assert obligacion("ACME-0005").saldo == Decimal("200000.00")


def test_obligacion_nueva_de_un_deudor_conocido_se_suma_a_su_caso(acme, agentes, archivo_csv):
    importar_archivo(MUESTRA, "ACME")
    caso = obligacion("ACME-0010").caso
    caso.etapa, agente = "pagado", caso.agente_id
    db.session.commit()

    reporte = importar_archivo(archivo_csv([
        ENCABEZADO + ",telefono",
        "ACME-0099,71234567,Jorge Enrique Salazar Mejía,2024-12-01,\"1.000.000\",3009998877",
    ]), "ACME")

    assert (reporte.obligaciones_nuevas, reporte.casos_nuevos, reporte.casos_reabiertos) == (1, 0, 1)
    assert reporte.contactos_nuevos == 1
    db.session.expire_all()
    caso = db.session.get(Caso, caso.id)
    assert caso.saldo == Decimal("4490000.00") and caso.vencimiento == date(2024, 12, 1)
    assert caso.etapa == "prejuridico" and caso.agente_id == agente
    assert obligacion("ACME-0099").lote_id == reporte.lote_id != caso.lote_id
    acciones = set(db.session.scalars(select(Auditoria.accion).where(
        Auditoria.accion.in_(["obligacion.crear", "caso.reabrir", "deudor.contactos"]))))
    assert acciones == {"obligacion.crear", "caso.reabrir", "deudor.contactos"}


def test_fila_mala_todo_o_nada_no_escribe_nada(acme, agentes, archivo_csv):
    texto = MUESTRA.read_text(encoding="utf-8").splitlines()
    texto[6] = texto[6].replace("\"12.500.000\"", "\"12,3,4\"")
    ruta = archivo_csv(texto)

    reporte = importar_archivo(ruta, "ACME")

    assert not reporte.importado and reporte.filas_rechazadas == 1
    assert [(r.linea, r.columna) for r in reporte.rechazos] == [(7, "capital")]
    texto_reporte = reporte.como_texto()
    assert "Línea 7, columna «capital»: monto no válido «12,3,4»." in texto_reporte
    assert "NO SE IMPORTÓ NADA" in texto_reporte
    assert contar(Caso) == contar(Obligacion) == contar(Deudor) == contar(Auditoria) == 0


def test_fila_mala_sin_todo_o_nada_importa_las_validas(acme, agentes, archivo_csv):
    ruta = archivo_csv([
        ENCABEZADO + ",moneda",
        "R1,1111111,Ana Pérez,2026-01-10,1000,",
        "R2,2222222,Beto Ruiz,2026-13-10,1000,COP",
        "R3,3333333,,2026-01-10,-5,USD",
        "R1,4444444,Dora Gil,2026-01-10,2000,",
        "R5,5555555,Eva Mora,10/01/2026,\"2.000,50\",cop",
    ])

    reporte = importar_archivo(ruta, "ACME", todo_o_nada=False)

    assert reporte.importado and (reporte.filas, reporte.filas_rechazadas) == (5, 3)
    assert {(r.linea, r.columna) for r in reporte.rechazos} == {
        (3, "fecha_vencimiento"), (4, "nombre"), (4, "capital"), (4, "moneda"), (5, "referencia")}
    texto = reporte.como_texto()
    assert "NO SE IMPORTÓ NADA" not in texto
    assert "Línea 5, columna «referencia»: referencia «R1» repetida (ya aparece en la línea 2)." in texto
    assert "Línea 4, columna «moneda»: moneda «USD» distinta de la del acreedor (COP)." in texto
    assert sorted(db.session.scalars(select(Obligacion.referencia))) == ["R1", "R5"]
    assert obligacion("R5").capital == Decimal("2000.50")


def test_referencia_de_otro_deudor_se_rechaza(acme, agentes, archivo_csv):
    importar_archivo(MUESTRA, "ACME")
    ruta = archivo_csv([ENCABEZADO, "ACME-0004,99999999,Otra Persona,2026-01-10,1000",
                        "NUEVA-1,88888888,Nueva Persona,2026-01-10,1000"])

    reporte = importar_archivo(ruta, "ACME")
    assert not reporte.importado
    assert reporte.rechazos[0].como_texto() == (
        "Línea 2, columna «referencia»: la referencia «ACME-0004» ya está asignada a otro "
        "deudor (CC 43567890).")
    assert contar(Caso) == 9

    # The same number with another document type is another deudor.
    otro_tipo = importar_archivo(archivo_csv([
        ENCABEZADO + ",tipo_documento", "ACME-0005,5123456,Carlos Mendoza,2026-04-20,1000,CC"]), "ACME")
    assert "ya está asignada a otro deudor (CE 5123456)" in otro_tipo.rechazos[0].motivo

    parcial = importar_archivo(ruta, "ACME", todo_o_nada=False)
    assert parcial.importado and parcial.obligaciones_nuevas == 1 and contar(Caso) == 10
