"""The supervisor's dashboard and the agent's own page, read from the daily rollups.

`leer_filtros` validates the query string (dates, acreedor, team, agent, order) into a
`FiltroTablero` or raises `FiltroInvalido` with a Spanish message. The other functions read
`MetricaAgenteDia` / `MetricaAcreedorDia` with a handful of grouped queries, never the raw
history. Money is kept per currency (an acreedor has one): sums never mix currencies.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.bandejas.servicios import inicio_del_dia, zona_agencia
from agencia.casos.modelos import Gestion
from agencia.equipos.modelos import Equipo
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.metricas.modelos import (
    RESULTADOS_TITULAR,
    MetaAgente,
    MetricaAcreedorDia,
    MetricaAgenteDia,
)
from agencia.promesas.modelos import Promesa
from agencia.tipos import entero_de_texto

DIAS_POR_DEFECTO = 30
DIAS_MAXIMOS = 366
# Working days for goals: Monday to Friday (date.weekday() < 5).
DIAS_LABORABLES = 5
# Goals when no MetaAgente row exists (the model's defaults).
METAS_DEFECTO = {"gestiones_dia": 60, "contactos_dia": 15, "promesas_dia": 5}
CAMPOS_META = {"gestiones_dia": "Gestiones por día", "contactos_dia": "Contactos por día",
               "promesas_dia": "Promesas por día"}
META_MAXIMA = 1000
# orden value -> (label, key of a row in `agentes()`); names sort up, numbers down.
ORDENES = {
    "nombre": "Agente",
    "gestiones": "Gestiones",
    "contactos": "Contactos titular",
    "tasa_contacto": "Tasa de contacto",
    "casos": "Casos trabajados",
    "promesas": "Promesas",
    "cumplimiento": "Tasa de cumplimiento",
    "horas": "Horas trabajadas",
    "avance": "Avance de la meta",
}


class FiltroInvalido(EntradaInvalida):
    """A dashboard filter the page cannot use."""


@dataclass(frozen=True)
class FiltroTablero:
    desde: date
    hasta: date
    acreedor_id: int | None = None
    equipo_id: int | None = None
    agente_id: int | None = None
    orden: str = "nombre"

    def como_parametros(self) -> dict[str, str]:
        """The filter as query-string values (links, exports, the drill-down)."""
        valores = {k: v for k, v in asdict(self).items() if v is not None}
        return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in valores.items()}

    @property
    def dias(self) -> list[date]:
        return [self.desde + timedelta(days=n) for n in range((self.hasta - self.desde).days + 1)]


def hoy_local() -> date:
    return inicio_del_dia().date()


def _fecha(valor: str, campo: str, rotulo: str) -> date | None:
    if not valor:
        return None
    try:
        return date.fromisoformat(valor)
    except ValueError:
        raise FiltroInvalido(campo, f"{rotulo}: escriba una fecha válida (aaaa-mm-dd), "
                                    f"recibido «{valor}».") from None


def _id(valor: str, campo: str, modelo, mensaje: str, condicion=None) -> int | None:
    if not valor:
        return None
    numero = entero_de_texto(valor)
    fila = db.session.get(modelo, numero) if numero is not None else None
    if fila is None or (condicion is not None and not condicion(fila)):
        raise FiltroInvalido(campo, mensaje)
    return fila.id


def leer_filtros(valores: Mapping, hoy: date | None = None) -> FiltroTablero:
    """Validates the dashboard filter; the period defaults to the last 30 days."""
    def texto(nombre):
        return (valores.get(nombre) or "").strip()

    hoy = hoy or hoy_local()
    hasta = _fecha(texto("hasta"), "hasta", "Hasta") or hoy
    desde = _fecha(texto("desde"), "desde", "Desde") or hasta - timedelta(days=DIAS_POR_DEFECTO - 1)
    if desde > hasta:
        raise FiltroInvalido("desde", "La fecha «desde» no puede ser posterior a «hasta».")
    if (hasta - desde).days + 1 > DIAS_MAXIMOS:
        raise FiltroInvalido("desde", f"El periodo no puede pasar de {DIAS_MAXIMOS} días.")
    orden = texto("orden") or "nombre"
    if orden not in ORDENES:
        raise FiltroInvalido("orden", f"No se puede ordenar por «{orden}». Elija una columna "
                                      "de la tabla.")
    return FiltroTablero(
        desde=desde, hasta=hasta, orden=orden,
        acreedor_id=_id(texto("acreedor_id"), "acreedor_id", Acreedor,
                        "El acreedor elegido no existe."),
        equipo_id=_id(texto("equipo_id"), "equipo_id", Equipo, "El equipo elegido no existe."),
        agente_id=_id(texto("agente_id"), "agente_id", Usuario, "El agente elegido no existe.",
                      lambda u: not u.es_cliente),
    )


def dias_laborables(desde: date, hasta: date) -> int:
    return sum(1 for n in range((hasta - desde).days + 1)
               if (desde + timedelta(days=n)).weekday() < DIAS_LABORABLES)


# ---- goals -----------------------------------------------------------------------------------

def metas_de(usuario_id: int | None) -> dict[str, int]:
    """The agent's own goals, else the agency's default row, else METAS_DEFECTO."""
    filas = {m.usuario_id: m for m in db.session.scalars(
        select(MetaAgente).where(MetaAgente.usuario_id.is_(None)
                                 | (MetaAgente.usuario_id == usuario_id)))}
    meta = filas.get(usuario_id) or filas.get(None)
    return {c: getattr(meta, c) for c in CAMPOS_META} if meta else dict(METAS_DEFECTO)


def todas_las_metas() -> tuple[dict[str, int], dict[int, MetaAgente]]:
    """The default goals and the per-agent overrides (usuario_id -> row)."""
    filas = list(db.session.scalars(select(MetaAgente)))
    defecto = next((m for m in filas if m.usuario_id is None), None)
    return ({c: getattr(defecto, c) for c in CAMPOS_META} if defecto else dict(METAS_DEFECTO),
            {m.usuario_id: m for m in filas if m.usuario_id is not None})


def _meta_valida(valores: Mapping, prefijo: str, rotulo: str) -> dict[str, int]:
    metas = {}
    for campo, nombre in CAMPOS_META.items():
        valor = (valores.get(prefijo + campo) or "").strip()
        if entero_de_texto(valor) is None or int(valor) > META_MAXIMA:
            raise FiltroInvalido(prefijo + campo, f"{rotulo}, {nombre.lower()}: escriba un número "
                                                  f"entero de 0 a {META_MAXIMA} (recibido «{valor}»).")
        metas[campo] = int(valor)
    return metas


def guardar_metas(valores: Mapping, agentes: list[Usuario], editor_id: int) -> int:
    """Saves the default goals (fields `gestiones_dia`...) and each agent's override
    (`a<id>_gestiones_dia`..., all empty: no override). Validates everything before writing
    anything; audits each change. Returns how many rows changed."""
    nuevos: dict[int | None, dict | None] = {None: _meta_valida(valores, "", "Meta por defecto")}
    for agente in agentes:
        prefijo = f"a{agente.id}_"
        if all(not (valores.get(prefijo + c) or "").strip() for c in CAMPOS_META):
            nuevos[agente.id] = None
        else:
            nuevos[agente.id] = _meta_valida(valores, prefijo, agente.nombre)
    actuales = {m.usuario_id: m for m in db.session.scalars(select(MetaAgente))}
    cambios = 0
    for usuario_id, metas in nuevos.items():
        fila = actuales.get(usuario_id)
        antes = {c: getattr(fila, c) for c in CAMPOS_META} if fila else None
        if metas == antes:
            continue
        if metas is None:
            db.session.delete(fila)
        elif fila is None:
            fila = MetaAgente(usuario_id=usuario_id, actualizado_por=editor_id, **metas)
            db.session.add(fila)
        else:
            for campo, valor in metas.items():
                setattr(fila, campo, valor)
            fila.actualizado_por = editor_id
        db.session.flush()
        registrar("metas.actualizadas", "meta_agente", fila.id if fila else None,
                  antes={"usuario_id": usuario_id, **(antes or {})},
                  despues={"usuario_id": usuario_id, **(metas or {})})
        cambios += 1
    return cambios


# ---- the agents side by side -----------------------------------------------------------------

@dataclass
class FilaAgente:
    usuario_id: int
    nombre: str
    gestiones: int = 0
    contactos: int = 0
    casos: int = 0
    promesas: int = 0
    vencidas: int = 0
    cumplidas: int = 0
    segundos: int = 0
    prometido: dict[str, Decimal] = field(default_factory=dict)
    recuperado: dict[str, Decimal] = field(default_factory=dict)
    metas: dict[str, int] = field(default_factory=dict)  # goal × working days of the period

    @property
    def tasa_contacto(self) -> float:
        return round(100 * self.contactos / self.gestiones, 1) if self.gestiones else 0.0

    @property
    def cumplimiento(self) -> float:
        return round(100 * self.cumplidas / self.vencidas, 1) if self.vencidas else 0.0

    @property
    def horas(self) -> float:
        return round(self.segundos / 3600, 1)

    @property
    def avance(self) -> int:
        """Gestiones against the period's goal, in percent (may pass 100)."""
        meta = self.metas.get("gestiones_dia", 0)
        return round(100 * self.gestiones / meta) if meta else 0


