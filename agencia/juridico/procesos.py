"""Court tracking of a caso in jurídico: the ProcesoJuridico, its actuaciones, costs and outcome.

Rules:
- a caso gets its proceso lazily, on the first save (`guardar_proceso`), and only while it is
  in etapa juridico; afterwards the proceso stays with the caso (the portal keeps showing it);
- a proceso is in charge of one agency lawyer (a user with rol abogado) or one external firm,
  or of nobody yet ("sin asignar") — never both. An abogado may take an unassigned proceso
  for themselves; only supervisors and admins hand it to another abogado or to a firm;
- an abogado edits the procesos that are theirs, unassigned or in a firm's hands (the agency's
  lawyer keeps the firm's file up to date), not another abogado's; supervisors and admins
  edit every one; a terminated proceso is read-only;
- the next hearing is entered in the agency's local time (TZ_DEFAULT), stored in UTC, and
  may not be in the past when it is set or changed; actuaciones and costs may not be dated
  in the future; a cost is positive, in the acreedor's currency and its minor unit;
- closing: "acuerdo_judicial" needs the terms of the plan the court approved (cuotas,
  frecuencia, first date, optional abono inicial and quita % per component): it creates an
  acuerdo of tipo "judicial" (agencia.acuerdos.servicios.crear_acuerdo_judicial), vigente at
  once, which moves the caso to acuerdo as the system; the acuerdo is the caso's latest
  judicial one and its id is in the "proceso.cerrar" audit entry. When that acuerdo is broken
  or annulled the caso returns to juridico and the proceso reopens (`reabrir_por_acuerdo`);
  fully paid, the caso is pagado and the proceso stays terminado.
  "incobrable" moves the caso to incobrable (abogados may, with the closing reason);
  "pagado" to pagado. The stage
  machine lets only supervisors, admins and the system mark a caso pagado: a supervisor
  does it as themselves; for an abogado it happens only when the debt is really settled —
  the caso is already pagado (a payment settled it) or its saldo is 0, in which case the
  system moves it and the reason names the abogado. With saldo left, an abogado is told to
  record the payment or ask a supervisor. The etapa and the proceso change together or not
  at all.
- a caso that leaves juridico closed some other way (a payment settles it, a supervisor marks
  it incobrable, the acreedor recalls it) ends its open proceso: `al_cambiar_etapa`, called
  by the stage machine; a reversed payment that brings a pagado caso back to juridico reopens
  the proceso it had closed as pagado.
Every change is audited. Services flush; the request commits.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from agencia.acuerdos import servicios as acuerdos
from agencia.acuerdos.modelos import Acuerdo
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.casos.etapas import TransicionInvalida, cambiar_etapa, validar
from agencia.casos.modelos import Caso
from agencia.errores import EntradaInvalida
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario
from agencia.honorarios.servicios import tarifas
from agencia.juridico.modelos import (
    RESULTADOS_PROCESO,
    TIPOS_ACTUACION,
    TIPOS_PROCESO,
    ActuacionJuridica,
    CostoJuridico,
    ProcesoJuridico,
)
from agencia.monedas import en_unidad_minima, texto_unidad
from agencia.tipos import ahora, entero_de_texto

SUPERVISORES = ("supervisor", "admin")
EDITORES = ("abogado", *SUPERVISORES)
RADICADO = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\- ]*$")
MAX_RADICADO = 60
MAX_TEXTO = 200
MAX_DESCRIPCION = 4000
MIN_MOTIVO = 10
MAX_MOTIVO = 2000
ETAPA_DEL_RESULTADO = {"pagado": "pagado", "acuerdo_judicial": "acuerdo",
                       "incobrable": "incobrable"}
# A caso closed while in juridico: the proceso's result, and why (audit "proceso.terminado").
CIERRE_DEL_CASO = {"pagado": ("pagado", "el caso quedó pagado"),
                   "incobrable": ("incobrable", "el caso se declaró incobrable"),
                   "devuelto": (None, "el acreedor devolvió el caso")}
CERO = Decimal("0")


class ProcesoInvalido(EntradaInvalida):
    pass


# ---------------------------------------------------------------- reading


def proceso_de(caso: Caso) -> ProcesoJuridico | None:
    """The caso's proceso, or None until its first save."""
    return db.session.scalar(select(ProcesoJuridico).where(ProcesoJuridico.caso_id == caso.id))


