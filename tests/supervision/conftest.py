"""Fixtures of the supervision tests: an app with the blueprint, and a small agency."""

from dataclasses import dataclass

import pytest

from agencia.equipos.modelos import Equipo
from agencia.extensiones import db


@dataclass
class Agencia:
    acme: object
    beta: object
    ana: object
    beto: object
    carla: object
    dani: object  # only in Beta's team
    supervisor: object


@pytest.fixture
def agencia(crear_acreedor, crear_usuario) -> Agencia:
    """ACME worked by Ana, Beto and Carla; Beta by Dani (and Carla)."""
    acme, beta = crear_acreedor("ACME"), crear_acreedor("BETA")
    ana = crear_usuario("ana", nombre="Ana Agente")
    beto = crear_usuario("beto", nombre="Beto Agente")
    carla = crear_usuario("carla", nombre="Carla Agente")
    dani = crear_usuario("dani", nombre="Dani Agente")
    supervisor = crear_usuario("sofia", rol="supervisor", nombre="Sofía Supervisora")
    crear_usuario("admin", rol="admin")
    crear_usuario("cliente-acme", rol="cliente", acreedor=acme)
    uno = Equipo(nombre="Equipo ACME", supervisor_id=supervisor.id)
    uno.agentes, uno.acreedores = [ana, beto, carla], [acme]
    dos = Equipo(nombre="Equipo Beta", supervisor_id=supervisor.id)
    dos.agentes, dos.acreedores = [dani, carla], [beta]
    db.session.add_all([uno, dos])
    db.session.commit()
    return Agencia(acme, beta, ana, beto, carla, dani, supervisor)
