"""Rules of the caso: logging gestiones, adding up obligaciones (search: casos.busqueda).

Every outbound gestion passes the contact policy (agencia.cumplimiento.motor) before it is
written: a blocked one is refused unless a supervisor or admin authorises an audited exception.

Functions take `acreedor_id` (None for agency staff, who see every acreedor) and scope their
queries through `agencia.tenencia.restringir`. They flush; the request or job commits.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from agencia.auditoria.servicios import registrar
from agencia.casos.busqueda import (  # noqa: F401  (re-exported for the portal)
    MINIMO_BUSQUEDA,
    condicion_texto,
    texto_buscable,
)
from agencia.casos.contacto import MINIMO_MOTIVO, ROLES_QUE_AUTORIZAN, abrir_disputa, hora_local
from agencia.casos.modelos import CANALES, DIRECCIONES, RESULTADOS, Caso, Gestion
from agencia.casos.resultados import (
    DatosResultado,
    ResultadoInvalido,
    aplicar,
    preparar,
    sugerir_proxima_accion,
)
from agencia.cumplimiento.motor import evaluar
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.promesas.servicios import hoy_local
from agencia.tenencia import restringir
from agencia.tipos import ahora

MAXIMO_NOTA = 2000


class GestionInvalida(EntradaInvalida):
    """A gestion that cannot be recorded; `campo` names the offending input."""


class ContactoBloqueado(GestionInvalida):
    """An outbound contact the policy refuses now; `decision` holds every reason."""

    def __init__(self, decision):
        self.decision = decision
        canal = CANALES.get(decision.canal, decision.canal)
        motivos = "; ".join(motivo.rstrip(". ") for motivo in decision.motivos)
        partes = [f"La política de contacto no permite un contacto saliente por {canal} ahora: "
                  f"{motivos}."]
        if decision.proximo_permitido is not None:
            cuando = hora_local(decision.proximo_permitido, decision.zona_horaria)
            partes.append(f"Próximo momento permitido: {cuando} (hora local).")
        partes.append("Solo un supervisor o un administrador puede autorizar una excepción.")
        super().__init__("canal", " ".join(partes))


def gestiones_recientes(caso_id: int, acreedor_id: int | None = None, limite: int = 20):
    """The latest gestiones of a caso, newest first, with who logged them."""
    stmt = (
        select(Gestion)
        .where(Gestion.caso_id == caso_id)
        .options(joinedload(Gestion.usuario))
        .order_by(Gestion.creado_en.desc(), Gestion.id.desc())
        .limit(limite)
    )
    return list(db.session.scalars(restringir(stmt, Gestion, acreedor_id)))


@dataclass
class Totales:
    capital: Decimal
    intereses: Decimal
    gastos: Decimal
    saldo: Decimal


def totales(obligaciones) -> Totales:
    """The total row of an obligaciones table (Decimal throughout)."""
    suma = {campo: Decimal("0") for campo in ("capital", "intereses", "gastos", "saldo")}
    for obligacion in obligaciones:
        for campo in suma:
            suma[campo] += getattr(obligacion, campo) or Decimal("0")
    return Totales(**suma)


def registrar_gestion(
    caso: Caso,
    usuario_id: int | None,
    canal: str,
    direccion: str,
    resultado: str,
    nota: str | None = "",
    proxima_accion: date | None = None,
    *,
    momento: datetime | None = None,
    excepcion_motivo: str | None = None,
    autorizado_por=None,
    verificar_politica: bool = True,
    datos: DatosResultado | None = None,
    hoy: date | None = None,
) -> Gestion:
    """Appends a gestion to the caso, moves its last-gestion time and (when given) its next
    action date, and audits the change. Raises GestionInvalida before touching anything.

    An outbound gestion is checked against the contact policy at `momento` (default now):
    when blocked it raises ContactoBloqueado, unless `autorizado_por` (a supervisor or admin)
    gives an `excepcion_motivo`; the gestion then carries the exception and an audit entry
    "contacto.excepcion" records what was overridden. A "disputa" result puts the caso in
    disputa. `verificar_politica=False` is only for automated paths that check elsewhere.
    Each outcome leads on (casos.resultados): `datos` carries its own fields, checked before
    anything is written; an empty `proxima_accion` gets the outcome's suggestion.
    """
    nota = (nota or "").strip()
    for campo, valor, validos in (
        ("canal", canal, CANALES),
        ("direccion", direccion, DIRECCIONES),
        ("resultado", resultado, RESULTADOS),
    ):
        if valor not in validos:
            raise GestionInvalida(campo, f"Valor no válido para {campo}: {valor!r}.")
    if len(nota) > MAXIMO_NOTA:
        raise GestionInvalida("nota", f"La nota admite hasta {MAXIMO_NOTA} caracteres.")
    momento = momento or ahora()
    hoy = hoy or hoy_local()
    try:
        plan = preparar(caso, resultado, datos, hoy, momento)
    except ResultadoInvalido as error:
        raise GestionInvalida(error.campo, error.mensaje) from error
    proxima_accion = proxima_accion or sugerir_proxima_accion(plan, hoy)
    excepcion = _validar_excepcion(excepcion_motivo, autorizado_por)
    decision = None
    if verificar_politica and direccion == "saliente":
        decision = evaluar(caso, canal, momento, direccion=direccion)
        if not decision.permitido and excepcion is None:
            raise ContactoBloqueado(decision)
    exceptuada = decision is not None and not decision.permitido

    antes = {"ultima_gestion_en": caso.ultima_gestion_en}
    despues = {}
    gestion = Gestion(
        caso_id=caso.id, usuario_id=usuario_id, canal=canal, direccion=direccion,
        resultado=resultado, nota=nota, creado_en=momento,
    )
    if exceptuada:
        gestion.excepcion_autorizada_por = autorizado_por.id
        gestion.excepcion_motivo = excepcion
    db.session.add(gestion)
    if caso.ultima_gestion_en is None or momento > caso.ultima_gestion_en:
        caso.ultima_gestion_en = momento
        despues["ultima_gestion_en"] = momento
    if proxima_accion is not None and proxima_accion != caso.proxima_accion:
        antes["proxima_accion"] = caso.proxima_accion
        caso.proxima_accion = proxima_accion
        despues["proxima_accion"] = proxima_accion
    db.session.flush()
    despues.update(aplicar(caso, gestion, plan, usuario_id, hoy))
    despues["gestion"] = {
        "id": gestion.id, "canal": canal, "direccion": direccion, "resultado": resultado,
    }
    registrar(
        "gestion.registrada", "caso", caso.id, acreedor_id=caso.acreedor_id,
        antes=antes, despues=despues, usuario_id=usuario_id,
    )
    if exceptuada:
        registrar(
            "contacto.excepcion", "caso", caso.id, acreedor_id=caso.acreedor_id,
            antes={"motivos": list(decision.motivos), "proximo_permitido":
                   decision.proximo_permitido},
            despues={"gestion_id": gestion.id, "canal": canal, "caso_id": caso.id,
                     "autorizado_por": autorizado_por.id, "motivo": excepcion},
            usuario_id=autorizado_por.id,
        )
    if resultado == "disputa" and not caso.en_disputa:
        abrir_disputa(caso, nota or f"Disputa registrada en la gestión {gestion.id}.",
                      momento, usuario_id)
    db.session.flush()
    return gestion


def _validar_excepcion(motivo: str | None, autorizado_por) -> str | None:
    """The override's reason when one is asked for and allowed; None when none is asked."""
    motivo = (motivo or "").strip()
    if not motivo and autorizado_por is None:
        return None
    if autorizado_por is None or getattr(autorizado_por, "rol", None) not in ROLES_QUE_AUTORIZAN:
        raise GestionInvalida(
            "excepcion", "Solo un supervisor o un administrador puede autorizar una excepción "
            "a la política de contacto.")
    if len(motivo) < MINIMO_MOTIVO:
        raise GestionInvalida(
            "excepcion_motivo",
            f"Explique el motivo de la excepción (al menos {MINIMO_MOTIVO} caracteres).")
    if len(motivo) > MAXIMO_NOTA:
        raise GestionInvalida(
            "excepcion_motivo", f"El motivo admite hasta {MAXIMO_NOTA} caracteres.")
    return motivo