def abogados_activos() -> list[Usuario]:
    return list(db.session.scalars(select(Usuario).where(
        Usuario.rol == "abogado", Usuario.activo.is_(True)).order_by(Usuario.nombre)))


def a_cargo(proceso: ProcesoJuridico | None) -> str:
    """Who handles the proceso, for staff pages."""
    if proceso is None or (proceso.abogado_id is None and not proceso.firma_externa):
        return "Sin asignar"
    if proceso.firma_externa:
        return f"{proceso.firma_externa} (firma externa)"
    return proceso.abogado.nombre


def puede_editar(proceso: ProcesoJuridico | None, usuario) -> bool:
    rol = getattr(usuario, "rol", None)
    if rol not in EDITORES:
        return False
    if proceso is None:
        return True
    if proceso.estado == "terminado":
        return False
    return rol in SUPERVISORES or proceso.abogado_id in (None, usuario.id)


@dataclass
class Cifras:
    honorarios: Decimal
    tarifa: Decimal
    costos: Decimal
    moneda: str


def cifras(caso: Caso, proceso: ProcesoJuridico | None) -> Cifras:
    """Fees charged on the caso's payments while in jurídico (net of reversals), the
    acreedor's jurídico rate, and the proceso's costs."""
    honorarios = db.session.scalar(select(func.coalesce(func.sum(Honorario.monto), 0)).where(
        Honorario.caso_id == caso.id, Honorario.etapa == "juridico"))
    costos = CERO
    if proceso is not None:
        costos = db.session.scalar(select(func.coalesce(func.sum(CostoJuridico.monto), 0))
                                   .where(CostoJuridico.proceso_id == proceso.id))
    return Cifras(honorarios=Decimal(honorarios or 0),
                  tarifa=tarifas(caso.acreedor_id).get("juridico", CERO),
                  costos=Decimal(costos or 0), moneda=caso.acreedor.moneda)


# ---------------------------------------------------------------- helpers


def _zona() -> ZoneInfo:
    nombre = current_app.config["TZ_DEFAULT"] if has_app_context() else "America/Bogota"
    return ZoneInfo(nombre)


def hoy_local() -> date:
    return ahora().astimezone(_zona()).date()


def _texto(valor, campo: str, nombre: str, maximo: int = MAX_TEXTO) -> str | None:
    texto = " ".join(str(valor or "").split())
    if len(texto) > maximo:
        raise ProcesoInvalido(campo, f"{nombre}: hasta {maximo} caracteres.")
    return texto or None


def _fecha(valor, campo: str, nombre: str) -> date:
    if isinstance(valor, date) and not isinstance(valor, datetime):
        fecha = valor
    else:
        try:
            fecha = date.fromisoformat(str(valor or "").strip())
        except ValueError:
            raise ProcesoInvalido(campo, f"{nombre}: escriba una fecha válida (dd/mm/aaaa)."
                                  ) from None
    if fecha > hoy_local():
        raise ProcesoInvalido(campo, f"{nombre}: no puede ser una fecha futura.")
    return fecha


def _audiencia(valor) -> datetime | None:
    """Local date and time (a datetime-local field, or a datetime) → UTC; None when empty."""
    if valor in (None, ""):
        return None
    if isinstance(valor, datetime):
        momento = valor
    else:
        try:
            momento = datetime.fromisoformat(str(valor).strip())
        except ValueError:
            raise ProcesoInvalido("proxima_audiencia", "Próxima audiencia: escriba la fecha y "
                                  "la hora (dd/mm/aaaa hh:mm).") from None
    if momento.tzinfo is None:
        momento = momento.replace(tzinfo=_zona())
    return momento.astimezone(ZoneInfo("UTC"))


