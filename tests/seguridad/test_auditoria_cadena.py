"""The audit trail's hash chain: `agencia auditoria sellar` / `verificar` detect an edited or
deleted entry. Raw SQL stands in for someone with database access (the ORM refuses)."""

from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from agencia.auditoria.cadena import sellar_pendientes, verificar
from agencia.auditoria.modelos import Auditoria
from agencia.auditoria.servicios import registrar, registrar_varios
from agencia.casos.modelos import RegistroInmutable
from agencia.extensiones import db
from agencia.tipos import ahora
from tests.conftest import MOTOR


def _entradas(n: int) -> list[int]:
    for i in range(n):
        registrar("caso.editar", "caso", i + 1, antes={"saldo": Decimal("10.50")},
                  despues={"saldo": Decimal("0"), "nota": f"Pagó señora Núñez {i}"})
    db.session.commit()
    return list(db.session.scalars(select(Auditoria.id).order_by(Auditoria.id)))


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["auditoria", *args])


def _sql(sentencia: str, **parametros) -> None:
    db.session.execute(text(sentencia), parametros)
    db.session.commit()


def test_sellar_y_verificar_cadena_integra_e_idempotente(app):
    _entradas(3)
    sellado = _cli(app, "sellar")
    assert sellado.exit_code == 0 and "Entradas selladas: 3." in sellado.output
    verificado = _cli(app, "verificar")
    assert verificado.exit_code == 0, verificado.output
    assert "Cadena íntegra: 3 entradas" in verificado.output
    assert "Entradas selladas: 0." in _cli(app, "sellar").output

    registrar_varios([{"accion": "pago.registrar", "entidad": "pago", "entidad_id": 7,
                       "despues": {"valor": Decimal("1234.50")}}] * 2)
    db.session.commit()
    assert "Cadena íntegra: 3 entradas (2 por sellar)" in _cli(app, "verificar").output
    assert "Entradas selladas: 2." in _cli(app, "sellar").output
    assert "Cadena íntegra: 5 entradas" in _cli(app, "verificar").output
    filas = db.session.execute(select(Auditoria.hash_anterior, Auditoria.hash)
                               .order_by(Auditoria.id)).all()
    assert filas[0].hash_anterior is None
    assert all(b.hash_anterior == a.hash for a, b in zip(filas, filas[1:], strict=False))


def test_entrada_editada_se_detecta(app):
    ids = _entradas(3)
    sellar_pendientes()
    _sql("UPDATE auditoria SET despues = :d WHERE id = :id",
         d='{"saldo": "0", "nota": "otra cosa"}', id=ids[1])
    salida = _cli(app, "verificar")
    assert salida.exit_code == 1
    assert f"La entrada {ids[1]} fue modificada." in salida.output


def test_fecha_editada_se_detecta(app):
    ids = _entradas(2)
    sellar_pendientes()
    _sql("UPDATE auditoria SET creado_en = :f WHERE id = :id",
         f=ahora().replace(tzinfo=None, year=2020), id=ids[0])
    assert verificar() == [f"La entrada {ids[0]} fue modificada."]


def test_entrada_borrada_en_medio_se_detecta(app):
    ids = _entradas(3)
    sellar_pendientes()
    _sql("DELETE FROM auditoria WHERE id = :id", id=ids[1])
    salida = _cli(app, "verificar")
    assert salida.exit_code == 1
    assert f"Falta una entrada antes de la {ids[2]} (borrada)." in salida.output


def test_primera_y_ultima_borradas_se_detectan(app):
    ids = _entradas(3)
    sellar_pendientes()
    _sql("DELETE FROM auditoria WHERE id = :id", id=ids[2])
    assert verificar() == [f"Se borró la última entrada sellada (la {ids[2]})."]
    _sql("DELETE FROM auditoria WHERE id = :id", id=ids[0])
    assert f"Falta una entrada antes de la {ids[1]} (borrada)." in verificar()
    salida = _cli(app, "verificar")
    assert salida.exit_code == 1 and "Se borró la última entrada sellada" in salida.output


