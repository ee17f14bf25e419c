"""The caso page's history: gestiones, promises, payments, stage changes and reassignments
on one list, newest first; open promises and payments panels."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from agencia.auditoria.servicios import registrar
from agencia.casos.etapas import cambiar_etapa
from agencia.casos.linea_tiempo import linea_de_tiempo
from agencia.casos.servicios import registrar_gestion
from agencia.extensiones import db
from agencia.pagos.servicios import registrar_pago
from agencia.promesas.servicios import crear_promesa, hoy_local
from tests.conftest import ingresar


def test_historial_mezcla_todo_en_orden(cliente, crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    ana = crear_usuario("ana", nombre="Ana Agente")
    beto = crear_usuario("beto", nombre="Beto Agente")
    sara = crear_usuario("sara", rol="supervisor", nombre="Sara Supervisora")
    caso = crear_caso(acme, ana, capitales=("300000",))
    hoy = hoy_local()
    t0 = datetime.now(UTC) - timedelta(hours=5)
    registrar_gestion(caso, ana.id, "llamada", "entrante", "titular_contactado",
                      "Pide unos días.", momento=t0)
    promesa = crear_promesa(caso, Decimal("100000"), hoy + timedelta(days=3), ana.id, hoy=hoy)
    promesa.creado_en = t0 + timedelta(hours=1)
    cambio = cambiar_etapa(caso, "negociacion", ana, momento=t0 + timedelta(hours=2))
    assert cambio is not None
    registrar("caso.reasignar", "caso", caso.id, acreedor_id=acme.id,
              antes={"agente_id": ana.id}, despues={"agente_id": beto.id,
                                                    "motivo": "Ana de vacaciones"},
              usuario_id=sara.id)
    registrar_pago(caso, Decimal("50000"), hoy, "pse", "PSE-123", ana.id)
    db.session.commit()

    eventos = linea_de_tiempo(caso.id)
    tipos = [e.tipo for e in eventos]
    assert set(tipos) == {"gestion", "promesa", "etapa", "reasignacion", "pago"}
    assert tipos[-3:] == ["etapa", "promesa", "gestion"]  # oldest last
    assert [e.momento for e in eventos] == sorted((e.momento for e in eventos), reverse=True)
    assert len(linea_de_tiempo(caso.id, limite=2)) == 2

    ingresar(cliente, "ana")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    for texto in ("Pide unos días.", "Promesa de pago para el", "Pendiente",
                  "Etapa: Prejurídico → Negociación", "Reasignado: Ana Agente → Beto Agente",
                  "Ana de vacaciones", "Referencia PSE-123", "$ 50.000", "Promesas abiertas",
                  "Registrar pago"):
        assert texto in html, texto