def _condiciones_agente(filtro: FiltroTablero) -> list:
    condiciones = [MetricaAgenteDia.fecha >= filtro.desde, MetricaAgenteDia.fecha <= filtro.hasta]
    if filtro.acreedor_id is not None:
        condiciones.append(MetricaAgenteDia.acreedor_id == filtro.acreedor_id)
    ids = ids_de_agentes(filtro)
    if ids is not None:
        condiciones.append(MetricaAgenteDia.usuario_id.in_(ids))
    return condiciones


def ids_de_agentes(filtro: FiltroTablero) -> set[int] | None:
    """The agents the team/agent filter allows (None: anyone)."""
    ids = None
    if filtro.equipo_id is not None:
        ids = {u.id for u in db.session.get(Equipo, filtro.equipo_id).agentes}
    if filtro.agente_id is not None:
        ids = {filtro.agente_id} & ids if ids is not None else {filtro.agente_id}
    return ids


def agentes(filtro: FiltroTablero) -> list[FilaAgente]:
    """One row per agent: every active agent the filter allows (even with no activity) and
    anyone with rows in the period, sorted by `filtro.orden`."""
    m = MetricaAgenteDia
    filas = db.session.execute(
        select(m.usuario_id, Acreedor.moneda, func.sum(m.gestiones), func.sum(m.contactos_titular),
               func.sum(m.casos_trabajados), func.sum(m.promesas), func.sum(m.monto_prometido),
               func.sum(m.promesas_vencidas), func.sum(m.promesas_cumplidas),
               func.sum(m.recuperado), func.sum(m.segundos_trabajados))
        .join(Acreedor, Acreedor.id == m.acreedor_id)
        .where(*_condiciones_agente(filtro))
        .group_by(m.usuario_id, Acreedor.moneda)
    ).all()
    ids = ids_de_agentes(filtro)
    activos = select(Usuario.id).where(Usuario.rol == "agente", Usuario.activo.is_(True))
    if ids is not None:
        activos = activos.where(Usuario.id.in_(ids))
    usuarios = set(db.session.scalars(activos)) | {f[0] for f in filas}
    nombres = dict(db.session.execute(
        select(Usuario.id, Usuario.nombre).where(Usuario.id.in_(usuarios))).all()) if usuarios else {}
    por_id = {u: FilaAgente(u, nombres.get(u, f"Usuario {u}")) for u in usuarios}
    for (usuario_id, moneda, gestiones, contactos, casos, promesas, prometido, vencidas,
         cumplidas, recuperado, segundos) in filas:
        fila = por_id[usuario_id]
        fila.gestiones += int(gestiones or 0)
        fila.contactos += int(contactos or 0)
        fila.casos += int(casos or 0)
        fila.promesas += int(promesas or 0)
        fila.vencidas += int(vencidas or 0)
        fila.cumplidas += int(cumplidas or 0)
        fila.segundos += int(segundos or 0)
        fila.prometido[moneda] = fila.prometido.get(moneda, Decimal(0)) + Decimal(prometido or 0)
        fila.recuperado[moneda] = fila.recuperado.get(moneda, Decimal(0)) + Decimal(recuperado or 0)
    laborables = dias_laborables(filtro.desde, filtro.hasta)
    defecto, propias = todas_las_metas()
    for fila in por_id.values():
        propia = propias.get(fila.usuario_id)
        diarias = {c: getattr(propia, c) for c in CAMPOS_META} if propia else defecto
        fila.metas = {c: v * laborables for c, v in diarias.items()}
    por_nombre = sorted(por_id.values(), key=lambda f: f.nombre.lower())
    if filtro.orden == "nombre":
        return por_nombre
    return sorted(por_nombre, key=lambda f: getattr(f, filtro.orden), reverse=True)


