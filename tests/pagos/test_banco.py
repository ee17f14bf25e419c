"""Bank files of payments: good, repeated and bad lines; the same file twice; the pages."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agencia.asignaciones.archivo import ErrorImportacion
from agencia.casos.modelos import Caso
from agencia.extensiones import db
from agencia.pagos import banco
from agencia.pagos.modelos import LotePagos, Pago
from agencia.pagos.servicios import registrar_pago
from tests.conftest import ingresar, token_csrf
from tests.pagos.ayudas import HOY


@pytest.fixture
def datos(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    crear_usuario("sofia", rol="supervisor")
    crear_usuario("ana")
    uno = crear_caso(acme, documento="1010", capitales=("100000",))
    dos = crear_caso(acme, documento="2020", capitales=("80000",))
    registrar_pago(uno, Decimal("1000"), HOY, "pse", "YA-1", None)
    db.session.commit()
    return acme, uno, dos


def _archivo(uno, dos) -> bytes:
    ref_uno = uno.obligaciones[0].referencia
    lineas = [
        "Referencia Bancaria;Fecha;Monto;Referencia;Número Documento;Método",
        f"B-1;{HOY:%d/%m/%Y};10.000;{ref_uno};;Transferencia",
        f"B-2;{HOY.isoformat()};5000;;2.020;pse",
        f"YA-1;{HOY.isoformat()};1000;{ref_uno};;",
        f"B-3;31/02/2025;1000;{ref_uno};;",
        f"B-4;{HOY.isoformat()};abc;{ref_uno};;",
        f"B-5;{HOY.isoformat()};1000;NO-EXISTE;;",
        f"B-6;{HOY.isoformat()};1000;;9999;",
        f"B-2;{HOY.isoformat()};5000;;2020;",
        f";{HOY.isoformat()};1000;{ref_uno};;",
        f"B-7;{HOY.isoformat()};1000,50;{ref_uno};;",
    ]
    return ("\n".join(lineas) + "\n").encode("cp1252")


def test_lineas_registradas_repetidas_y_rechazadas(datos):
    acme, uno, dos = datos
    lote = banco.importar_archivo(acme, "banco.csv", _archivo(uno, dos), None, HOY)
    db.session.commit()
    assert (lote.filas, lote.registrados, lote.repetidos, lote.rechazados) == (10, 2, 2, 6)
    por_linea = {f["linea"]: f for f in lote.reporte}
    assert por_linea[2]["estado"] == "registrado" and por_linea[3]["estado"] == "registrado"
    assert por_linea[4]["estado"] == "repetido" and por_linea[9]["estado"] == "repetido"
    rechazos = {n: (f["columna"], f["motivo"]) for n, f in por_linea.items()
                if f["estado"] == "rechazado"}
    assert rechazos[5][0] == "fecha" and "inexistente" in rechazos[5][1]
    assert rechazos[6][0] == "monto" and "no válido" in rechazos[6][1]
    assert rechazos[7][0] == "referencia" and "NO-EXISTE" in rechazos[7][1]
    assert rechazos[8][0] == "numero_documento"
    assert rechazos[10][0] == "referencia_bancaria"
    assert rechazos[11] == ("monto", "En COP el monto va sin centavos: revise los decimales.")
    db.session.expire_all()
    assert db.session.get(Caso, uno.id).saldo == Decimal("89000.00")
    assert db.session.get(Caso, dos.id).saldo == Decimal("75000.00")
    nuevo = db.session.scalars(select(Pago).where(Pago.referencia_bancaria == "B-1")).one()
    assert (nuevo.origen, nuevo.lote_pagos_id, nuevo.metodo) == ("archivo", lote.id,
                                                                 "transferencia")


def test_el_mismo_archivo_dos_veces_no_registra_nada_nuevo(datos):
    acme, uno, dos = datos
    contenido = _archivo(uno, dos)
    primero = banco.importar_archivo(acme, "banco.csv", contenido, None, HOY)
    db.session.commit()
    pagos = db.session.scalar(select(func.count(Pago.id)))
    segundo = banco.importar_archivo(acme, "banco.csv", contenido, None, HOY)
    db.session.commit()
    assert segundo.id == primero.id and segundo.ya_importado
    assert db.session.scalar(select(func.count(Pago.id))) == pagos
    # The same lines in another file (one more blank line): every payment is repeated.
    otro = banco.importar_archivo(acme, "banco2.csv", contenido + b"\n", None, HOY)
    db.session.commit()
    assert (otro.registrados, otro.repetidos) == (0, 4)
    assert db.session.scalar(select(func.count(Pago.id))) == pagos


@pytest.mark.parametrize(("contenido", "mensaje"), [
    (b"", "vac\u00edo"),
    (b"fecha,monto,referencia\n2025-01-01,1,X\n", "referencia_bancaria"),
    (b"referencia_bancaria,fecha,monto\nX,2025-01-01,1\n", "para encontrar el caso"),
])
def test_archivo_invalido(datos, contenido, mensaje):
    with pytest.raises(ErrorImportacion, match=mensaje):
        banco.importar_archivo(datos[0], "x.csv", contenido, None, HOY)


def test_tope_de_lineas(datos, monkeypatch):
    monkeypatch.setattr(banco, "MAXIMO_LINEAS", 2)
    contenido = b"referencia_bancaria,fecha,monto,referencia\n" + b"A,2025-01-01,1,X\n" * 3
    with pytest.raises(ErrorImportacion, match="el máximo por archivo es 2"):
        banco.importar_archivo(datos[0], "x.csv", contenido, None, HOY)


def test_pagina_importa_muestra_y_descarga_el_reporte(cliente, datos, app):
    acme, uno, dos = datos
    ingresar(cliente, "sofia")
    assert "Pagos del banco" in cliente.get("/pagos/archivos").get_data(as_text=True)
    respuesta = cliente.post("/pagos/archivos", data={
        "acreedor_id": str(acme.id), "archivo": (io.BytesIO(_archivo(uno, dos)), "banco.csv"),
        "csrf_token": token_csrf(cliente, "/pagos/archivos")},
        content_type="multipart/form-data")
    assert respuesta.status_code == 302
    lote = db.session.scalars(select(LotePagos)).one()
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "2 pagos registrados, 2 repetidos, 6 rechazados" in html and "NO-EXISTE" in html
    csv = cliente.get(f"/pagos/archivos/{lote.id}/reporte.csv")
    assert csv.status_code == 200 and "text/csv" in csv.content_type
    texto = csv.get_data(as_text=True)
    assert texto.startswith("\ufefflinea;estado") and "Rechazado" in texto
    otra = cliente.post("/pagos/archivos", data={
        "acreedor_id": str(acme.id), "archivo": (io.BytesIO(_archivo(uno, dos)), "banco.csv"),
        "csrf_token": token_csrf(cliente, "/pagos/archivos")},
        content_type="multipart/form-data")
    html = cliente.get(otra.headers["Location"]).get_data(as_text=True)
    assert "ya se había importado" in html and "no se registró nada nuevo" in html
    sin_archivo = cliente.post("/pagos/archivos", data={
        "acreedor_id": str(acme.id), "csrf_token": token_csrf(cliente, "/pagos/archivos")})
    assert sin_archivo.status_code == 400
    malo = cliente.post("/pagos/archivos", data={
        "acreedor_id": str(acme.id), "archivo": (io.BytesIO(b"a,b\n1,2\n"), "x.csv"),
        "csrf_token": token_csrf(cliente, "/pagos/archivos")},
        content_type="multipart/form-data")
    assert malo.status_code == 400 and "No se importó nada" in malo.get_data(as_text=True)
    agente = app.test_client()
    ingresar(agente, "ana")
    assert agente.get("/pagos/archivos").status_code == 403
