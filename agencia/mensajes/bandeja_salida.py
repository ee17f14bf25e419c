"""The outbox pages (Bandeja de salida): filter and count the messages, and the few actions a
supervisor takes on one of them.

Every action is a conditional UPDATE on the estado it starts from, so the same form posted
twice is applied once (the second gets a Spanish reason), and each one leaves an audit entry.
The caller commits (resolving a stuck message as enviado commits through envio, see
`resolver`).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.mensajes import envio
from agencia.mensajes.modelos import CANALES_MENSAJE, ESTADOS_MENSAJE, Mensaje
from agencia.tenencia import consulta
from agencia.tipos import ahora, entero_de_texto

POR_PAGINA = 50
CANCELABLES = ("pendiente", "esperando")
DECISIONES = {"enviado": "enviado (confirmado con el proveedor)",
              "fallido": "fallido (el proveedor no lo recibió)"}
MAXIMO_MOTIVO = 500
_ORIGEN = re.compile(r"^[a-z_]{1,20}$")


class FiltroInvalido(EntradaInvalida):
    """A filter of the outbox list that cannot be applied."""


class AccionInvalida(EntradaInvalida):
    """An action the message's estado (or the form) does not allow."""


@dataclass
class Filtros:
    estado: str | None = None
    canal: str | None = None
    origen: str | None = None
    acreedor_id: int | None = None
    caso_id: int | None = None
    desde: date | None = None
    hasta: date | None = None

    def como_parametros(self) -> dict:
        """The non-empty filters as query-string values (for the page links)."""
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in vars(self).items() if v not in (None, "")}


def _entero(valores, campo: str, nombre: str) -> int | None:
    texto = (valores.get(campo) or "").strip()
    if not texto:
        return None
    numero = entero_de_texto(texto)
    if numero is None:
        raise FiltroInvalido(campo, f"{nombre}: escriba un número (recibido «{texto}»).")
    return numero


def _fecha(valores, campo: str, nombre: str) -> date | None:
    texto = (valores.get(campo) or "").strip()
    if not texto:
        return None
    try:
        return date.fromisoformat(texto)
    except ValueError:
        raise FiltroInvalido(
            campo, f"{nombre}: escriba una fecha válida AAAA-MM-DD (recibido «{texto}»).") from None


def leer_filtros(valores) -> Filtros:
    """The filters of the query string; FiltroInvalido (Spanish) for a value that is not one."""
    estado = (valores.get("estado") or "").strip() or None
    if estado and estado not in ESTADOS_MENSAJE:
        raise FiltroInvalido("estado", f"Estado no válido: «{estado}».")
    canal = (valores.get("canal") or "").strip() or None
    if canal and canal not in CANALES_MENSAJE:
        raise FiltroInvalido("canal", f"Canal no válido: «{canal}».")
    origen = (valores.get("origen") or "").strip() or None
    if origen and not _ORIGEN.match(origen):
        raise FiltroInvalido("origen", f"Origen no válido: «{origen[:40]}».")
    acreedor_id = _entero(valores, "acreedor_id", "Acreedor")
    if acreedor_id is not None and db.session.get(Acreedor, acreedor_id) is None:
        raise FiltroInvalido("acreedor_id", "El acreedor elegido no existe.")
    filtros = Filtros(estado, canal, origen, acreedor_id, _entero(valores, "caso_id", "Caso"),
                      _fecha(valores, "desde", "Desde"), _fecha(valores, "hasta", "Hasta"))
    if filtros.desde and filtros.hasta and filtros.desde > filtros.hasta:
        raise FiltroInvalido("desde", "La fecha «desde» es posterior a la fecha «hasta».")
    return filtros


def _inicio_del_dia(dia: date) -> datetime:
    """Midnight of `dia` in the agency's time zone, in UTC (the page's dates are local)."""
    zona = ZoneInfo(current_app.config["TZ_DEFAULT"])
    return datetime.combine(dia, time.min, tzinfo=zona).astimezone(UTC)


def _filtrar(stmt, filtros: Filtros, con_estado: bool = True):
    for campo in ("canal", "origen", "acreedor_id", "caso_id") + (("estado",) if con_estado else ()):
        valor = getattr(filtros, campo)
        if valor is not None:
            stmt = stmt.where(getattr(Mensaje, campo) == valor)
    if filtros.desde:
        stmt = stmt.where(Mensaje.creado_en >= _inicio_del_dia(filtros.desde))
    if filtros.hasta:
        stmt = stmt.where(Mensaje.creado_en < _inicio_del_dia(filtros.hasta + timedelta(days=1)))
    return stmt


def mensajes_filtrados(filtros: Filtros):
    """The select of the messages the user may see under `filtros`, newest first."""
    return _filtrar(consulta(Mensaje), filtros).order_by(Mensaje.creado_en.desc(),
                                                          Mensaje.id.desc())


def conteos_por_estado(filtros: Filtros) -> list[dict]:
    """One row per estado (all of them, in the model's order) for the other filters: how
    many messages and their share of the total, for the table and its bars."""
    stmt = _filtrar(consulta(Mensaje), filtros, con_estado=False)
    cuentas = dict(db.session.execute(
        stmt.with_only_columns(Mensaje.estado, func.count(Mensaje.id)).group_by(Mensaje.estado)
    ).all())
    total = sum(cuentas.values())
    return [{"estado": estado, "nombre": nombre, "cantidad": cuentas.get(estado, 0),
             "porcentaje": round(100 * cuentas.get(estado, 0) / total) if total else 0}
            for estado, nombre in ESTADOS_MENSAJE.items()]