def monedas(filas: list[FilaAgente]) -> list[str]:
    return sorted({mon for f in filas for mon in (*f.prometido, *f.recuperado)})


# ---- trends ----------------------------------------------------------------------------------

def tendencia(filtro: FiltroTablero) -> dict:
    """Per day of the period: gestiones (total and per acreedor) and recuperado per currency
    (total and per acreedor), from the agents' rows the filter allows. Days without rows are 0.

    Returns {"dias", "gestiones": [..], "recuperado": {moneda: [..]}, "acreedores":
    [{"id", "nombre", "moneda", "gestiones": [..], "recuperado": [..]}]} (per acreedor only
    when no acreedor is chosen)."""
    m = MetricaAgenteDia
    filas = db.session.execute(
        select(m.fecha, m.acreedor_id, func.sum(m.gestiones), func.sum(m.recuperado))
        .where(*_condiciones_agente(filtro)).group_by(m.fecha, m.acreedor_id)
    ).all()
    dias = filtro.dias
    posicion = {d: i for i, d in enumerate(dias)}
    datos_acreedores = {a.id: a for a in db.session.scalars(
        select(Acreedor).where(Acreedor.id.in_({f[1] for f in filas})))} if filas else {}
    gestiones = [0] * len(dias)
    recuperado: dict[str, list[Decimal]] = {}
    por_acreedor: dict[int, dict] = {}
    for fecha, acreedor_id, n, monto in filas:
        i, acreedor = posicion[fecha], datos_acreedores[acreedor_id]
        monto = Decimal(monto or 0)
        gestiones[i] += int(n or 0)
        recuperado.setdefault(acreedor.moneda, [Decimal(0)] * len(dias))[i] += monto
        serie = por_acreedor.setdefault(acreedor_id, {
            "id": acreedor_id, "nombre": acreedor.nombre, "moneda": acreedor.moneda,
            "gestiones": [0] * len(dias), "recuperado": [Decimal(0)] * len(dias)})
        serie["gestiones"][i] += int(n or 0)
        serie["recuperado"][i] += monto
    return {
        "dias": dias,
        "gestiones": gestiones,
        "recuperado": dict(sorted(recuperado.items())),
        "acreedores": [] if filtro.acreedor_id is not None else sorted(
            por_acreedor.values(), key=lambda s: s["nombre"]),
    }


