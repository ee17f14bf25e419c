"""The acuerdo de pago letter and the paz y salvo certificate: what the deudor reads in the
real PDF (wkhtmltopdf), the request rules, and bad input (another caso's acuerdo, an open
caso, a deudor called <script>)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from flask import render_template
from pypdf import PdfReader
from sqlalchemy import func, select

from agencia.acuerdos.modelos import Acuerdo, Cuota
from agencia.cartas import documentos, plantillas, servicios
from agencia.cartas.modelos import Carta
from agencia.casos.modelos import Gestion
from agencia.extensiones import db
from agencia.pagos.modelos import Pago
from tests.conftest import ingresar, token_csrf

D = Decimal


def _con_componentes(caso, capital="1000000", intereses="200000", gastos="50000"):
    """The caso's only obligacion with intereses and gastos (saldo per component too)."""
    o = caso.obligaciones[0]
    o.capital, o.intereses, o.gastos = D(capital), D(intereses), D(gastos)
    o.saldo_capital, o.saldo_intereses, o.saldo_gastos = D(capital), D(intereses), D(gastos)
    o.saldo = caso.saldo = D(capital) + D(intereses) + D(gastos)
    db.session.commit()
    return caso


def _acuerdo(caso, *, tipo="plan", estado="vigente", quita=("0", "200000", "50000"),
             cuotas=((0, date(2025, 7, 1), "100000"), (1, date(2025, 8, 1), "300000"),
                     (2, date(2025, 9, 1), "300000"), (3, date(2025, 10, 1), "300000")),
             fecha_limite=None, abono="100000", **extra):
    o = caso.obligaciones[0]
    deuda = (o.saldo_capital, o.saldo_intereses, o.saldo_gastos)
    quita = tuple(D(q) for q in quita)
    acuerdo = Acuerdo(
        acreedor_id=caso.acreedor_id, caso_id=caso.id, tipo=tipo, estado=estado,
        moneda=caso.acreedor.moneda,
        deuda_capital=deuda[0], deuda_intereses=deuda[1], deuda_gastos=deuda[2],
        quita_capital=quita[0], quita_intereses=quita[1], quita_gastos=quita[2],
        total_acordado=sum(deuda) - sum(quita), abono_inicial=D(abono),
        numero_cuotas=sum(1 for c in cuotas if c[0] > 0), frecuencia="mensual",
        primera_fecha=cuotas[0][1], fecha_limite=fecha_limite, **extra,
    )
    acuerdo.cuotas = [Cuota(numero=n, fecha=f, monto=D(m)) for n, f, m in cuotas]
    db.session.add(acuerdo)
    db.session.commit()
    return acuerdo


def _pronto_pago(caso):
    # 10 % off the capital, intereses and gastos waived: 900.000 by 15/08/2025.
    return _acuerdo(
        caso, tipo="pronto_pago", quita=("100000", "200000", "50000"), abono="0",
        cuotas=((1, date(2025, 8, 15), "900000"),), fecha_limite=date(2025, 8, 15),
    )


def _texto_pdf(carta) -> str:
    paginas = PdfReader(servicios.ruta_archivo(carta)).pages
    texto = " ".join(" ".join(p.extract_text() for p in paginas).split())
    # pypdf puts a space where bold text ends ("$ 250.000 ,"): not in the letter.
    return texto.replace(" ,", ",").replace(" .", ".")


def _generar(caso, agente, plantilla, parametros=None) -> Carta:
    carta = servicios.solicitar_carta(caso.id, plantilla, agente.id, parametros)
    db.session.commit()
    servicios.generar_carta(carta.id)
    db.session.commit()
    return carta


def _pesos(texto: str) -> Decimal:
    return D(texto.replace(".", "").replace(",", "."))


def _gestiones(caso_id):
    return db.session.scalar(
        select(func.count()).select_from(Gestion).where(Gestion.caso_id == caso_id)
    )


