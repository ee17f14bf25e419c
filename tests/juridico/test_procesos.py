"""Court tracking of a caso in jurídico: the proceso, actuaciones, costs, fees, outcomes, and
what the acreedor sees on the portal."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from agencia.auditoria.modelos import Auditoria
from agencia.casos.modelos import Caso, Gestion
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario, TarifaHonorario
from agencia.juridico import procesos as p
from agencia.juridico.modelos import ProcesoJuridico
from agencia.pagos.modelos import Pago
from agencia.tipos import ahora
from tests.conftest import ingresar, token_csrf


@pytest.fixture
def mundo(crear_acreedor, crear_usuario, crear_caso):
    a = crear_acreedor("AAA")
    b = crear_acreedor("BBB")
    gente = {
        "abogada": crear_usuario("abogada", rol="abogado", nombre="Laura Abogada"),
        "otro": crear_usuario("otro-abogado", rol="abogado", nombre="Otro Abogado"),
        "supervisor": crear_usuario("supervisor", rol="supervisor"),
        "agente": crear_usuario("agente"),
        "cliente_a": crear_usuario("cliente-a", rol="cliente", acreedor=a),
        "cliente_b": crear_usuario("cliente-b", rol="cliente", acreedor=b),
    }
    caso = crear_caso(a, gente["agente"], nombre="Deudor Judicial", etapa="juridico",
                      capitales=("500000",))
    return {"a": a, "b": b, "caso": caso, **gente}


def _manana_local() -> str:
    return (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT10:30")


def _datos(**extra):
    datos = {"tipo_proceso": "ejecutivo", "juzgado": "Juzgado 5 Civil Municipal de Bogotá",
             "radicado": "11001-4003-005-2026-00123-00", "proxima_audiencia": _manana_local()}
    datos.update(extra)
    return datos


# ---------------------------------------------------------------- services


def test_el_proceso_se_crea_al_primer_guardado(mundo):
    caso = mundo["caso"]
    assert p.proceso_de(caso) is None
    proceso = p.guardar_proceso(caso, _datos(abogado_id=str(mundo["abogada"].id)),
                                mundo["abogada"])
    db.session.commit()
    assert p.proceso_de(caso).id == proceso.id
    assert proceso.abogado_id == mundo["abogada"].id
    assert proceso.radicado == "11001-4003-005-2026-00123-00"
    assert proceso.proxima_audiencia.tzinfo is not None and proceso.proxima_audiencia > ahora()
    acciones = set(db.session.scalars(select(Auditoria.accion)))
    assert {"proceso.crear", "proceso.guardar"} <= acciones


def test_la_audiencia_local_se_guarda_en_utc(mundo):
    local = datetime.now() + timedelta(days=5)
    texto = local.strftime("%Y-%m-%dT09:00")
    proceso = p.guardar_proceso(mundo["caso"], _datos(proxima_audiencia=texto),
                                mundo["supervisor"])
    # Bogotá is UTC−5 all year: 09:00 local is 14:00 UTC.
    assert proceso.proxima_audiencia.hour == 14


def test_caso_fuera_de_juridico_no_tiene_proceso(mundo, crear_caso):
    otro = crear_caso(mundo["a"], etapa="negociacion")
    with pytest.raises(p.ProcesoInvalido, match="no está en etapa Jurídico"):
        p.guardar_proceso(otro, _datos(), mundo["supervisor"])


@pytest.mark.parametrize("datos, campo, texto", [
    ({"radicado": "11001/2026*1"}, "radicado", "solo números, letras, guiones"),
    ({"radicado": "1" * 61}, "radicado", "hasta 60"),
    ({"proxima_audiencia": "2020-01-01T10:00"}, "proxima_audiencia", "no puede estar en el pasado"),
    ({"proxima_audiencia": "mañana"}, "proxima_audiencia", "escriba la fecha y la hora"),
    ({"tipo_proceso": "penal"}, "tipo_proceso", "tipo de proceso"),
    ({"firma_externa": "Bufete Ruiz", "abogado_id": "ABOGADA"}, "firma_externa", "no a ambos"),
])
def test_datos_invalidos_del_proceso(mundo, datos, campo, texto):
    if datos.get("abogado_id") == "ABOGADA":
        datos["abogado_id"] = str(mundo["abogada"].id)
    with pytest.raises(p.ProcesoInvalido) as error:
        p.guardar_proceso(mundo["caso"], _datos(**datos), mundo["supervisor"])
    assert error.value.campo == campo
    assert texto in error.value.mensaje


def test_el_abogado_asignado_debe_ser_abogado(mundo):
    with pytest.raises(p.ProcesoInvalido, match="abogado activo"):
        p.guardar_proceso(mundo["caso"], _datos(abogado_id=str(mundo["agente"].id)),
                          mundo["supervisor"])


def test_el_abogado_no_asigna_a_otro_ni_edita_el_de_otro(mundo):
    with pytest.raises(p.ProcesoInvalido, match="Solo un supervisor"):
        p.guardar_proceso(mundo["caso"], _datos(abogado_id=str(mundo["otro"].id)),
                          mundo["abogada"])
    db.session.rollback()
    p.guardar_proceso(mundo["caso"], _datos(abogado_id=str(mundo["otro"].id)),
                      mundo["supervisor"])
    db.session.commit()
    with pytest.raises(p.ProcesoInvalido, match="a cargo de Otro Abogado"):
        p.guardar_proceso(mundo["caso"], _datos(), mundo["abogada"])


def _proceso(mundo) -> ProcesoJuridico:
    proceso = p.guardar_proceso(mundo["caso"], _datos(abogado_id=str(mundo["abogada"].id)),
                                mundo["abogada"])
    db.session.commit()
    return proceso


def test_actuaciones_y_costos(mundo):
    proceso = _proceso(mundo)
    hoy = date.today()
    p.registrar_actuacion(proceso, hoy.isoformat(), "demanda", "Radicación de la demanda ejecutiva",
                          mundo["abogada"])
    p.registrar_costo(proceso, hoy, "Arancel judicial", "150000", mundo["abogada"])
    p.registrar_costo(proceso, hoy, "Notificación", Decimal("25000"), mundo["abogada"])
    db.session.commit()
    assert [a.tipo for a in proceso.actuaciones] == ["demanda"]
    assert p.cifras(mundo["caso"], proceso).costos == Decimal("175000")
    assert all(c.moneda == "COP" for c in proceso.costos)


@pytest.mark.parametrize("fecha, tipo, texto", [
    ((date.today() + timedelta(days=2)).isoformat(), "demanda", "no puede ser una fecha futura"),
    ("31/02/2026", "demanda", "fecha válida"),
    (date.today().isoformat(), "apelacion_imaginaria", "tipo de actuación"),
])
def test_actuacion_invalida(mundo, fecha, tipo, texto):
    proceso = _proceso(mundo)
    with pytest.raises(p.ProcesoInvalido, match=texto):
        p.registrar_actuacion(proceso, fecha, tipo, "", mundo["abogada"])


@pytest.mark.parametrize("monto, texto", [
    ("-5000", "mayor que cero"), ("0", "mayor que cero"), ("1500.50", "sin centavos"),
    ("mucho", "escriba un número"),
])
def test_costo_invalido(mundo, monto, texto):
    proceso = _proceso(mundo)
    with pytest.raises(p.ProcesoInvalido, match=texto) as error:
        p.registrar_costo(proceso, date.today(), "Arancel", monto, mundo["abogada"])
    assert error.value.campo == "monto"


def test_costo_con_centavos_en_dolares(crear_acreedor, crear_usuario, crear_caso):
    usd = crear_acreedor("USD", moneda="USD", pais="US")
    abogado = crear_usuario("abogado", rol="abogado")
    caso = crear_caso(usd, etapa="juridico")
    proceso = p.guardar_proceso(caso, {"radicado": "A-1"}, abogado)
    costo = p.registrar_costo(proceso, date.today(), "Filing fee", "120.50", abogado)
    assert costo.monto == Decimal("120.50") and costo.moneda == "USD"
    with pytest.raises(p.ProcesoInvalido, match="con hasta dos decimales"):
        p.registrar_costo(proceso, date.today(), "Filing fee", "1.005", abogado)


def test_honorarios_en_juridico_y_tarifa(mundo):
    caso, a = mundo["caso"], mundo["a"]
    db.session.add(TarifaHonorario(acreedor_id=a.id, etapa="juridico", porcentaje=Decimal("20")))
    for n, (etapa, monto) in enumerate([("juridico", "20000"), ("negociacion", "9000")]):
        pago = Pago(acreedor_id=a.id, caso_id=caso.id, monto=Decimal("100000"),
                    fecha=date.today(), referencia_bancaria=f"REF-{n}", moneda="COP")
        db.session.add(pago)
        db.session.flush()
        db.session.add(Honorario(acreedor_id=a.id, caso_id=caso.id, pago_id=pago.id,
                                 etapa=etapa, base=Decimal("100000"), porcentaje=Decimal("20"),
                                 monto=Decimal(monto), moneda="COP", fecha=date.today()))
    db.session.commit()
    cifras = p.cifras(caso, None)
    assert cifras.honorarios == Decimal("20000")
    assert cifras.tarifa == Decimal("20")


# ---------------------------------------------------------------- outcomes


def _plan_judicial() -> dict:
    return {"numero_cuotas": "5", "frecuencia": "mensual",
            "primera_fecha": (p.hoy_local() + timedelta(days=10)).isoformat()}


def test_acuerdo_judicial_pasa_el_caso_a_acuerdo(mundo):
    proceso = _proceso(mundo)
    p.cerrar_proceso(proceso, "acuerdo_judicial", "Conciliación aprobada por el juzgado",
                     mundo["abogada"], _plan_judicial())
    db.session.commit()
    assert db.session.get(Caso, mundo["caso"].id).etapa == "acuerdo"
    assert proceso.estado == "terminado" and proceso.resultado == "acuerdo_judicial"
    assert proceso.cerrado_en is not None
    with pytest.raises(p.ProcesoInvalido, match="terminado"):
        p.registrar_actuacion(proceso, date.today(), "otro", "", mundo["abogada"])


def test_incobrable_pasa_el_caso_a_incobrable(mundo):
    proceso = _proceso(mundo)
    p.cerrar_proceso(proceso, "incobrable", "Deudor insolvente según sentencia",
                     mundo["abogada"])
    db.session.commit()
    assert db.session.get(Caso, mundo["caso"].id).etapa == "incobrable"


def test_pagado_por_supervisor_pasa_el_caso_a_pagado(mundo):
    proceso = _proceso(mundo)
    p.cerrar_proceso(proceso, "pagado", "Pago total por embargo de cuentas", mundo["supervisor"])
    db.session.commit()
    assert db.session.get(Caso, mundo["caso"].id).etapa == "pagado"


def test_pagado_por_abogado_solo_con_saldo_en_cero(mundo):
    proceso = _proceso(mundo)
    with pytest.raises(p.ProcesoInvalido, match="aún tiene saldo"):
        p.cerrar_proceso(proceso, "pagado", "El deudor pagó en el juzgado", mundo["abogada"])
    db.session.rollback()
    assert db.session.get(ProcesoJuridico, proceso.id).estado == "en_curso"
    caso = db.session.get(Caso, mundo["caso"].id)
    caso.saldo = Decimal("0")
    db.session.commit()
    p.cerrar_proceso(proceso, "pagado", "El deudor pagó en el juzgado", mundo["abogada"])
    db.session.commit()
    caso = db.session.get(Caso, mundo["caso"].id)
    assert caso.etapa == "pagado"
    from agencia.casos.modelos import CambioEtapa
    cambio = db.session.scalars(select(CambioEtapa).where(CambioEtapa.caso_id == caso.id)).one()
    assert cambio.usuario_id is None and "Laura Abogada" in cambio.motivo


def test_cerrar_exige_motivo_y_resultado(mundo):
    proceso = _proceso(mundo)
    with pytest.raises(p.ProcesoInvalido, match="motivo"):
        p.cerrar_proceso(proceso, "incobrable", "corto", mundo["abogada"])
    with pytest.raises(p.ProcesoInvalido, match="Elija el resultado"):
        p.cerrar_proceso(proceso, "ganado", "Un motivo suficientemente largo", mundo["abogada"])


# ---------------------------------------------------------------- routes: the caso page panel


def _post(cliente, url, datos, pagina):
    return cliente.post(url, data={**datos, "csrf_token": token_csrf(cliente, pagina)})


def test_el_abogado_registra_todo_desde_la_pagina_del_caso(cliente, mundo):
    caso = mundo["caso"]
    pagina = f"/casos/{caso.id}"
    ingresar(cliente, "abogada")
    html = cliente.get(pagina).get_data(as_text=True)
    assert "Proceso jurídico" in html and "Registrar el proceso" in html
    r = _post(cliente, f"/juridico/casos/{caso.id}/proceso",
              _datos(abogado_id=str(mundo["abogada"].id)), pagina)
    assert r.status_code == 302
    proceso = db.session.scalars(select(ProcesoJuridico)).one()
    r = _post(cliente, f"/juridico/procesos/{proceso.id}/actuaciones",
              {"fecha": date.today().isoformat(), "tipo": "mandamiento",
               "descripcion": "Auto libra mandamiento de pago"}, pagina)
    assert r.status_code == 302
    r = _post(cliente, f"/juridico/procesos/{proceso.id}/costos",
              {"fecha": date.today().isoformat(), "concepto": "Arancel judicial",
               "monto": "150000"}, pagina)
    assert r.status_code == 302
    html = cliente.get(pagina).get_data(as_text=True)
    assert "11001-4003-005-2026-00123-00" in html
    assert "Auto libra mandamiento de pago" in html and "Mandamiento de pago" in html
    assert "Arancel judicial" in html and "$ 150.000" in html
    assert "Laura Abogada" in html


@pytest.mark.parametrize("datos, texto", [
    ({"radicado": "RAD#1"}, "solo números, letras, guiones"),
    ({"proxima_audiencia": "2020-01-01T10:00"}, "no puede estar en el pasado"),
])
def test_datos_invalidos_dan_400_con_mensaje_y_no_guardan(cliente, mundo, datos, texto):
    caso = mundo["caso"]
    ingresar(cliente, "abogada")
    r = _post(cliente, f"/juridico/casos/{caso.id}/proceso", _datos(**datos), f"/casos/{caso.id}")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert texto in html
    assert "Juzgado 5 Civil Municipal de Bogotá" in html  # what was typed comes back
    assert db.session.scalars(select(ProcesoJuridico)).first() is None


def test_costo_negativo_por_la_ruta_da_400(cliente, mundo):
    proceso = _proceso(mundo)
    ingresar(cliente, "abogada")
    r = _post(cliente, f"/juridico/procesos/{proceso.id}/costos",
              {"fecha": date.today().isoformat(), "concepto": "Arancel", "monto": "-100"},
              f"/casos/{mundo['caso'].id}")
    assert r.status_code == 400 and "mayor que cero" in r.get_data(as_text=True)
    assert proceso.costos == []


@pytest.mark.parametrize("resultado, etapa", [
    ("acuerdo_judicial", "acuerdo"), ("incobrable", "incobrable"), ("pagado", "pagado")])
def test_cerrar_por_la_ruta_mueve_la_etapa(cliente, mundo, resultado, etapa):
    proceso = _proceso(mundo)
    ingresar(cliente, "supervisor")
    r = _post(cliente, f"/juridico/procesos/{proceso.id}/cerrar",
              {"resultado": resultado, "motivo": "Terminación del proceso ejecutivo",
               **_plan_judicial()},
              f"/casos/{mundo['caso'].id}")
    assert r.status_code == 302
    assert db.session.get(Caso, mundo["caso"].id).etapa == etapa
    html = cliente.get(f"/casos/{mundo['caso'].id}").get_data(as_text=True)
    assert "Terminado:" in html


def test_abogado_no_marca_pagado_con_saldo_400(cliente, mundo):
    proceso = _proceso(mundo)
    ingresar(cliente, "abogada")
    r = _post(cliente, f"/juridico/procesos/{proceso.id}/cerrar",
              {"resultado": "pagado", "motivo": "El deudor pagó en el juzgado"},
              f"/casos/{mundo['caso'].id}")
    assert r.status_code == 400 and "aún tiene saldo" in r.get_data(as_text=True)
    assert db.session.get(Caso, mundo["caso"].id).etapa == "juridico"
    assert db.session.get(ProcesoJuridico, proceso.id).estado == "en_curso"


def test_agente_ve_el_panel_sin_formularios_y_no_puede_escribir(cliente, mundo):
    proceso = _proceso(mundo)
    ingresar(cliente, "agente")
    html = cliente.get(f"/casos/{mundo['caso'].id}").get_data(as_text=True)
    assert "Proceso jurídico" in html and "Registrar actuación" not in html
    r = _post(cliente, f"/juridico/procesos/{proceso.id}/actuaciones",
              {"fecha": date.today().isoformat(), "tipo": "otro"}, "/mi-dia")
    assert r.status_code == 403


def test_panel_oculto_fuera_de_juridico_sin_proceso(cliente, mundo, crear_caso):
    otro = crear_caso(mundo["a"], etapa="negociacion")
    ingresar(cliente, "supervisor")
    assert "Proceso jurídico" not in cliente.get(f"/casos/{otro.id}").get_data(as_text=True)


# ---------------------------------------------------------------- portal


def test_el_portal_muestra_el_estado_juridico_sin_notas_internas(cliente, mundo):
    proceso = _proceso(mundo)
    p.registrar_actuacion(proceso, date.today(), "demanda", "Demanda radicada en reparto",
                          mundo["abogada"])
    p.registrar_costo(proceso, date.today(), "Arancel judicial", "80000", mundo["abogada"])
    db.session.add(Gestion(caso_id=mundo["caso"].id, usuario_id=mundo["agente"].id,
                           canal="llamada", direccion="saliente", resultado="negativa",
                           nota="NOTA-INTERNA-SECRETA"))
    db.session.commit()
    ingresar(cliente, "cliente-a")
    html = cliente.get(f"/portal/casos/{mundo['caso'].id}").get_data(as_text=True)
    assert "Proceso jurídico" in html
    assert "Juzgado 5 Civil Municipal de Bogotá" in html
    assert "11001-4003-005-2026-00123-00" in html
    assert "Demanda radicada en reparto" in html and "$ 80.000" in html
    assert "Abogado de la agencia" in html and "Laura Abogada" not in html
    assert "NOTA-INTERNA-SECRETA" not in html


def test_el_portal_muestra_el_resultado_y_la_firma(cliente, mundo):
    proceso = p.guardar_proceso(mundo["caso"], _datos(firma_externa="Bufete Ruiz & Asociados"),
                                mundo["supervisor"])
    p.cerrar_proceso(proceso, "incobrable", "Sentencia desfavorable ejecutoriada",
                     mundo["supervisor"])
    db.session.commit()
    ingresar(cliente, "cliente-a")
    html = cliente.get(f"/portal/casos/{mundo['caso'].id}").get_data(as_text=True)
    assert "Terminado: Incobrable" in html and "Bufete Ruiz &amp; Asociados" in html


def test_cliente_de_otro_acreedor_no_ve_el_proceso(cliente, mundo):
    _proceso(mundo)
    ingresar(cliente, "cliente-b")
    assert cliente.get(f"/portal/casos/{mundo['caso'].id}").status_code == 404


def test_cliente_no_alcanza_las_rutas_juridicas(cliente, mundo):
    proceso = _proceso(mundo)
    ingresar(cliente, "cliente-a")
    token = token_csrf(cliente, "/portal/")
    assert cliente.get("/juridico/").status_code == 404
    r = cliente.post(f"/juridico/procesos/{proceso.id}/costos",
                     data={"csrf_token": token, "fecha": date.today().isoformat(),
                           "concepto": "x", "monto": "1"})
    assert r.status_code == 404
