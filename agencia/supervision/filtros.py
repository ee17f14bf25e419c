"""The supervision filter (acreedor, etapa, agent, days past due, saldo) and agents' load.

`leer_filtros` turns request values into a validated `Filtros` (or raises FiltroInvalido with
a Spanish message); `casos_filtrados` turns it into a select of open casos.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from agencia.acreedores.modelos import Acreedor
from agencia.auth.modelos import Usuario
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS, Caso
from agencia.extensiones import db
from agencia.tipos import entero_de_texto

SIN_ASIGNAR = "sin"


class FiltroInvalido(ValueError):
    """A filter value the page cannot use; `mensaje` is shown to the supervisor."""

    def __init__(self, mensaje: str):
        super().__init__(mensaje)
        self.mensaje = mensaje


@dataclass(frozen=True)
class Filtros:
    acreedor_id: int | None = None
    etapa: str | None = None
    agente: int | str | None = None  # an agent id, SIN_ASIGNAR, or None for anyone
    mora_min: int | None = None
    mora_max: int | None = None
    saldo_min: Decimal | None = None
    saldo_max: Decimal | None = None

    def como_parametros(self) -> dict:
        """The filter as query-string values (to keep it across pages and forms)."""
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


def _entero(valor: str, que: str) -> int | None:
    if not valor:
        return None
    numero = entero_de_texto(valor)
    if numero is None:
        raise FiltroInvalido(f"{que}: escriba un número entero de 0 en adelante (recibido «{valor}»).")
    return numero


def _dinero(valor: str, que: str) -> Decimal | None:
    """`1234567.89`, `1.234.567,89`, `1,234,567.89`, `700.000` or `$ 1.234.567`."""
    if not valor:
        return None
    limpio = re.sub(r"[\s$]", "", valor)
    if "," in limpio and "." in limpio:
        decimal_es_coma = limpio.rindex(",") > limpio.rindex(".")
        limpio = limpio.replace(".", "").replace(",", ".") if decimal_es_coma \
            else limpio.replace(",", "")
    else:
        # One kind of separator: thousands when repeated or followed by exactly three digits
        # (`700.000`, `1,234,567`), else the decimal mark (`300000,50`, `1234.5`).
        for sep in ",.":
            if sep in limpio:
                miles = limpio.count(sep) > 1 or len(limpio.rsplit(sep, 1)[1]) == 3
                limpio = limpio.replace(sep, "") if miles else limpio.replace(sep, ".")
    try:
        monto = Decimal(limpio)
    except InvalidOperation:
        monto = None
    if monto is None or not monto.is_finite() or monto < 0:
        raise FiltroInvalido(f"{que}: escriba un monto válido, p. ej. 1.234.567 (recibido «{valor}»).")
    return monto


def leer_filtros(valores: Mapping) -> Filtros:
    """Validates filter values from a form or query string."""
    def texto(nombre):
        return (valores.get(nombre) or "").strip()

    acreedor_id = _entero(texto("acreedor_id"), "Acreedor")
    if acreedor_id is not None and db.session.get(Acreedor, acreedor_id) is None:
        raise FiltroInvalido("El acreedor elegido no existe.")
    etapa = texto("etapa") or None
    if etapa is not None and etapa not in ETAPAS_ABIERTAS:
        raise FiltroInvalido(f"Etapa desconocida: «{etapa}». Elija una etapa abierta de la lista.")
    agente = texto("agente") or None
    if agente is not None and agente != SIN_ASIGNAR:
        agente_id = _entero(agente, "Agente")
        usuario = db.session.get(Usuario, agente_id)
        if usuario is None or usuario.rol != "agente":
            raise FiltroInvalido("El agente elegido no existe.")
        agente = agente_id
    filtros = Filtros(
        acreedor_id=acreedor_id, etapa=etapa, agente=agente,
        mora_min=_entero(texto("mora_min"), "Días de mora mínimos"),
        mora_max=_entero(texto("mora_max"), "Días de mora máximos"),
        saldo_min=_dinero(texto("saldo_min"), "Saldo mínimo"),
        saldo_max=_dinero(texto("saldo_max"), "Saldo máximo"),
    )
    if None not in (filtros.mora_min, filtros.mora_max) and filtros.mora_min > filtros.mora_max:
        raise FiltroInvalido("Días de mora: el mínimo no puede ser mayor que el máximo.")
    if None not in (filtros.saldo_min, filtros.saldo_max) and filtros.saldo_min > filtros.saldo_max:
        raise FiltroInvalido("Saldo: el mínimo no puede ser mayor que el máximo.")
    return filtros


def casos_filtrados(filtros: Filtros | Mapping, hoy: date | None = None) -> Select:
    """Open casos matching the filter, by acreedor then id (a select ready to paginate)."""
    if not isinstance(filtros, Filtros):
        filtros = leer_filtros(filtros)
    hoy = hoy or date.today()
    etapas = (filtros.etapa,) if filtros.etapa else ETAPAS_ABIERTAS
    stmt = select(Caso).where(Caso.etapa.in_(etapas))
    if filtros.acreedor_id is not None:
        stmt = stmt.where(Caso.acreedor_id == filtros.acreedor_id)
    if filtros.agente == SIN_ASIGNAR:
        stmt = stmt.where(Caso.agente_id.is_(None))
    elif filtros.agente is not None:
        stmt = stmt.where(Caso.agente_id == filtros.agente)
    # Days past due count from the oldest unpaid due date; no date means 0 days.
    if filtros.mora_min:
        stmt = stmt.where(Caso.vencimiento <= hoy - timedelta(days=filtros.mora_min))
    if filtros.mora_max is not None:
        stmt = stmt.where(or_(Caso.vencimiento.is_(None),
                              Caso.vencimiento >= hoy - timedelta(days=filtros.mora_max)))
    if filtros.saldo_min is not None:
        stmt = stmt.where(Caso.saldo >= filtros.saldo_min)
    if filtros.saldo_max is not None:
        stmt = stmt.where(Caso.saldo <= filtros.saldo_max)
    return stmt.order_by(Caso.acreedor_id, Caso.id)


def resumen(stmt: Select) -> tuple[int, dict[str, Decimal]]:
    """How many casos a filter matches and their saldo per currency."""
    sub = stmt.order_by(None).subquery()
    filas = db.session.execute(
        select(Acreedor.moneda, func.count(), func.coalesce(func.sum(sub.c.saldo), 0))
        .join(Acreedor, Acreedor.id == sub.c.acreedor_id)
        .group_by(Acreedor.moneda).order_by(Acreedor.moneda)
    ).all()
    return sum(n for _, n, _ in filas), {m: Decimal(s) for m, _, s in filas}


def ids_filtrados(filtros: Filtros) -> list[int]:
    sub = casos_filtrados(filtros).subquery()
    return list(db.session.scalars(select(sub.c.id).order_by(sub.c.id)))


def con_relaciones(stmt: Select) -> Select:
    return stmt.options(joinedload(Caso.deudor), joinedload(Caso.acreedor),
                        joinedload(Caso.agente))


def etapas_abiertas() -> dict[str, str]:
    return {clave: ETAPAS[clave] for clave in ETAPAS_ABIERTAS}


def agentes_activos() -> list[Usuario]:
    return list(db.session.scalars(
        select(Usuario).where(Usuario.rol == "agente", Usuario.activo.is_(True))
        .order_by(Usuario.nombre)))


def cargas_cacheadas() -> dict[int | None, dict]:
    """cargas() kept in Redis for CIFRAS_CACHE_S seconds (it groups every open caso; a
    reassignment forgets it at once: bandejas.cache.olvidar)."""
    from agencia.bandejas.cache import CLAVE_CARGAS, memorizar

    def a_texto(valor: dict) -> str:
        return json.dumps([[a, c["casos"], {m: str(s) for m, s in c["saldos"].items()}]
                           for a, c in valor.items()])

    def de_texto(texto) -> dict:
        return {a: {"casos": n, "saldos": {m: Decimal(s) for m, s in saldos.items()}}
                for a, n, saldos in json.loads(texto)}

    return memorizar(CLAVE_CARGAS, cargas, a_texto, de_texto)


def cargas() -> dict[int | None, dict]:
    """Open casos and saldo per currency of every agent (None: unassigned)."""
    filas = db.session.execute(
        select(Caso.agente_id, Acreedor.moneda, func.count(), func.sum(Caso.saldo))
        .join(Acreedor, Acreedor.id == Caso.acreedor_id)
        .where(Caso.etapa.in_(ETAPAS_ABIERTAS))
        .group_by(Caso.agente_id, Acreedor.moneda)
    ).all()
    resultado: dict[int | None, dict] = {}
    for agente_id, moneda, n, saldo in filas:
        carga = resultado.setdefault(agente_id, {"casos": 0, "saldos": {}})
        carga["casos"] += n
        carga["saldos"][moneda] = Decimal(saldo or 0)
    return resultado