def _pagado(caso, pagos=(("2025-06-01", "500000"), ("2025-07-10", "500000"))):
    """The caso fully paid (last payment 10/07/2025) after a cumplido acuerdo."""
    for i, (dia, monto) in enumerate(pagos):
        db.session.add(Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=D(monto),
                            fecha=date.fromisoformat(dia), referencia_bancaria=f"TRX-{i}",
                            moneda=caso.acreedor.moneda, estado="aplicado"))
    # A returned transfer, later than the others: neither counted nor the last payment.
    db.session.add(Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=D("999"),
                        fecha=date(2025, 7, 20), referencia_bancaria="TRX-DEVUELTA",
                        moneda=caso.acreedor.moneda, estado="reversado"))
    for o in caso.obligaciones:
        o.saldo = o.saldo_capital = o.saldo_intereses = o.saldo_gastos = D("0")
    caso.saldo, caso.etapa = D("0"), "pagado"
    db.session.commit()
    return caso


# --- acuerdo de pago --------------------------------------------------------------------

def test_carta_del_plan_muestra_obligaciones_quita_y_calendario_que_suma_el_total(escenario):
    acreedor, agente, caso = escenario
    _con_componentes(caso)
    acuerdo = _acuerdo(caso)
    caso.proxima_accion = date(2025, 7, 1)  # set by the acuerdo (its first payment)
    db.session.commit()
    carta = _generar(caso, agente, "acuerdo_pago", {"acuerdo_id": acuerdo.id})
    assert carta.estado == "lista", carta.error
    assert carta.parametros == {"acuerdo_id": acuerdo.id}
    assert caso.proxima_accion == date(2025, 7, 1)  # the letter's gestion leaves it alone
    texto = _texto_pdf(carta)
    obligacion = caso.obligaciones[0]
    for esperado in (
        f"Acuerdo de pago n.º {acuerdo.id}",
        "María Fernanda Gómez Rojas",
        caso.deudor.documento,
        "Comercializadora Acme S.A.S.",
        "Agencia de Cobranza S.A.S.",
        obligacion.referencia,
        obligacion.numero_factura,
        obligacion.fecha_vencimiento.strftime("%d/%m/%Y"),
        "$ 1.250.000",  # the debt
        "$ 200.000",  # intereses
        "$ 50.000",  # gastos
        "descuento (quita) de $ 250.000, equivalente al 20 % de la deuda",
        "con un abono inicial de $ 100.000 y en 3 cuotas mensuales",
        f"caso n.º {caso.id}",
        "Firma del deudor",
        f"C.C. {caso.deudor.numero_documento}",
        "Fecha: ______",
        "el acuerdo se considerará incumplido",
        "volverá a gestión de cobro",
        "dentro de los 5 días",
        "no es una comunicación de un juzgado",
    ):
        assert esperado in texto, esperado
    for amenaza in ("embargo", "demanda", "cárcel", "juzgado de", "reportado"):
        assert amenaza not in texto.lower()

    calendario = texto.split("3. Calendario de pagos", 1)[1].split("Total acordado", 1)[0]
    filas = re.findall(r"(Abono inicial|\d+) (\d\d/\d\d/\d{4}) \$ ([\d.]+)", calendario)
    assert filas == [
        ("Abono inicial", "01/07/2025", "100.000"),
        ("1", "01/08/2025", "300.000"),
        ("2", "01/09/2025", "300.000"),
        ("3", "01/10/2025", "300.000"),
    ]
    total = re.search(r"Total acordado \$ ([\d.]+)", texto).group(1)
    assert sum(_pesos(f[2]) for f in filas) == _pesos(total) == D("1000000")


def test_oferta_de_pronto_pago_con_fecha_limite(escenario):
    acreedor, agente, caso = escenario
    _con_componentes(caso)
    acuerdo = _pronto_pago(caso)
    carta = _generar(caso, agente, "acuerdo_pago", {"acuerdo_id": str(acuerdo.id)})
    assert carta.estado == "lista", carta.error
    assert carta.parametros == {"acuerdo_id": acuerdo.id}
    texto = _texto_pdf(carta)
    for esperado in (
        f"Oferta de descuento por pronto pago n.º {acuerdo.id}",
        "Si el deudor paga $ 900.000 en un solo pago a más tardar el 15/08/2025",
        "Oferta válida hasta el 15/08/2025",
        "la oferta vence",
        "Pago único 15/08/2025 $ 900.000",
        "descuento (quita) de $ 350.000, equivalente al 28 % de la deuda",
        "Total acordado $ 900.000",
    ):
        assert esperado in texto, esperado
    assert "Abono inicial" not in texto


