"""An agency with one acreedor (COP), its agent, supervisor, admin and portal cliente, a
second acreedor with its own cliente, and a caso of 1.000.000 capital + 200.000 intereses."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from agencia.extensiones import db
from agencia.promesas.servicios import hoy_local
from tests.conftest import token_csrf


@pytest.fixture
def oficina(crear_acreedor, crear_usuario, crear_caso):
    acme, otro = crear_acreedor("ACME"), crear_acreedor("OTRO")
    ana = crear_usuario("ana")
    caso = crear_caso(acme, ana, capitales=("1000000",))
    obligacion = caso.obligaciones[0]
    obligacion.intereses = obligacion.saldo_intereses = Decimal("200000")
    obligacion.saldo = caso.saldo = Decimal("1200000")
    db.session.commit()
    return SimpleNamespace(
        acme=acme, otro=otro, ana=ana, caso=caso,
        beto=crear_usuario("beto"),
        supervisor=crear_usuario("sofia", rol="supervisor"),
        admin=crear_usuario("admin", rol="admin"),
        cliente=crear_usuario("cliente-acme", rol="cliente", acreedor=acme),
        cliente_otro=crear_usuario("cliente-otro", rol="cliente", acreedor=otro),
    )


def datos_plan(**cambios) -> dict:
    """A plan within the default mandate: no quita, 10 % down, 6 monthly cuotas."""
    return {"tipo": "plan", "quita_capital_pct": "0", "quita_intereses_pct": "0",
            "quita_gastos_pct": "0", "abono_inicial": "120.000", "numero_cuotas": "6",
            "frecuencia": "mensual",
            "primera_fecha": (hoy_local() + timedelta(days=1)).isoformat(),
            "fecha_limite": "", "nota": "", **cambios}


def proponer(cliente, caso_id: int, accion: str = "proponer", **cambios):
    datos = datos_plan(**cambios)
    datos.update(accion=accion, csrf_token=token_csrf(cliente, f"/casos/{caso_id}"))
    return cliente.post(f"/casos/{caso_id}/acuerdos", data=datos)


def decidir(cliente, url: str, motivo: str = "", pagina: str | None = None):
    token = token_csrf(cliente, pagina or url.rsplit("/", 1)[0])
    return cliente.post(url, data={"csrf_token": token, "motivo": motivo})
