"""The legal queue (bandeja jurídica): casos in etapa juridico, who handles them, the workload
per abogado and per external firm, taking an unassigned caso, and reassigning.

- An abogado sees the casos whose proceso is theirs plus the unassigned ones (a caso without
  a proceso yet is unassigned); supervisors and admins see all and filter by abogado, firm,
  acreedor or "sin asignar".
- "Tomar": an abogado takes an unassigned caso with a conditional UPDATE (`WHERE abogado_id IS
  NULL AND firma_externa IS NULL`): of two abogados taking it at once, one wins and the other
  is told who has it.
- Reassigning (supervisors): like agencia.supervision, each move is a conditional UPDATE on
  the owner it read, retried a few times, audited "proceso.reasignar"; casos in id order.
Services flush; the request commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select, update

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.casos.modelos import Caso
from agencia.deudores.modelos import Deudor
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.juridico.modelos import ActuacionJuridica, ProcesoJuridico
from agencia.juridico.procesos import (
    MAX_TEXTO,
    ProcesoInvalido,
    _abogado,
    _texto,
    a_cargo,
    abogados_activos,
    proceso_para,
)
from agencia.tenencia import consulta
from agencia.tipos import ahora, entero_de_texto

SIN_ASIGNAR = "sin_asignar"
ORDENES = {"audiencia": "Próxima audiencia", "saldo": "Saldo (mayor primero)",
           "deudor": "Deudor (A–Z)"}
DIAS_AUDIENCIA = 7
INTENTOS = 5


class FiltroInvalido(EntradaInvalida):
    pass


@dataclass
class Filtros:
    acreedor_id: int | None = None
    abogado: int | str | None = None  # a user id or SIN_ASIGNAR
    firma: str | None = None
    orden: str = "audiencia"

    def como_parametros(self) -> dict:
        valores = {"acreedor_id": self.acreedor_id, "abogado": self.abogado,
                   "firma": self.firma,
                   "orden": self.orden if self.orden != "audiencia" else None}
        return {k: v for k, v in valores.items() if v not in (None, "")}


def _entero(valor, campo: str, mensaje: str) -> int | None:
    if valor in (None, ""):
        return None
    numero = entero_de_texto(str(valor).strip())  # None too for ids past a database integer
    if numero is None:
        raise FiltroInvalido(campo, mensaje)
    return numero


def leer_filtros(args) -> Filtros:
    abogado = args.get("abogado") or None
    if abogado != SIN_ASIGNAR:
        abogado = _entero(abogado, "abogado", "Elija el abogado de la lista.")
    orden = args.get("orden") or "audiencia"
    if orden not in ORDENES:
        raise FiltroInvalido("orden", "Elija un orden de la lista.")
    firma = " ".join((args.get("firma") or "").split()) or None
    if firma and len(firma) > MAX_TEXTO:
        raise FiltroInvalido("firma", f"Firma: hasta {MAX_TEXTO} caracteres.")
    return Filtros(acreedor_id=_entero(args.get("acreedor_id"), "acreedor_id",
                                       "Elija el acreedor de la lista."),
                   abogado=abogado, firma=firma, orden=orden)


_SIN_NADIE = and_(ProcesoJuridico.abogado_id.is_(None), ProcesoJuridico.firma_externa.is_(None))


def casos_de_la_bandeja(filtros: Filtros, usuario):
    """The select of the queue's casos (Caso), ordered."""
    stmt = (consulta(Caso)
            .outerjoin(ProcesoJuridico, ProcesoJuridico.caso_id == Caso.id)
            .join(Deudor, Deudor.id == Caso.deudor_id)
            .where(Caso.etapa == "juridico"))
    if usuario.rol == "abogado":
        stmt = stmt.where(or_(ProcesoJuridico.abogado_id == usuario.id, _SIN_NADIE))
    if filtros.acreedor_id is not None:
        stmt = stmt.where(Caso.acreedor_id == filtros.acreedor_id)
    if filtros.abogado == SIN_ASIGNAR:
        stmt = stmt.where(_SIN_NADIE)
    elif filtros.abogado is not None:
        stmt = stmt.where(ProcesoJuridico.abogado_id == filtros.abogado)
    if filtros.firma:
        stmt = stmt.where(ProcesoJuridico.firma_externa == filtros.firma)
    if filtros.orden == "saldo":
        return stmt.order_by(Caso.saldo.desc(), Caso.id)
    if filtros.orden == "deudor":
        return stmt.order_by(Deudor.nombre, Caso.id)
    audiencia = ProcesoJuridico.proxima_audiencia
    return stmt.order_by(audiencia.is_(None), audiencia, Caso.id)