def test_moneda_con_centavos_y_pesos_sin_decimales():
    assert documentos.dinero(D("1234567.00"), "CLP") == "$ 1.234.567"
    assert documentos.dinero(D("1234567.00"), "COP") == "$ 1.234.567"
    assert documentos.dinero(D("100"), "USD") == "US$ 100,00"
    assert documentos.dinero(D("1500.5"), "PEN") == "S/ 1.500,50"
    assert documentos.porcentaje(D("1"), D("3")) == "33,33 %"
    assert documentos.porcentaje(D("0"), D("0")) == "0 %"


def test_contexto_en_dolares_y_solo_datos_planos(crear_acreedor, crear_usuario, crear_caso):
    acreedor = crear_acreedor("USA", pais="US", moneda="USD")
    agente = crear_usuario("agente1")
    caso = _con_componentes(crear_caso(acreedor, agente=agente), "1000.50", "0", "0")
    acuerdo = _acuerdo(caso, quita=("0.50", "0", "0"), abono="0",
                       cuotas=((1, date(2025, 8, 1), "500"), (2, date(2025, 9, 1), "500")))
    carta = servicios.solicitar_carta(caso.id, "acuerdo_pago", agente.id,
                                      {"acuerdo_id": acuerdo.id})
    contexto = plantillas.contexto(carta, caso)
    datos = contexto["acuerdo"]
    assert [c["monto"] for c in datos["cuotas"]] == ["US$ 500,00", "US$ 500,00"]
    assert (datos["deuda"], datos["quita"], datos["total"]) == (
        "US$ 1.000,50", "US$ 0,50", "US$ 1.000,00")
    assert datos["quita_pct"] == "0,05 %"

    def planos(valor):
        if isinstance(valor, dict):
            return all(isinstance(k, str) and planos(v) for k, v in valor.items())
        if isinstance(valor, list):
            return all(planos(v) for v in valor)
        return valor is None or isinstance(valor, str | int | bool)

    assert planos(datos)


def test_regenerar_despues_de_pagos_muestra_la_deuda_acordada(escenario):
    """The obligaciones table shows the debt when the acuerdo was made, not today's saldo."""
    from agencia.pagos.modelos import ImputacionPago

    acreedor, agente, caso = escenario
    _con_componentes(caso)
    acuerdo = _acuerdo(caso)
    obligacion = caso.obligaciones[0]
    pago = Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=D("100000"),
                fecha=date(2025, 7, 1), referencia_bancaria="ABONO-1", moneda="COP")
    db.session.add(pago)
    db.session.flush()
    db.session.add(ImputacionPago(pago_id=pago.id, obligacion_id=obligacion.id,
                                  componente="gastos", monto=D("50000")))
    db.session.add(ImputacionPago(pago_id=pago.id, obligacion_id=obligacion.id,
                                  componente="intereses", monto=D("50000")))
    obligacion.saldo_gastos, obligacion.saldo_intereses = D("0"), D("150000")
    obligacion.saldo = caso.saldo = D("1150000")
    acuerdo.pagado = D("100000")
    db.session.commit()
    carta = servicios.solicitar_carta(caso.id, "acuerdo_pago", agente.id,
                                      {"acuerdo_id": acuerdo.id})
    fila = plantillas.contexto(carta, caso)["acuerdo"]["obligaciones"][0]
    assert (fila["capital"], fila["intereses"], fila["gastos"], fila["saldo"]) == (
        "$ 1.000.000", "$ 200.000", "$ 50.000", "$ 1.250.000")
    assert plantillas.contexto(carta, caso)["acuerdo"]["pagado"] == "$ 100.000"