def _motivo(motivo) -> str:
    motivo = (motivo or "").strip()
    if len(motivo) < MIN_MOTIVO:
        raise ProcesoInvalido("motivo", f"Explique el motivo (al menos {MIN_MOTIVO} caracteres).")
    if len(motivo) > MAX_MOTIVO:
        raise ProcesoInvalido("motivo", f"El motivo admite hasta {MAX_MOTIVO} caracteres.")
    return motivo


def _abogado(valor) -> int | None:
    if valor in (None, ""):
        return None
    numero = entero_de_texto(str(valor).strip())  # None too for ids past a database integer
    abogado = db.session.get(Usuario, numero) if numero is not None else None
    if abogado is None or abogado.rol != "abogado" or not abogado.activo:
        raise ProcesoInvalido("abogado_id", "Elija un abogado activo de la lista.")
    return abogado.id


def _exigir_edicion(proceso: ProcesoJuridico | None, usuario) -> None:
    if proceso is not None and proceso.estado == "terminado":
        raise ProcesoInvalido("proceso", "El proceso está terminado: ya no se modifica.")
    if not puede_editar(proceso, usuario):
        raise ProcesoInvalido("proceso", f"Este proceso está a cargo de {a_cargo(proceso)}: "
                              "pida a un supervisor que se lo reasigne.")


def _foto(proceso: ProcesoJuridico) -> dict:
    audiencia = proceso.proxima_audiencia
    return {"abogado_id": proceso.abogado_id, "firma_externa": proceso.firma_externa,
            "tipo_proceso": proceso.tipo_proceso, "juzgado": proceso.juzgado,
            "radicado": proceso.radicado,
            "proxima_audiencia": audiencia.isoformat() if audiencia else None}


def proceso_para(caso: Caso, usuario_id) -> ProcesoJuridico:
    """The caso's proceso, created now if it has none (the caso must be in jurídico). Two
    first saves at once: the unique caso_id lets one insert win, the other reads it."""
    proceso = proceso_de(caso)
    if proceso is not None:
        return proceso
    if caso.etapa != "juridico":
        raise ProcesoInvalido("caso", "El caso no está en etapa Jurídico: no tiene proceso.")
    proceso = ProcesoJuridico(acreedor_id=caso.acreedor_id, caso_id=caso.id)
    try:
        with db.session.begin_nested():
            db.session.add(proceso)
    except IntegrityError:
        existente = proceso_de(caso)
        if existente is None:
            raise
        return existente
    registrar("proceso.crear", "proceso_juridico", proceso.id, acreedor_id=caso.acreedor_id,
              despues={"caso_id": caso.id}, usuario_id=usuario_id)
    return proceso


# ---------------------------------------------------------------- writing


def guardar_proceso(caso: Caso, datos, usuario) -> ProcesoJuridico:
    """Saves the proceso's fields (creating it on the first save). `datos` is a form-like
    mapping; assignment fields (abogado_id, firma_externa) are changed only when present."""
    proceso = proceso_de(caso)
    _exigir_edicion(proceso, usuario)
    tipo = (datos.get("tipo_proceso") or "").strip() or None
    if tipo is not None and tipo not in TIPOS_PROCESO:
        raise ProcesoInvalido("tipo_proceso", "Elija el tipo de proceso de la lista.")
    juzgado = _texto(datos.get("juzgado"), "juzgado", "Juzgado")
    radicado = _texto(datos.get("radicado"), "radicado", "Radicado", MAX_RADICADO)
    if radicado is not None and not RADICADO.match(radicado):
        raise ProcesoInvalido("radicado", "Radicado: solo números, letras, guiones y espacios "
                              f"(hasta {MAX_RADICADO} caracteres).")
    audiencia = _audiencia(datos.get("proxima_audiencia"))
    asignar = "abogado_id" in datos or "firma_externa" in datos
    abogado_id = _abogado(datos.get("abogado_id"))
    firma = _texto(datos.get("firma_externa"), "firma_externa", "Firma externa")
    if abogado_id is not None and firma is not None:
        raise ProcesoInvalido("firma_externa", "El proceso va a un abogado de la agencia o a una "
                              "firma externa, no a ambos: deje uno de los dos en blanco.")
    anterior = proceso.proxima_audiencia if proceso is not None else None
    if audiencia is not None and audiencia != anterior and audiencia < ahora():
        raise ProcesoInvalido("proxima_audiencia", "Próxima audiencia: no puede estar en el "
                              "pasado. Registre la audiencia ya celebrada como actuación.")
    usuario_id = getattr(usuario, "id", None)
    proceso = proceso or proceso_para(caso, usuario_id)
    if asignar and (abogado_id, firma) != (proceso.abogado_id, proceso.firma_externa):
        propia = abogado_id == usuario_id and firma is None
        if getattr(usuario, "rol", None) not in SUPERVISORES and not propia:
            raise ProcesoInvalido("abogado_id", "Solo un supervisor asigna el proceso a otro "
                                  "abogado o a una firma externa.")
    antes = _foto(proceso)
    if asignar:
        proceso.abogado_id, proceso.firma_externa = abogado_id, firma
    proceso.tipo_proceso, proceso.juzgado, proceso.radicado = tipo, juzgado, radicado
    proceso.proxima_audiencia = audiencia
    despues = _foto(proceso)
    if despues != antes:
        proceso.actualizado_en = ahora()
        registrar("proceso.guardar", "proceso_juridico", proceso.id,
                  acreedor_id=proceso.acreedor_id, antes=antes, despues=despues,
                  usuario_id=usuario_id)
    db.session.flush()
    return proceso


