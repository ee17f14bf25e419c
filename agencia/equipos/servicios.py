"""Teams: create and edit them (admin), and the questions other features ask about them.

An agent works the casos of the acreedores of their teams (see agencia.tenencia); supervision
only hands a caso to an agent of a team of the caso's acreedor. Services flush and audit; the
request commits.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.equipos.modelos import Equipo, equipo_acreedor, equipo_agente
from agencia.errores import EntradaInvalida
from agencia.extensiones import db

MAXIMO_NOMBRE = 120


class EquipoInvalido(EntradaInvalida):
    """Bad team data: `campo` names the form field, `mensaje` says what is wrong."""


@dataclass
class DatosEquipo:
    nombre: str
    supervisor_id: int | None
    agente_ids: list[int]
    acreedor_ids: list[int]
    activo: bool = True


def _validar(datos: DatosEquipo, equipo_id: int | None = None) -> tuple:
    nombre = (datos.nombre or "").strip()
    if not nombre:
        raise EquipoInvalido("nombre", "Escriba el nombre del equipo.")
    if len(nombre) > MAXIMO_NOMBRE:
        raise EquipoInvalido("nombre", f"El nombre admite hasta {MAXIMO_NOMBRE} caracteres.")
    repetido = select(Equipo.id).where(func.lower(Equipo.nombre) == nombre.lower())
    if equipo_id is not None:
        repetido = repetido.where(Equipo.id != equipo_id)
    if db.session.execute(repetido).first():
        raise EquipoInvalido("nombre", f"Ya existe un equipo llamado «{nombre}».")
    supervisor = None
    if datos.supervisor_id is not None:
        supervisor = db.session.get(Usuario, datos.supervisor_id)
        if supervisor is None or supervisor.rol not in ("supervisor", "admin"):
            raise EquipoInvalido("supervisor_id", "Elija un supervisor de la lista.")
    agentes = _cargar(Usuario, datos.agente_ids, "agente_ids", "agentes")
    if any(a.rol != "agente" or not a.activo for a in agentes):
        raise EquipoInvalido("agente_ids", "Solo se agregan agentes activos al equipo.")
    acreedores = _cargar(Acreedor, datos.acreedor_ids, "acreedor_ids", "acreedores")
    return nombre, supervisor, agentes, acreedores


def _cargar(modelo, ids: list[int], campo: str, que: str) -> list:
    ids = sorted(set(ids or []))
    filas = list(db.session.scalars(select(modelo).where(modelo.id.in_(ids)))) if ids else []
    if len(filas) != len(ids):
        raise EquipoInvalido(campo, f"Elija {que} de la lista.")
    return filas


def _foto(equipo: Equipo) -> dict:
    return {
        "nombre": equipo.nombre,
        "supervisor_id": equipo.supervisor_id,
        "agente_ids": sorted(u.id for u in equipo.agentes),
        "acreedor_ids": sorted(a.id for a in equipo.acreedores),
        "activo": equipo.activo,
    }


def crear_equipo(datos: DatosEquipo, usuario_id: int | None = None) -> Equipo:
    nombre, supervisor, agentes, acreedores = _validar(datos)
    equipo = Equipo(nombre=nombre, supervisor=supervisor, activo=datos.activo)
    equipo.agentes = agentes
    equipo.acreedores = acreedores
    db.session.add(equipo)
    db.session.flush()
    registrar("equipo.crear", "equipo", equipo.id, despues=_foto(equipo), usuario_id=usuario_id)
    return equipo


def actualizar_equipo(equipo: Equipo, datos: DatosEquipo,
                      usuario_id: int | None = None) -> Equipo:
    nombre, supervisor, agentes, acreedores = _validar(datos, equipo.id)
    antes = _foto(equipo)
    equipo.nombre = nombre
    equipo.supervisor = supervisor
    equipo.agentes = agentes
    equipo.acreedores = acreedores
    equipo.activo = datos.activo
    db.session.flush()
    despues = _foto(equipo)
    if despues != antes:
        registrar("equipo.actualizar", "equipo", equipo.id, antes=antes, despues=despues,
                  usuario_id=usuario_id)
    return equipo


def equipos_con_conteos() -> list[tuple[Equipo, int, int]]:
    """Every team with its number of agents and acreedores, active first, by name."""
    agentes = (select(func.count()).where(equipo_agente.c.equipo_id == Equipo.id)
               .correlate(Equipo).scalar_subquery())
    acreedores = (select(func.count()).where(equipo_acreedor.c.equipo_id == Equipo.id)
                  .correlate(Equipo).scalar_subquery())
    stmt = select(Equipo, agentes, acreedores).order_by(Equipo.activo.desc(), Equipo.nombre)
    return [tuple(fila) for fila in db.session.execute(stmt)]


def agentes_de_acreedor(acreedor_id: int) -> set[int]:
    """Ids of the agents of the active teams of an acreedor: who may receive its casos."""
    stmt = (
        select(equipo_agente.c.usuario_id)
        .join(equipo_acreedor, equipo_acreedor.c.equipo_id == equipo_agente.c.equipo_id)
        .join(Equipo, Equipo.id == equipo_agente.c.equipo_id)
        .where(equipo_acreedor.c.acreedor_id == acreedor_id, Equipo.activo.is_(True))
    )
    return set(db.session.scalars(stmt))


def acreedores_por_agente(agente_ids) -> dict[int, set[int]]:
    """For each agent, the ids of the acreedores of their active teams."""
    resultado: dict[int, set[int]] = {a: set() for a in agente_ids}
    if not resultado:
        return resultado
    stmt = (
        select(equipo_agente.c.usuario_id, equipo_acreedor.c.acreedor_id)
        .join(equipo_acreedor, equipo_acreedor.c.equipo_id == equipo_agente.c.equipo_id)
        .join(Equipo, Equipo.id == equipo_agente.c.equipo_id)
        .where(equipo_agente.c.usuario_id.in_(list(resultado)), Equipo.activo.is_(True))
    )
    for agente_id, acreedor_id in db.session.execute(stmt):
        resultado[agente_id].add(acreedor_id)
    return resultado