def test_acuerdo_de_otro_caso_se_rechaza_sin_mostrar_sus_datos(
    escenario, crear_caso, crear_acreedor
):
    acreedor, agente, caso = escenario
    otro_caso = _con_componentes(crear_caso(acreedor, nombre="Otro Deudor Secreto"))
    ajeno = _acuerdo(otro_caso)
    otro_acreedor = crear_acreedor("OTRO")
    de_otro_acreedor = _acuerdo(_con_componentes(crear_caso(otro_acreedor, nombre="Ajeno Total")))
    for acuerdo_id in (ajeno.id, str(ajeno.id), de_otro_acreedor.id):
        with pytest.raises(servicios.ErrorCarta, match="no pertenece a este caso"):
            servicios.solicitar_carta(caso.id, "acuerdo_pago", agente.id,
                                      {"acuerdo_id": acuerdo_id})
    for parametros in (None, {}, {"acuerdo_id": "abc"}, {"acuerdo_id": True},
                       {"acuerdo_id": -1}, {"acuerdo_id": 999999},
                       {"acuerdo_id": "9" * 30}, {"acuerdo_id": 2**40}, {"acuerdo_id": "²"},
                       {"acuerdo_id": 1.0}):
        with pytest.raises(servicios.ErrorCarta, match="acuerdo"):
            servicios.solicitar_carta(caso.id, "acuerdo_pago", agente.id, parametros)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Carta)) == 0

    # A carta row that names another caso's acuerdo (not through solicitar_carta) fails at
    # generation: error, no file, no gestion, nothing of the other caso in the message.
    carta = Carta(acreedor_id=caso.acreedor_id, caso_id=caso.id, plantilla="acuerdo_pago",
                  parametros={"acuerdo_id": ajeno.id}, estado="pendiente", progreso=0)
    db.session.add(carta)
    db.session.commit()
    servicios.generar_carta(carta.id)
    db.session.commit()
    assert carta.estado == "error"
    assert "no pertenece a este caso" in carta.error
    assert "Otro Deudor" not in carta.error and otro_caso.deudor.numero_documento not in carta.error
    assert not servicios.ruta_archivo(carta).exists()
    assert _gestiones(caso.id) == 0


def test_acuerdo_no_aprobado_o_con_calendario_descuadrado_no_da_carta(escenario):
    acreedor, agente, caso = escenario
    _con_componentes(caso)
    rechazado = _acuerdo(caso, estado="rechazado")
    with pytest.raises(servicios.ErrorCarta, match="rechazado"):
        servicios.solicitar_carta(caso.id, "acuerdo_pago", agente.id,
                                  {"acuerdo_id": rechazado.id})
    pendiente = _acuerdo(caso, estado="pendiente_supervisor")
    carta = _generar(caso, agente, "acuerdo_pago", {"acuerdo_id": pendiente.id})
    assert carta.estado == "error" and "no está aprobado" in carta.error

    descuadrado = _acuerdo(caso, estado="vigente", cuotas=((1, date(2025, 8, 1), "999999"),),
                           abono="0")
    carta = _generar(caso, agente, "acuerdo_pago", {"acuerdo_id": descuadrado.id})
    assert carta.estado == "error" and "no suma el total acordado" in carta.error
    assert not servicios.ruta_archivo(carta).exists()


def test_deudor_con_script_sale_como_texto_en_el_pdf(crear_acreedor, crear_usuario, crear_caso):
    acreedor = crear_acreedor()
    agente = crear_usuario("agente1")
    nombre = '<script>alert("x")</script> Pérez & Cía'
    caso = _con_componentes(crear_caso(acreedor, agente=agente, nombre=nombre))
    acuerdo = _acuerdo(caso)
    carta = servicios.solicitar_carta(caso.id, "acuerdo_pago", agente.id,
                                      {"acuerdo_id": acuerdo.id})
    html = plantillas.renderizar("acuerdo_pago", plantillas.contexto(carta, caso))
    assert "<script>" not in html and "&lt;script&gt;" in html
    db.session.commit()
    servicios.generar_carta(carta.id)
    db.session.commit()
    assert carta.estado == "lista", carta.error
    assert nombre in _texto_pdf(carta)