# ---- per acreedor ----------------------------------------------------------------------------

def por_acreedor(filtro: FiltroTablero) -> tuple[list[dict], list[tuple[str, str, int]]]:
    """Per acreedor in the period (portfolio-wide: the team/agent filter does not apply):
    recuperado, honorarios, acuerdos and average quita (quita_total / deuda_acordada, %);
    and the stage transitions summed, as (desde, hacia, n) most frequent first."""
    m = MetricaAcreedorDia
    condiciones = [m.fecha >= filtro.desde, m.fecha <= filtro.hasta]
    if filtro.acreedor_id is not None:
        condiciones.append(m.acreedor_id == filtro.acreedor_id)
    filas = db.session.execute(
        select(Acreedor.id, Acreedor.nombre, Acreedor.moneda, func.sum(m.recuperado),
               func.sum(m.honorarios), func.sum(m.acuerdos), func.sum(m.quita_total),
               func.sum(m.deuda_acordada), func.sum(m.gestiones))
        .join(Acreedor, Acreedor.id == m.acreedor_id).where(*condiciones)
        .group_by(Acreedor.id, Acreedor.nombre, Acreedor.moneda).order_by(Acreedor.nombre)
    ).all()
    resultado = []
    for ident, nombre, moneda, recuperado, honorarios, acuerdos, quita, deuda, gestiones in filas:
        quita, deuda = Decimal(quita or 0), Decimal(deuda or 0)
        resultado.append({
            "id": ident, "nombre": nombre, "moneda": moneda,
            "recuperado": Decimal(recuperado or 0), "honorarios": Decimal(honorarios or 0),
            "acuerdos": int(acuerdos or 0), "gestiones": int(gestiones or 0),
            "quita_promedio": round(float(100 * quita / deuda), 1) if deuda else None,
        })
    transiciones: dict[str, int] = defaultdict(int)
    for (mapa,) in db.session.execute(select(m.transiciones).where(*condiciones)):
        for clave, n in (mapa or {}).items():
            transiciones[clave] += int(n)
    rodamiento = sorted(((*clave.split(">", 1), n) for clave, n in transiciones.items()
                         if ">" in clave), key=lambda t: (-t[2], t[0], t[1]))
    return resultado, rodamiento


# ---- one agent's days ------------------------------------------------------------------------