def registrar_actuacion(proceso: ProcesoJuridico, fecha, tipo: str, descripcion: str,
                        usuario) -> ActuacionJuridica:
    _exigir_edicion(proceso, usuario)
    fecha = _fecha(fecha, "fecha", "Fecha de la actuación")
    if tipo not in TIPOS_ACTUACION:
        raise ProcesoInvalido("tipo", "Elija el tipo de actuación de la lista.")
    descripcion = (descripcion or "").strip()
    if len(descripcion) > MAX_DESCRIPCION:
        raise ProcesoInvalido("descripcion", f"Descripción: hasta {MAX_DESCRIPCION} caracteres.")
    actuacion = ActuacionJuridica(acreedor_id=proceso.acreedor_id, proceso_id=proceso.id,
                                  fecha=fecha, tipo=tipo, descripcion=descripcion,
                                  usuario_id=getattr(usuario, "id", None))
    db.session.add(actuacion)
    db.session.flush()
    registrar("proceso.actuacion", "proceso_juridico", proceso.id,
              acreedor_id=proceso.acreedor_id,
              despues={"actuacion_id": actuacion.id, "fecha": fecha.isoformat(), "tipo": tipo},
              usuario_id=actuacion.usuario_id)
    return actuacion


def registrar_costo(proceso: ProcesoJuridico, fecha, concepto: str, monto,
                    usuario) -> CostoJuridico:
    _exigir_edicion(proceso, usuario)
    fecha = _fecha(fecha, "fecha", "Fecha del costo")
    concepto = _texto(concepto, "concepto", "Concepto")
    if concepto is None:
        raise ProcesoInvalido("concepto", "Escriba el concepto del costo.")
    moneda = proceso.caso.acreedor.moneda
    try:
        monto = Decimal(str(monto).strip().replace(" ", "")) if monto not in (None, "") else None
    except InvalidOperation:
        monto = None
    if monto is None or not monto.is_finite():
        raise ProcesoInvalido("monto", "Monto: escriba un número, por ejemplo 150000.")
    if monto <= 0:
        raise ProcesoInvalido("monto", "Monto: debe ser mayor que cero.")
    if not en_unidad_minima(monto, moneda):
        raise ProcesoInvalido("monto", f"Monto: en {moneda} se escribe {texto_unidad(moneda)}.")
    if monto >= Decimal("1e12"):
        raise ProcesoInvalido("monto", "Monto: demasiado grande.")
    costo = CostoJuridico(acreedor_id=proceso.acreedor_id, proceso_id=proceso.id, fecha=fecha,
                          concepto=concepto, monto=monto, moneda=moneda,
                          usuario_id=getattr(usuario, "id", None))
    db.session.add(costo)
    db.session.flush()
    registrar("proceso.costo", "proceso_juridico", proceso.id, acreedor_id=proceso.acreedor_id,
              despues={"costo_id": costo.id, "fecha": fecha.isoformat(), "concepto": concepto,
                       "monto": str(monto), "moneda": moneda},
              usuario_id=costo.usuario_id)
    return costo