@pytest.mark.parametrize("plantilla", ["acuerdo_pago", "paz_y_salvo"])
def test_generar_dos_veces_un_archivo_una_gestion(escenario, plantilla):
    acreedor, agente, caso = escenario
    _con_componentes(caso)
    parametros = {}
    if plantilla == "acuerdo_pago":
        parametros = {"acuerdo_id": _acuerdo(caso).id}
    else:
        _acuerdo(caso, estado="cumplido")
        _pagado(caso)
    carta = _generar(caso, agente, plantilla, parametros)
    assert carta.estado == "lista", carta.error
    ruta = servicios.ruta_archivo(carta)
    primera = ruta.stat().st_mtime_ns
    servicios.generar_carta(carta.id)
    db.session.commit()
    assert ruta.stat().st_mtime_ns == primera
    assert sorted(p.name for p in ruta.parent.iterdir()) == [ruta.name]
    assert _gestiones(caso.id) == 1
    assert plantilla in servicios.gestion_de(carta).nota


# --- paz y salvo ------------------------------------------------------------------------

def test_paz_y_salvo_de_un_caso_pagado_con_acuerdo(escenario):
    acreedor, agente, caso = escenario
    _con_componentes(caso)
    acuerdo = _acuerdo(caso, estado="cumplido")
    _pagado(caso)
    carta = _generar(caso, agente, "paz_y_salvo")
    assert carta.estado == "lista", carta.error
    assert carta.parametros == {}
    texto = _texto_pdf(carta)
    obligacion = caso.obligaciones[0]
    for esperado in (
        f"Certificado de paz y salvo n.º {carta.id}",
        "se encuentra a paz y salvo con Comercializadora Acme S.A.S.",
        "María Fernanda Gómez Rojas",
        caso.deudor.documento,
        obligacion.referencia,
        obligacion.numero_factura,
        "Total pagado $ 1.000.000",
        "Fecha del último pago 10/07/2025",
        f"acuerdo de pago n.º {acuerdo.id} $ 250.000 (20 %)",
        "Saldo pendiente $ 0",
        "Fecha de expedición",
    ):
        assert esperado in texto, esperado
    assert "999" not in texto  # the reversed payment


def test_paz_y_salvo_sin_acuerdo_no_menciona_descuento(escenario):
    acreedor, agente, caso = escenario
    _pagado(caso, pagos=(("2025-05-02", "1234567"),))
    carta = _generar(caso, agente, "paz_y_salvo")
    texto = _texto_pdf(carta)
    assert "Total pagado $ 1.234.567" in texto and "02/05/2025" in texto
    assert "Descuento" not in texto and "acuerdo de pago n.º" not in texto


def test_paz_y_salvo_se_rechaza_con_saldo_o_sin_pagar(escenario):
    acreedor, agente, caso = escenario
    with pytest.raises(servicios.ErrorCarta, match="El caso aún tiene saldo pendiente"):
        servicios.solicitar_carta(caso.id, "paz_y_salvo", agente.id)
    # Open with saldo 0 (not closed yet), or closed for another reason: refused too.
    caso.saldo = D("0")
    db.session.commit()
    with pytest.raises(servicios.ErrorCarta, match="solo se expide para casos en etapa Pagado"):
        servicios.solicitar_carta(caso.id, "paz_y_salvo", agente.id)
    caso.etapa = "devuelto"
    db.session.commit()
    with pytest.raises(servicios.ErrorCarta, match="Devuelto"):
        servicios.solicitar_carta(caso.id, "paz_y_salvo", agente.id)
    assert db.session.scalar(select(func.count()).select_from(Carta)) == 0


def test_paz_y_salvo_aunque_haya_disputa_o_no_contactar_y_las_demas_no(escenario):
    acreedor, agente, caso = escenario
    _pagado(caso)
    caso.en_disputa = True
    caso.deudor.no_contactar = True
    db.session.commit()
    assert servicios.solicitar_carta(caso.id, "paz_y_salvo", agente.id).plantilla == "paz_y_salvo"
    with pytest.raises(servicios.ErrorCarta, match="cerrado"):
        servicios.solicitar_carta(caso.id, "recordatorio_amistoso", agente.id)