@dataclass
class Fila:
    caso: Caso
    proceso: ProcesoJuridico | None
    ultima: ActuacionJuridica | None

    @property
    def sin_asignar(self) -> bool:
        return self.proceso is None or (self.proceso.abogado_id is None
                                        and not self.proceso.firma_externa)

    @property
    def a_cargo(self) -> str:
        return a_cargo(self.proceso)


def filas(casos: list[Caso]) -> list[Fila]:
    """The page's rows: each caso with its proceso and latest actuación (two queries)."""
    ids = [c.id for c in casos]
    procesos = {p.caso_id: p for p in db.session.scalars(
        select(ProcesoJuridico).where(ProcesoJuridico.caso_id.in_(ids)))} if ids else {}
    ultimas = {}
    if procesos:
        for actuacion in db.session.scalars(
                select(ActuacionJuridica)
                .where(ActuacionJuridica.proceso_id.in_([p.id for p in procesos.values()]))
                .order_by(ActuacionJuridica.fecha.desc(), ActuacionJuridica.id.desc())):
            ultimas.setdefault(actuacion.proceso_id, actuacion)
    return [Fila(c, procesos.get(c.id), ultimas.get(procesos[c.id].id)
                 if c.id in procesos else None) for c in casos]


def firmas() -> list[str]:
    """The external firms that have casos (for filters and suggestions)."""
    return list(db.session.scalars(
        select(ProcesoJuridico.firma_externa).where(ProcesoJuridico.firma_externa.is_not(None))
        .distinct().order_by(ProcesoJuridico.firma_externa)))


@dataclass
class Carga:
    casos: int = 0
    saldos: dict = field(default_factory=dict)
    audiencias: int = 0  # hearings in the next DIAS_AUDIENCIA days


@dataclass
class Cargas:
    abogados: list  # [(Usuario, Carga)], every active abogado
    firmas: list  # [(nombre, Carga)]
    sin_asignar: Carga


def cargas() -> Cargas:
    """Per abogado and per firm: casos in jurídico, saldo per currency, hearings within 7 days."""
    momento = ahora()
    pronto = case((and_(ProcesoJuridico.proxima_audiencia >= momento,
                        ProcesoJuridico.proxima_audiencia
                        < momento + timedelta(days=DIAS_AUDIENCIA)), 1), else_=0)
    filas_carga = db.session.execute(
        select(ProcesoJuridico.abogado_id, ProcesoJuridico.firma_externa, Acreedor.moneda,
               func.count(Caso.id), func.coalesce(func.sum(Caso.saldo), 0), func.sum(pronto))
        .select_from(Caso)
        .join(Acreedor, Acreedor.id == Caso.acreedor_id)
        .outerjoin(ProcesoJuridico, ProcesoJuridico.caso_id == Caso.id)
        .where(Caso.etapa == "juridico")
        .group_by(ProcesoJuridico.abogado_id, ProcesoJuridico.firma_externa, Acreedor.moneda)
    ).all()
    por_abogado: dict = defaultdict(Carga)
    por_firma: dict = defaultdict(Carga)
    sin_asignar = Carga()
    for abogado_id, firma, moneda, n, saldo, audiencias in filas_carga:
        if firma:
            carga = por_firma[firma]
        elif abogado_id is not None:
            carga = por_abogado[abogado_id]
        else:
            carga = sin_asignar
        carga.casos += n
        carga.saldos[moneda] = carga.saldos.get(moneda, Decimal("0")) + Decimal(saldo)
        carga.audiencias += int(audiencias or 0)
    abogados = abogados_activos()
    # An inactive abogado who still has casos is listed too, so nothing is hidden.
    faltan = set(por_abogado) - {a.id for a in abogados}
    if faltan:
        abogados += list(db.session.scalars(select(Usuario).where(Usuario.id.in_(faltan))))
    return Cargas(abogados=[(a, por_abogado.get(a.id, Carga())) for a in abogados],
                  firmas=sorted(por_firma.items()), sin_asignar=sin_asignar)


# ---------------------------------------------------------------- taking and reassigning


def tomar(caso: Caso, usuario) -> ProcesoJuridico:
    """The abogado takes an unassigned caso in jurídico. Refused, saying who has it, when
    someone else took it first."""
    proceso = proceso_para(caso, usuario.id)
    if proceso.estado == "terminado":
        raise ProcesoInvalido("proceso", "El proceso está terminado.")
    resultado = db.session.execute(
        update(ProcesoJuridico)
        .where(ProcesoJuridico.id == proceso.id, ProcesoJuridico.abogado_id.is_(None),
               ProcesoJuridico.firma_externa.is_(None))
        .values(abogado_id=usuario.id, actualizado_en=ahora())
        .execution_options(synchronize_session=False))
    db.session.refresh(proceso)
    if resultado.rowcount != 1:
        if proceso.abogado_id == usuario.id:
            raise ProcesoInvalido("proceso", "Este caso ya está a su cargo.")
        raise ProcesoInvalido("proceso", f"Este caso ya lo tomó {a_cargo(proceso)}: "
                              "elija otro de la bandeja.")
    registrar("proceso.tomar", "proceso_juridico", proceso.id, acreedor_id=proceso.acreedor_id,
              antes={"abogado_id": None}, despues={"abogado_id": usuario.id},
              usuario_id=usuario.id)
    return proceso