def dias_del_agente(usuario_id: int, filtro: FiltroTablero, completar: bool = True) -> list[dict]:
    """The agent's figures per day of the period (acreedor filter applies), money per
    currency; with `completar`, days without rows appear with zeros."""
    m = MetricaAgenteDia
    condiciones = [m.usuario_id == usuario_id, m.fecha >= filtro.desde, m.fecha <= filtro.hasta]
    if filtro.acreedor_id is not None:
        condiciones.append(m.acreedor_id == filtro.acreedor_id)
    filas = db.session.execute(
        select(m.fecha, Acreedor.moneda, func.sum(m.gestiones), func.sum(m.contactos_titular),
               func.sum(m.casos_trabajados), func.sum(m.promesas), func.sum(m.monto_prometido),
               func.sum(m.promesas_vencidas), func.sum(m.promesas_cumplidas),
               func.sum(m.recuperado), func.sum(m.segundos_trabajados))
        .join(Acreedor, Acreedor.id == m.acreedor_id).where(*condiciones)
        .group_by(m.fecha, Acreedor.moneda)
    ).all()
    dias: dict[date, dict] = {}

    def vacio(fecha):
        return {"fecha": fecha, "gestiones": 0, "contactos": 0, "casos": 0, "promesas": 0,
                "vencidas": 0, "cumplidas": 0, "segundos": 0, "prometido": {}, "recuperado": {}}

    if completar:
        dias = {d: vacio(d) for d in filtro.dias}
    for (fecha, moneda, gestiones, contactos, casos, promesas, prometido, vencidas, cumplidas,
         recuperado, segundos) in filas:
        dia = dias.setdefault(fecha, vacio(fecha))
        for clave, valor in (("gestiones", gestiones), ("contactos", contactos), ("casos", casos),
                             ("promesas", promesas), ("vencidas", vencidas),
                             ("cumplidas", cumplidas), ("segundos", segundos)):
            dia[clave] += int(valor or 0)
        dia["prometido"][moneda] = dia["prometido"].get(moneda, 0) + Decimal(prometido or 0)
        dia["recuperado"][moneda] = dia["recuperado"].get(moneda, 0) + Decimal(recuperado or 0)
    for dia in dias.values():
        dia["horas"] = round(dia["segundos"] / 3600, 1)
    return [dias[d] for d in sorted(dias)]


def filas_diarias(filtro: FiltroTablero) -> list[tuple]:
    """The raw daily rows the filter allows (for the XLSX's second sheet): (fecha, agente,
    acreedor, moneda, row)."""
    m = MetricaAgenteDia
    return db.session.execute(
        select(m.fecha, Usuario.nombre, Acreedor.nombre, Acreedor.moneda, m)
        .join(Usuario, Usuario.id == m.usuario_id).join(Acreedor, Acreedor.id == m.acreedor_id)
        .where(*_condiciones_agente(filtro))
        .order_by(m.fecha, Usuario.nombre, Acreedor.nombre)
    ).all()


# ---- the agent's own day (live) --------------------------------------------------------------

def hoy_en_vivo(usuario_id: int) -> dict:
    """Today's work of one user (agency day), counted live from gestiones and promesas."""
    inicio = inicio_del_dia()
    gestiones, contactos = db.session.execute(
        select(func.count(Gestion.id),
               func.count(Gestion.id).filter(Gestion.resultado.in_(RESULTADOS_TITULAR)))
        .where(Gestion.usuario_id == usuario_id, Gestion.creado_en >= inicio)
    ).one()
    promesas = db.session.execute(
        select(Acreedor.moneda, func.count(Promesa.id), func.sum(Promesa.monto))
        .join(Acreedor, Acreedor.id == Promesa.acreedor_id)
        .where(Promesa.creado_por == usuario_id, Promesa.creado_en >= inicio)
        .group_by(Acreedor.moneda).order_by(Acreedor.moneda)
    ).all()
    return {
        "fecha": inicio.astimezone(zona_agencia()).date(),
        "gestiones": int(gestiones or 0),
        "contactos": int(contactos or 0),
        "promesas": sum(int(n) for _, n, _ in promesas),
        "prometido": {moneda: Decimal(total or 0) for moneda, _, total in promesas},
    }


def avance(hechas: int, meta: int) -> dict:
    return {"hechas": hechas, "meta": meta,
            "porcentaje": round(100 * hechas / meta) if meta else 0,
            "cumplida": meta > 0 and hechas >= meta}