def origenes() -> list[str]:
    return list(db.session.scalars(select(Mensaje.origen).distinct().order_by(Mensaje.origen)))


def atascados() -> list[Mensaje]:
    """Messages enviando for too long (envio.atascados): a person checks with the provider."""
    return envio.atascados()


def mensajes_del_caso(caso_id: int, limite: int = 20) -> list[Mensaje]:
    """The caso's latest automated messages. The caller has loaded the caso with
    obtener_o_404, so the tenant check is done: a message always belongs to its caso's
    acreedor."""
    return list(db.session.scalars(select(Mensaje).where(Mensaje.caso_id == caso_id)
                                   .order_by(Mensaje.id.desc()).limit(limite)))


def _quien(usuario) -> str:
    return usuario.nombre or usuario.usuario


def _motivo(texto: str | None, obligatorio: bool) -> str:
    texto = " ".join((texto or "").split())
    if obligatorio and not texto:
        raise AccionInvalida("motivo", "Escriba el motivo.")
    if len(texto) > MAXIMO_MOTIVO:
        raise AccionInvalida("motivo", f"El motivo admite hasta {MAXIMO_MOTIVO} caracteres.")
    return texto


def _cambiar(mensaje: Mensaje, desde: tuple[str, ...], valores: dict, *condiciones) -> bool:
    """Conditional UPDATE: applied only while the message is still in one of `desde`."""
    resultado = db.session.execute(
        update(Mensaje).where(Mensaje.id == mensaje.id, Mensaje.estado.in_(desde), *condiciones)
        .values(**valores).execution_options(synchronize_session=False))
    if resultado.rowcount != 1:
        return False
    db.session.refresh(mensaje)
    return True


def _auditar(accion: str, mensaje: Mensaje, antes: str, usuario, **despues) -> None:
    registrar(accion, "mensaje", mensaje.id, acreedor_id=mensaje.acreedor_id,
              antes={"estado": antes}, despues={"estado": mensaje.estado, **despues},
              usuario_id=usuario.id)


def _no_aplica(mensaje: Mensaje, accion: str, razon: str) -> AccionInvalida:
    db.session.refresh(mensaje)
    return AccionInvalida("estado", f"No se puede {accion} el mensaje n.º {mensaje.id}: "
                                    f"está «{mensaje.nombre_estado}». {razon}")


def reintentar(mensaje: Mensaje, usuario, motivo: str | None = None) -> Mensaje:
    """A fallido message (the provider definitely did not accept it) goes back to pendiente,
    due now. Its attempt count is kept: the sender retries it once more on a transient
    failure beyond the limit."""
    motivo = _motivo(motivo, obligatorio=False)
    nota = f"reintento pedido por {_quien(usuario)}" + (f": {motivo}" if motivo else "")
    if not _cambiar(mensaje, ("fallido",), {"estado": "pendiente", "programado_para": ahora(),
                                           "motivo": nota}):
        raise _no_aplica(mensaje, "reintentar",
                         "Solo se reintenta un mensaje fallido, que el proveedor no aceptó.")
    _auditar("mensaje.reintentado", mensaje, "fallido", usuario, motivo=nota)
    return mensaje


def cancelar(mensaje: Mensaje, usuario, motivo: str | None) -> Mensaje:
    """A pendiente or esperando message is skipped for good (omitido), with who and why."""
    motivo = _motivo(motivo, obligatorio=True)
    antes = mensaje.estado
    nota = f"cancelado por {_quien(usuario)}: {motivo}"
    if not _cambiar(mensaje, CANCELABLES, {"estado": "omitido", "motivo": nota}):
        raise _no_aplica(mensaje, "cancelar",
                         "Solo se cancela un mensaje pendiente o en espera de horario.")
    _auditar("mensaje.cancelado", mensaje, antes, usuario, motivo=nota)
    return mensaje


def resolver(mensaje: Mensaje, usuario, decision: str, referencia: str | None = None,
             motivo: str | None = None) -> Mensaje:
    """A stuck enviando message, once a person has checked with the provider: "enviado"
    (recorded with its gestion exactly as a normal send, at the moment it was claimed;
    commits) or "fallido" (the caller commits)."""
    if decision not in DECISIONES:
        raise AccionInvalida("decision", "Elija si el proveedor recibió el mensaje o no.")
    motivo = _motivo(motivo, obligatorio=False)
    referencia = (referencia or "").strip()[:120] or None
    minutos = current_app.config.get("MENSAJES_ENVIANDO_ATASCADO_MIN", 15)
    atascado = Mensaje.programado_para <= ahora() - timedelta(minutes=minutos)
    nota = f"resuelto por {_quien(usuario)}: {DECISIONES[decision]}" + (
        f" — {motivo}" if motivo else "")
    valores = ({"estado": "enviado"} if decision == "enviado"
               else {"estado": "fallido", "ultimo_error": nota})
    if not _cambiar(mensaje, ("enviando",), valores, atascado):
        raise _no_aplica(mensaje, "resolver",
                         "Solo se resuelve un mensaje atascado en «Enviando» por más de "
                         f"{minutos} minutos.")
    _auditar("mensaje.resuelto", mensaje, "enviando", usuario, decision=decision, nota=nota,
             proveedor_id=referencia)
    if decision == "enviado":
        # The same record as a normal send (state, provider id, gestion); it commits.
        momento = mensaje.programado_para or ahora()
        envio._marcar_enviado(mensaje, mensaje.caso, referencia or mensaje.proveedor_id or "",
                              momento)
    return mensaje
