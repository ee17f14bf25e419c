"""Imports every model so SQLAlchemy and Alembic see the whole schema."""

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos.modelos import Acuerdo, Cuota, Mandato
from agencia.api.modelos import TokenApi
from agencia.asignaciones.modelos import CargaCartera, LoteAsignacion
from agencia.auditoria.modelos import Auditoria, SelloAuditoria
from agencia.auth.modelos import Usuario
from agencia.bandejas.modelos import SesionTrabajo
from agencia.cartas.modelos import Carta, LoteCartas, PlantillaAcreedor
from agencia.casos.modelos import CambioEtapa, Caso, Gestion, Obligacion
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.deudores.modelos import Contacto, Deudor
from agencia.documentos.modelos import Documento
from agencia.equipos.modelos import Equipo
from agencia.estrategias.modelos import EjecucionPaso, Estrategia, PasoEstrategia
from agencia.honorarios.modelos import Honorario, TarifaHonorario
from agencia.juridico.modelos import (
    ActuacionJuridica,
    CostoJuridico,
    Expediente,
    ProcesoJuridico,
    ReglaRemision,
    Remision,
)
from agencia.mensajes.modelos import Mensaje
from agencia.metricas.modelos import (
    CalculoMetricas,
    MetaAgente,
    MetricaAcreedorDia,
    MetricaAgenteDia,
    MetricaCarteraDia,
    MetricaLote,
)
from agencia.pagos.modelos import AbonoCuota, ImputacionPago, LotePagos, Pago
from agencia.promesas.modelos import Promesa

__all__ = [
    "SelloAuditoria",
    "ActuacionJuridica",
    "CostoJuridico",
    "Expediente",
    "ProcesoJuridico",
    "ReglaRemision",
    "Remision",
    "CalculoMetricas",
    "MetaAgente",
    "MetricaAcreedorDia",
    "MetricaAgenteDia",
    "MetricaCarteraDia",
    "MetricaLote",
    "EjecucionPaso",
    "Estrategia",
    "PasoEstrategia",
    "LoteCartas",
    "Mensaje",
    "PlantillaAcreedor",
    "CargaCartera",
    "Documento",
    "TokenApi",
    "AbonoCuota",
    "Acuerdo",
    "Cuota",
    "Honorario",
    "ImputacionPago",
    "LotePagos",
    "Mandato",
    "TarifaHonorario",
    "CambioEtapa",
    "Equipo",
    "Pago",
    "Promesa",
    "SesionTrabajo",
    "Acreedor",
    "Auditoria",
    "Carta",
    "Caso",
    "Contacto",
    "Deudor",
    "Gestion",
    "LoteAsignacion",
    "Obligacion",
    "PoliticaAcreedor",
    "Usuario",
]