def acuerdo_del_proceso(proceso: ProcesoJuridico | None) -> Acuerdo | None:
    """The acuerdo judicial a proceso was closed with (the caso's latest judicial one)."""
    if proceso is None or proceso.resultado != "acuerdo_judicial":
        return None
    return acuerdos.acuerdo_judicial_del_caso(proceso.caso_id)


def _reclamar(proceso: ProcesoJuridico, resultado: str, momento: datetime) -> None:
    """Claims the proceso for closing (conditional UPDATE): two closings at once, one wins."""
    fila = db.session.execute(
        update(ProcesoJuridico)
        .where(ProcesoJuridico.id == proceso.id, ProcesoJuridico.estado == "en_curso")
        .values(estado="terminado", resultado=resultado, cerrado_en=momento,
                actualizado_en=momento)
        .execution_options(synchronize_session=False))
    if fila.rowcount != 1:
        raise ProcesoInvalido("proceso", "El proceso ya fue cerrado por otra persona.")


def _auditar_cierre(proceso: ProcesoJuridico, resultado: str, motivo: str, usuario,
                    **extra) -> None:
    db.session.refresh(proceso)
    registrar("proceso.cerrar", "proceso_juridico", proceso.id, acreedor_id=proceso.acreedor_id,
              antes={"estado": "en_curso"},
              despues={"estado": "terminado", "resultado": resultado, "motivo": motivo,
                       "etapa": proceso.caso.etapa, **extra},
              usuario_id=getattr(usuario, "id", None))
    db.session.flush()


def _cerrar_con_acuerdo(proceso: ProcesoJuridico, motivo: str, usuario,
                        datos) -> ProcesoJuridico:
    """The court approved a payment plan: the acuerdo judicial, vigente at once, takes the
    caso to acuerdo; the proceso ends with it. The terms are checked before anything is
    written."""
    caso = proceso.caso
    if caso.etapa != "juridico":
        raise ProcesoInvalido("resultado", f"El caso está en {caso.nombre_etapa}, no en "
                              "Jurídico: no admite un acuerdo judicial.")
    hoy = hoy_local()
    try:
        acuerdos.plan_judicial(caso, datos, hoy)
        _reclamar(proceso, "acuerdo_judicial", ahora())
        hecho = acuerdos.crear_acuerdo_judicial(
            caso, datos, usuario, hoy, motivo=motivo, radicado=proceso.radicado,
            proceso_id=proceso.id)
    except acuerdos.AcuerdoCambiado as error:
        raise ProcesoInvalido("resultado", error.mensaje) from None
    except EntradaInvalida as error:
        if isinstance(error, ProcesoInvalido):
            raise
        raise ProcesoInvalido(error.campo, error.mensaje) from None
    _auditar_cierre(proceso, "acuerdo_judicial", motivo, usuario, acuerdo_id=hecho.acuerdo.id,
                    radicado=proceso.radicado)
    return proceso


