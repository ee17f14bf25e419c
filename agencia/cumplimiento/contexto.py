"""Everything the engine needs to know about a caso before applying the rules: which
country's law applies (with the fallback notice), the acreedor's row on top of it, the
deudor's time zone and preferred hours, how far back the history must reach, and — for a
bandeja page — loading what the casos lack in a fixed number of queries.
"""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from agencia.acreedores.modelos import Acreedor
from agencia.casos.modelos import Caso
from agencia.cumplimiento import horario as h
from agencia.cumplimiento.ajustes import AjustesInvalidos, aplicar
from agencia.cumplimiento.presets import PRESETS, Politica
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db

# Countries spanning several time zones: assuming one for a deudor is worth a notice.
VARIAS_ZONAS = {"US", "MX", "CL"}


def preset_de(caso) -> tuple[Politica, list[str]]:
    pais = caso.deudor.pais
    if pais in PRESETS:
        return PRESETS[pais], []
    respaldo = PRESETS.get(caso.acreedor.pais, PRESETS["CO"])
    if pais:
        aviso = f"No hay política para el país del deudor ({pais}): "
    else:
        aviso = "El deudor no tiene país registrado: "
    return respaldo, [aviso + f"se aplica la política de {h.nombre_pais(respaldo.pais)}."]


def ajustar(preset: Politica, fila, avisos: list[str]) -> Politica:
    """The preset with the acreedor's row applied; a bad row never loosens anything."""
    if fila is None:
        return preset
    politica = preset
    try:
        politica = aplicar(preset, fila.ajustes or {})
    except AjustesInvalidos as error:
        avisos.append("Los ajustes del acreedor no son válidos y no se aplicaron: "
                      + " ".join(error.errores))
    if fila.excepcion:
        try:
            politica = aplicar(politica, {}, fila.excepcion)
            motivo = f": {fila.excepcion_motivo}" if fila.excepcion_motivo else ""
            avisos.append(f"Rige una excepción autorizada por la administración{motivo}.")
        except AjustesInvalidos as error:
            avisos.append("La excepción registrada no es válida y no se aplicó: "
                          + " ".join(error.errores))
    return politica


def zona_de(caso, politica: Politica) -> tuple[str, object, list[str]]:
    deudor, avisos = caso.deudor, []
    propia = deudor.zona_horaria
    tz = h.zona(propia)
    if tz is not None:
        return propia, tz, avisos
    if propia:
        avisos.append(f"La zona horaria del deudor ({propia}) no es válida.")
    if deudor.pais == politica.pais:
        nombre = politica.zona_horaria_defecto
        if deudor.pais in VARIAS_ZONAS or avisos:
            avisos.append(f"El deudor no tiene zona horaria registrada: se usa la hora de "
                          f"{h.ciudad(nombre)} ({nombre}).")
    else:
        nombre = caso.acreedor.zona_horaria if h.zona(caso.acreedor.zona_horaria) else (
            politica.zona_horaria_defecto)
        avisos.append(f"El deudor no tiene zona horaria registrada: se usa la del acreedor "
                      f"(hora de {h.ciudad(nombre)}).")
    return nombre, h.zona(nombre), avisos


def preferida_de(deudor, politica: Politica, avisos: list[str]):
    desde, hasta = deudor.hora_preferida_desde, deudor.hora_preferida_hasta
    if desde is None and hasta is None:
        return None
    ventanas = [v for v in politica.horario.values() if v]
    preferida = (desde or min(v[0] for v in ventanas), hasta or max(v[1] for v in ventanas))
    if preferida[0] < preferida[1] and any(
            h.ventana_efectiva(politica.horario, d, preferida) for d in range(7)):
        return preferida
    avisos.append("El horario preferido del deudor no coincide con el horario permitido: "
                  "no se tiene en cuenta.")
    return None


def alcance(politica: Politica) -> timedelta:
    """How far back the history must reach for every rule of a policy (a local day or an
    ISO week may start up to a day earlier in UTC than the plain count of days)."""
    dias = [0, *(t.dias for t in politica.topes.values()),
            *(d + 1 for d in politica.separacion_dias.values()),
            *politica.silencio_tras_conversacion_dias.values()]
    if politica.tope_total:
        dias.append(politica.tope_total.dias)
    if politica.max_por_dia is not None:
        dias.append(2)
    if politica.un_canal_por_semana_tras_contacto:
        dias.append(8)
    return timedelta(days=max(dias))


def precargar(casos: list) -> list:
    """Loads what the casos lack — their own expired columns, deudores with contactos,
    acreedores — in at most four queries, never one per caso. (Loaded attributes live in the
    instance __dict__; checking it is much cheaper than inspect().) Returns the objects:
    the caller keeps them referenced so the session's (weak) identity map still holds them
    when each caso's relationship is read."""
    cargados: list = []
    vencidos = [inspect(c).identity[0] for c in casos if "deudor_id" not in c.__dict__]
    if vencidos:
        cargados += db.session.scalars(select(Caso).where(Caso.id.in_(vencidos))).all()
    faltan_deudor = set()
    for caso in casos:
        deudor = caso.__dict__.get("deudor")
        if deudor is None or "contactos" not in deudor.__dict__ or "pais" not in deudor.__dict__:
            faltan_deudor.add(caso.deudor_id)
    if faltan_deudor:
        # Contactos in one query whatever the number (selectinload would batch by 500).
        deudores = db.session.scalars(select(Deudor).where(Deudor.id.in_(faltan_deudor))).all()
        contactos = defaultdict(list)
        for contacto in db.session.scalars(select(Contacto).where(
                Contacto.deudor_id.in_(faltan_deudor)).order_by(Contacto.id)):
            contactos[contacto.deudor_id].append(contacto)
        for deudor in deudores:
            set_committed_value(deudor, "contactos", contactos[deudor.id])
        cargados += deudores
    faltan_acreedor = {c.acreedor_id for c in casos if "pais" not in getattr(
        c.__dict__.get("acreedor"), "__dict__", ())}
    if faltan_acreedor:
        cargados += db.session.scalars(
            select(Acreedor).where(Acreedor.id.in_(faltan_acreedor))).all()
    if cargados:
        for caso in casos:  # bind them to each caso (from the identity map, no SQL)
            caso.deudor, caso.acreedor  # noqa: B018
    return cargados