def test_paz_y_salvo_pedido_y_luego_reabierto_falla_al_generar(escenario):
    acreedor, agente, caso = escenario
    _pagado(caso)
    carta = servicios.solicitar_carta(caso.id, "paz_y_salvo", agente.id)
    db.session.commit()
    # A payment reversed before the job ran: the caso owes again.
    caso.etapa, caso.saldo = "negociacion", D("500000")
    db.session.commit()
    servicios.generar_carta(carta.id)
    db.session.commit()
    assert carta.estado == "error" and "ya no está pagado" in carta.error
    assert not servicios.ruta_archivo(carta).exists()


# --- the caso page ----------------------------------------------------------------------

def test_panel_ofrece_botones_segun_el_caso(app, escenario):
    acreedor, agente, caso = escenario
    _con_componentes(caso)
    with app.test_request_context():
        html = render_template("cartas_web/panel_caso.html", caso=caso, cartas=[])
    assert '<option value="recordatorio_amistoso">' in html
    assert 'value="acuerdo_pago"' not in html and 'value="paz_y_salvo"' not in html

    acuerdo = _acuerdo(caso)
    caso.etapa = "acuerdo"
    db.session.commit()
    with app.test_request_context():
        html = render_template("cartas_web/panel_caso.html", caso=caso, cartas=[])
    assert f'name="acuerdo_id" value="{acuerdo.id}"' in html
    assert f"Regenerar carta del acuerdo n.º {acuerdo.id}" in html

    acuerdo.estado = "cumplido"
    _pagado(caso)
    with app.test_request_context():
        html = render_template("cartas_web/panel_caso.html", caso=caso, cartas=[])
    assert '<input type="hidden" name="plantilla" value="paz_y_salvo">' in html
    assert "Generar paz y salvo" in html
    assert "<select" not in html and "acuerdo_id" not in html


def test_rutas_paz_y_salvo_y_acuerdo_ajeno(cliente, escenario, crear_caso):
    acreedor, agente, caso = escenario
    otro = _con_componentes(crear_caso(acreedor, agente=agente, nombre="Otro"))
    ajeno = _acuerdo(otro)
    _con_componentes(caso)
    propio = _acuerdo(caso)
    ingresar(cliente, "agente1")
    token = token_csrf(cliente, f"/casos/{caso.id}")
    url = f"/casos/{caso.id}/cartas"

    respuesta = cliente.post(url, data={"plantilla": "acuerdo_pago", "acuerdo_id": ajeno.id,
                                        "csrf_token": token})
    assert respuesta.status_code == 400
    assert "no pertenece a este caso" in respuesta.get_data(as_text=True)
    respuesta = cliente.post(url, data={"plantilla": "acuerdo_pago", "acuerdo_id": "x",
                                        "csrf_token": token})
    assert respuesta.status_code == 400
    respuesta = cliente.post(url, data={"plantilla": "paz_y_salvo", "csrf_token": token})
    assert respuesta.status_code == 400
    assert "El caso aún tiene saldo pendiente" in respuesta.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Carta)) == 0

    respuesta = cliente.post(url, data={"plantilla": "acuerdo_pago", "acuerdo_id": propio.id,
                                        "csrf_token": token})
    assert respuesta.status_code == 302
    carta = db.session.scalars(select(Carta)).one()
    assert (carta.plantilla, carta.parametros) == ("acuerdo_pago", {"acuerdo_id": propio.id})

    pagina = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Generar paz y salvo" not in pagina

    propio.estado = "cumplido"
    _pagado(caso)
    pagina = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Generar paz y salvo" in pagina
    respuesta = cliente.post(url, data={"plantilla": "paz_y_salvo", "csrf_token": token})
    assert respuesta.status_code == 302
    assert db.session.scalars(
        select(Carta).where(Carta.plantilla == "paz_y_salvo")
    ).one().parametros == {}