def _destino(abogado_id, firma) -> tuple[int | None, str | None]:
    abogado = _abogado(abogado_id)
    firma = _texto(firma, "firma_externa", "Firma externa")
    if (abogado is None) == (firma is None):
        raise ProcesoInvalido("abogado_id", "Elija el abogado que recibe los casos o escriba "
                              "la firma externa (uno de los dos).")
    return abogado, firma


def _mover(proceso_id: int, acreedor_id: int, destino: tuple, usuario_id, motivo) -> bool:
    """Gives one proceso to the destination, auditing it; False when it already had it."""
    tabla = ProcesoJuridico.__table__
    for _ in range(INTENTOS):
        antes = db.session.execute(select(tabla.c.abogado_id, tabla.c.firma_externa)
                                   .where(tabla.c.id == proceso_id)).one()
        if tuple(antes) == destino:
            return False
        resultado = db.session.execute(
            update(tabla).where(tabla.c.id == proceso_id,
                                tabla.c.abogado_id.is_not_distinct_from(antes[0]),
                                tabla.c.firma_externa.is_not_distinct_from(antes[1]))
            .values(abogado_id=destino[0], firma_externa=destino[1], actualizado_en=ahora()))
        if resultado.rowcount == 1:
            break
    else:
        raise ProcesoInvalido("caso_ids", "Otro usuario está reasignando estos casos; intente "
                              "de nuevo.")
    registrar("proceso.reasignar", "proceso_juridico", proceso_id, acreedor_id=acreedor_id,
              antes={"abogado_id": antes[0], "firma_externa": antes[1]},
              despues={"abogado_id": destino[0], "firma_externa": destino[1],
                       "motivo": motivo}, usuario_id=usuario_id)
    return True


def reasignar(caso_ids, abogado_id, firma, usuario, motivo: str | None = None) -> int:
    """Gives the casos (in jurídico) to one abogado or one firm. Returns how many changed."""
    destino = _destino(abogado_id, firma)
    ids = sorted({int(c) for c in caso_ids})
    if not ids:
        raise ProcesoInvalido("caso_ids", "No hay casos seleccionados.")
    casos = list(db.session.scalars(select(Caso).where(Caso.id.in_(ids)).order_by(Caso.id)))
    if len(casos) != len(ids) or any(c.etapa != "juridico" for c in casos):
        raise ProcesoInvalido("caso_ids", "Solo se reasignan casos que están en Jurídico.")
    motivo = " ".join((motivo or "").split())[:500] or None
    usuario_id = getattr(usuario, "id", None)
    movidos = 0
    for caso in casos:
        proceso = proceso_para(caso, usuario_id)
        if proceso.estado == "terminado":
            raise ProcesoInvalido("caso_ids", f"El proceso del caso {caso.id} está terminado.")
        movidos += _mover(proceso.id, proceso.acreedor_id, destino, usuario_id, motivo)
    db.session.flush()
    db.session.expire_all()
    return movidos


def mover_casos_de(abogado_id, hacia_abogado_id, hacia_firma, usuario,
                   motivo: str | None = None) -> int:
    """Every caso in jurídico of one abogado to another abogado or a firm."""
    numero = entero_de_texto(str(abogado_id or "").strip())
    origen = db.session.get(Usuario, numero) if numero is not None else None
    if origen is None or origen.rol != "abogado":
        raise ProcesoInvalido("desde_id", "Elija de la lista el abogado cuyos casos se mueven.")
    if str(hacia_abogado_id or "").strip() == str(origen.id):
        raise ProcesoInvalido("abogado_id", "Elija un abogado distinto del que entrega los casos.")
    caso_ids = list(db.session.scalars(
        select(ProcesoJuridico.caso_id).join(Caso, Caso.id == ProcesoJuridico.caso_id)
        .where(ProcesoJuridico.abogado_id == origen.id, ProcesoJuridico.estado == "en_curso",
               Caso.etapa == "juridico")))
    if not caso_ids:
        _destino(hacia_abogado_id, hacia_firma)
        return 0
    return reasignar(caso_ids, hacia_abogado_id, hacia_firma, usuario,
                     motivo or f"Casos de {origen.nombre}")