def test_hash_borrado_se_detecta(app):
    ids = _entradas(3)
    sellar_pendientes()
    _sql("UPDATE auditoria SET hash = NULL, hash_anterior = NULL WHERE id = :id", id=ids[1])
    problemas = verificar()
    assert f"La entrada {ids[1]} está sin sellar pero es anterior al sello." in problemas


def test_el_orm_no_modifica_la_auditoria(app):
    _entradas(1)
    entrada = db.session.scalar(select(Auditoria))
    entrada.accion = "otra"
    with pytest.raises(RegistroInmutable):
        db.session.commit()
    db.session.rollback()


def test_trabajo_periodico_sella(app):
    from colas.programacion import buscar
    from colas.trabajos.auditoria import sellar_auditoria

    assert buscar("auditoria_sellar").funcion == "colas.trabajos.auditoria.sellar_auditoria"
    _entradas(2)
    assert sellar_auditoria() == 2
    assert sellar_auditoria() == 0
    assert verificar() == []


@pytest.mark.skipif(MOTOR != "postgresql", reason="solo PostgreSQL tiene escritores concurrentes")
def test_no_sella_pasando_una_transaccion_abierta(app):
    """A transaction holding a lower id commits after one with a higher id: the sealer
    waits for it instead of sealing past the gap."""
    tabla = Auditoria.__table__
    conexion_a = db.engine.connect()
    try:
        transaccion_a = conexion_a.begin()
        id_a = conexion_a.execute(insert(tabla).values(accion="a", entidad="x", entidad_id=1)
                                  .returning(tabla.c.id)).scalar_one()
        with db.engine.begin() as conexion_b:
            id_b = conexion_b.execute(insert(tabla).values(accion="b", entidad="x", entidad_id=2)
                                      .returning(tabla.c.id)).scalar_one()
        assert id_a < id_b
        assert sellar_pendientes() == 0
        assert sellar_pendientes() == 0
        assert db.session.scalar(select(Auditoria.hash).where(Auditoria.id == id_b)) is None
        transaccion_a.commit()
    finally:
        conexion_a.close()
    assert sellar_pendientes() == 2
    assert verificar() == []
    filas = db.session.execute(select(Auditoria.id, Auditoria.hash_anterior, Auditoria.hash)
                               .order_by(Auditoria.id)).all()
    assert [f.id for f in filas] == [id_a, id_b] and filas[1].hash_anterior == filas[0].hash


@pytest.mark.skipif(MOTOR != "postgresql", reason="solo PostgreSQL tiene escritores concurrentes")
def test_id_revertido_no_detiene_la_cadena(app):
    tabla = Auditoria.__table__
    with db.engine.connect() as conexion, conexion.begin() as transaccion:
        conexion.execute(insert(tabla).values(accion="a", entidad="x", entidad_id=1))
        transaccion.rollback()
    ids = _entradas(2)
    assert sellar_pendientes() == 2
    assert verificar() == [] and len(ids) == 2


@pytest.mark.skipif(MOTOR != "postgresql", reason="solo PostgreSQL tiene escritores concurrentes")
def test_no_sella_pasando_un_id_tomado_sin_transaccion_aun(app):
    """An id taken before its transaction got a transaction id (a snapshot is all it holds)
    still holds the sealer back."""
    tabla = Auditoria.__table__
    conexion_a = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        transaccion_a = conexion_a.begin()
        conexion_a.execute(text("SELECT 1"))
        id_a = conexion_a.execute(text(
            "SELECT nextval(pg_get_serial_sequence('auditoria', 'id'))")).scalar_one()
        ids = _entradas(1)
        assert sellar_pendientes() == 0
        assert sellar_pendientes() == 0
        conexion_a.execute(insert(tabla).values(id=id_a, accion="a", entidad="x", entidad_id=1))
        transaccion_a.commit()
    finally:
        conexion_a.close()
    assert sellar_pendientes() == 2
    assert verificar() == [] and id_a < ids[0]