def cerrar_proceso(proceso: ProcesoJuridico, resultado: str, motivo: str,
                   usuario, datos=None) -> ProcesoJuridico:
    """Terminates the proceso with its outcome and moves the caso (see the module rules).
    `datos`: the plan's terms for an acuerdo judicial (form-like mapping); by default the
    posted form of the current request."""
    _exigir_edicion(proceso, usuario)
    if resultado not in RESULTADOS_PROCESO:
        raise ProcesoInvalido("resultado", "Elija el resultado: pagado, acuerdo judicial o "
                              "incobrable.")
    motivo = _motivo(motivo)
    if resultado == "acuerdo_judicial":
        if datos is None:
            datos = request.form if has_request_context() else {}
        return _cerrar_con_acuerdo(proceso, motivo, usuario, datos)
    caso = proceso.caso
    hacia = ETAPA_DEL_RESULTADO[resultado]
    actor, texto = usuario, motivo
    if hacia == "pagado" and getattr(usuario, "rol", None) not in SUPERVISORES:
        if caso.etapa != "pagado" and caso.saldo > 0:
            raise ProcesoInvalido(
                "resultado", "El caso aún tiene saldo: regístrelo pagado cuando el pago "
                "ingrese (el sistema lo cierra al quedar en cero) o pida a un supervisor que "
                "lo marque pagado.")
        actor, texto = None, f"Pagado (saldo en cero), cerrado por {usuario.nombre}: {motivo}"
    if caso.etapa != hacia:
        try:
            validar(caso, hacia, actor, texto)
        except TransicionInvalida as error:
            raise ProcesoInvalido("resultado", error.mensaje) from None
    _reclamar(proceso, resultado, ahora())
    try:
        cambiar_etapa(caso, hacia, actor, texto)
    except TransicionInvalida as error:
        raise ProcesoInvalido("resultado", error.mensaje) from None
    _auditar_cierre(proceso, resultado, motivo, usuario)
    return proceso


# ---------------------------------------------------------------- following the caso


def _pasar(caso: Caso, desde: dict, hacia: dict) -> ProcesoJuridico | None:
    """Conditional UPDATE of the caso's proceso from the `desde` values to `hacia`; the
    proceso when it changed, None when it was not in `desde` (or there is none)."""
    condiciones = [getattr(ProcesoJuridico, campo) == valor if valor is not None
                   else getattr(ProcesoJuridico, campo).is_(None)
                   for campo, valor in desde.items()]
    fila = db.session.execute(
        update(ProcesoJuridico).where(ProcesoJuridico.caso_id == caso.id, *condiciones)
        .values(**hacia, actualizado_en=ahora())
        .execution_options(synchronize_session=False))
    if fila.rowcount != 1:
        return None
    proceso = proceso_de(caso)
    db.session.refresh(proceso)
    return proceso


def al_cambiar_etapa(caso: Caso, desde: str, hacia: str, motivo: str | None,
                     usuario_id: int | None) -> None:
    """Called by the stage machine after a caso moved between juridico and a closed etapa:
    out of juridico, its open proceso ends (CIERRE_DEL_CASO); back into juridico from pagado
    (a reversed payment), the proceso closed as pagado reopens."""
    if desde == "juridico" and hacia in CIERRE_DEL_CASO:
        resultado, razon = CIERRE_DEL_CASO[hacia]
        proceso = _pasar(caso, {"estado": "en_curso"},
                         {"estado": "terminado", "resultado": resultado, "cerrado_en": ahora()})
        if proceso is not None:
            registrar("proceso.terminado", "proceso_juridico", proceso.id,
                      acreedor_id=proceso.acreedor_id, antes={"estado": "en_curso"},
                      despues={"estado": "terminado", "resultado": resultado,
                               "motivo": razon, "etapa": hacia, "detalle": motivo},
                      usuario_id=usuario_id)
    elif desde == "pagado" and hacia == "juridico":
        _reabrir(caso, "pagado", motivo or "El pago que cerró el caso fue reversado.",
                 usuario_id)


def reabrir_por_acuerdo(caso: Caso, acuerdo_id: int, motivo: str) -> ProcesoJuridico | None:
    """The acuerdo judicial was broken or annulled and the caso is back in juridico: its
    proceso resumes (estado en_curso, no resultado), audited as the system."""
    return _reabrir(caso, "acuerdo_judicial", motivo, None, acuerdo_id=acuerdo_id)


def _reabrir(caso: Caso, resultado: str, motivo: str, usuario_id: int | None,
             **extra) -> ProcesoJuridico | None:
    proceso = _pasar(caso, {"estado": "terminado", "resultado": resultado},
                     {"estado": "en_curso", "resultado": None, "cerrado_en": None})
    if proceso is not None:
        registrar("proceso.reabrir", "proceso_juridico", proceso.id,
                  acreedor_id=proceso.acreedor_id,
                  antes={"estado": "terminado", "resultado": resultado},
                  despues={"estado": "en_curso", "resultado": None, "motivo": motivo, **extra},
                  usuario_id=usuario_id)
    return proceso
