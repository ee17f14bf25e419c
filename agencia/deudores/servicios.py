"""Deudor-level contact settings: consent per contact and channel, country and time zone,
preferred hours, and the no-contactar mark. Each change is audited; bad input raises
AjusteInvalido before anything is touched (or with what was touched put back).

A deudor is shared by every acreedor that placed a debt of theirs, so these settings hold for
all of their casos; the audit entry names the acreedor of the caso the change was made from.
"""

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agencia.asignaciones.lectura import ValorInvalido, leer_email, leer_telefono
from agencia.auditoria.servicios import registrar
from agencia.casos.modelos import CANALES
from agencia.cumplimiento.horario import describir_horario
from agencia.cumplimiento.motor import politica_para
from agencia.cumplimiento.presets import PRESETS
from agencia.deudores.modelos import TIPOS_CONTACTO, Contacto, Deudor
from agencia.errores import EntradaInvalida
from agencia.extensiones import db

ROLES_NO_CONTACTAR = ("supervisor", "admin")
# Which channels make sense on each kind of contact (a phone cannot receive an email).
CANALES_POR_TIPO = {
    "telefono": ("llamada", "sms", "whatsapp"),
    "email": ("email",),
    "direccion": ("carta", "visita"),
}
MAXIMO_ZONA = 50
MAXIMO_VALOR = 300
EJEMPLOS_TELEFONO = {"CO": "300 123 4567", "CL": "9 8765 4321", "PE": "987 654 321",
                     "MX": "55 1234 5678", "US": "202 555 0143"}


class AjusteInvalido(EntradaInvalida):
    """A deudor setting that cannot be saved; `campo` names the offending input."""


def _nombres(canales) -> str:
    return ", ".join(CANALES.get(c, c) for c in canales)


def fijar_consentimientos(contacto: Contacto, canales: list[str], valido: bool, *,
                          acreedor_id: int | None = None, usuario_id: int | None = None) -> None:
    """The channels the deudor authorised on this contact, and whether it still works."""
    admitidos = CANALES_POR_TIPO.get(contacto.tipo, tuple(CANALES))
    desconocidos = [c for c in canales if c not in CANALES]
    if desconocidos:
        raise AjusteInvalido("canales", f"Canal desconocido: {', '.join(desconocidos)}.")
    ajenos = [c for c in canales if c not in admitidos]
    if ajenos:
        raise AjusteInvalido(
            "canales", f"Este contacto solo admite {_nombres(admitidos)}; no {_nombres(ajenos)}.")
    nuevos = [c for c in CANALES if c in canales]  # the usual order, no repeats
    antes = {"contacto_id": contacto.id, "consentimientos": list(contacto.consentimientos or []),
             "valido": contacto.valido}
    if antes["consentimientos"] == nuevos and contacto.valido == valido:
        return
    contacto.consentimientos, contacto.valido = nuevos, valido
    registrar(
        "deudor.consentimiento", "deudor", contacto.deudor_id, acreedor_id=acreedor_id,
        antes=antes, despues={"contacto_id": contacto.id, "consentimientos": nuevos,
                              "valido": valido},
        usuario_id=usuario_id,
    )
    db.session.flush()


def validar_zona(nombre: str | None) -> str | None:
    """A IANA time zone name (e.g. America/Bogota), None when empty; AjusteInvalido otherwise."""
    nombre = (nombre or "").strip()
    if not nombre:
        return None
    try:
        if len(nombre) > MAXIMO_ZONA:
            raise ValueError(nombre)
        ZoneInfo(nombre)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise AjusteInvalido(
            "zona_horaria", f"Zona horaria desconocida: «{nombre[:MAXIMO_ZONA]}». Use un nombre "
            "como America/Bogota, America/Santiago o America/Mexico_City.") from None
    return nombre


def _dentro_de_la_ley(politica, desde: time, hasta: time) -> bool:
    return any(v and v[0] <= desde and hasta <= v[1] for v in politica.horario.values())


def fijar_preferencias(caso, pais: str | None, zona_horaria: str | None,
                       desde: time | None, hasta: time | None, *,
                       usuario_id: int | None = None) -> None:
    """The deudor's country, time zone and preferred hours, from one of their casos (whose
    acreedor's policy defines the legal window the preferred hours must fit in)."""
    deudor: Deudor = caso.deudor
    pais = (pais or "").strip().upper() or None
    if pais is not None and pais not in PRESETS:
        raise AjusteInvalido(
            "pais", f"País sin política de contacto: {pais}. Elija uno de {', '.join(PRESETS)}.")
    zona_horaria = validar_zona(zona_horaria)
    if (desde is None) != (hasta is None):
        raise AjusteInvalido(
            "hora_preferida_hasta", "Indique las dos horas del horario preferido, o ninguna.")
    if desde is not None and desde >= hasta:
        raise AjusteInvalido(
            "hora_preferida_hasta",
            "El horario preferido debe terminar después de empezar ("
            f"{desde:%H:%M}–{hasta:%H:%M}).")

    campos = ("pais", "zona_horaria", "hora_preferida_desde", "hora_preferida_hasta")
    antes = {campo: getattr(deudor, campo) for campo in campos}
    despues = dict(zip(campos, (pais, zona_horaria, desde, hasta), strict=True))
    if antes == despues:
        return
    for campo, valor in despues.items():
        setattr(deudor, campo, valor)
    if desde is not None:
        # The legal window is the one of the deudor's (new) country, as this acreedor applies it.
        politica, _ = politica_para(caso)
        if not _dentro_de_la_ley(politica, desde, hasta):
            for campo, valor in antes.items():
                setattr(deudor, campo, valor)
            raise AjusteInvalido(
                "hora_preferida_desde",
                f"El horario preferido {desde:%H:%M}–{hasta:%H:%M} no cabe en el horario legal "
                f"de ningún día ({politica.nombre}: {describir_horario(politica.horario)}).")
    registrar("deudor.contacto", "deudor", deudor.id, acreedor_id=caso.acreedor_id,
              antes=antes, despues=despues, usuario_id=usuario_id)
    db.session.flush()


def fijar_no_contactar(deudor: Deudor, valor: bool, usuario, nota: str | None = None, *,
                       acreedor_id: int | None = None) -> None:
    """Marks (or unmarks) the deudor as not to be contacted by any channel."""
    if getattr(usuario, "rol", None) not in ROLES_NO_CONTACTAR:
        raise AjusteInvalido(
            "no_contactar", "Solo un supervisor o un administrador puede cambiar «No contactar».")
    if deudor.no_contactar == valor:
        return
    antes = {"no_contactar": deudor.no_contactar}
    deudor.no_contactar = valor
    registrar("deudor.no_contactar", "deudor", deudor.id, acreedor_id=acreedor_id, antes=antes,
              despues={"no_contactar": valor, "nota": (nota or "").strip()},
              usuario_id=usuario.id)
    db.session.flush()


def normalizar_valor(tipo: str, valor: str | None, pais: str) -> str:
    """A contact value as stored, the same way the placement importer stores it: phones in
    E.164 for `pais`, emails checked and in lower case, addresses with single spaces."""
    texto = " ".join((valor or "").split())
    if not texto:
        raise AjusteInvalido("valor", f"Escriba el {TIPOS_CONTACTO.get(tipo, 'valor').lower()}.")
    if len(texto) > MAXIMO_VALOR:
        raise AjusteInvalido("valor", f"El contacto admite hasta {MAXIMO_VALOR} caracteres.")
    try:
        if tipo == "telefono":
            return leer_telefono(texto, pais)
        if tipo == "email":
            return leer_email(texto)
    except ValorInvalido as error:
        mensaje = str(error)
        if tipo == "telefono":
            ejemplo = EJEMPLOS_TELEFONO.get(pais, "")
            mensaje += (f": escriba un número de {pais}" + (f" (p. ej. {ejemplo})" if ejemplo
                                                            else "")
                        + " o con su indicativo internacional (+57 …, +56 …).")
        raise AjusteInvalido("valor", mensaje[:1].upper() + mensaje[1:]) from None
    if tipo == "direccion":
        return texto
    raise AjusteInvalido("tipo", f"Tipo de contacto desconocido: «{tipo}».")


def _clave(contacto: Contacto, pais: str) -> str:
    """What makes two contacts the same: the normalised value (stored values may predate
    normalisation), else the value folded."""
    try:
        return normalizar_valor(contacto.tipo, contacto.valor, pais).lower()
    except AjusteInvalido:
        return " ".join(contacto.valor.split()).lower()


def agregar_contacto(caso, tipo: str, valor: str, canales: list[str], *,
                     usuario_id: int | None = None) -> Contacto:
    """Adds a phone, email or address to the caso's deudor, normalised for the deudor's
    country (the acreedor's when unknown). The same contact twice, in any format, is refused."""
    deudor: Deudor = caso.deudor
    if tipo not in TIPOS_CONTACTO:
        raise AjusteInvalido("tipo", "Elija el tipo de contacto: teléfono, correo o dirección.")
    pais = deudor.pais or caso.acreedor.pais
    normalizado = normalizar_valor(tipo, valor, pais)
    repetido = next((c for c in deudor.contactos
                     if c.tipo == tipo and _clave(c, pais) == normalizado.lower()), None)
    if repetido is not None:
        raise AjusteInvalido("valor", f"El deudor ya tiene este {TIPOS_CONTACTO[tipo].lower()}: "
                                      f"{repetido.valor}.")
    admitidos = CANALES_POR_TIPO[tipo]
    ajenos = [c for c in canales if c not in admitidos]
    if ajenos:
        raise AjusteInvalido(
            "canales", f"Este contacto solo admite {_nombres(admitidos)}; no {_nombres(ajenos)}.")
    contacto = Contacto(tipo=tipo, valor=normalizado, valido=True,
                        consentimientos=[c for c in admitidos if c in canales])
    deudor.contactos.append(contacto)
    db.session.flush()
    registrar("deudor.contacto_agregar", "deudor", deudor.id, acreedor_id=caso.acreedor_id,
              despues={"contacto_id": contacto.id, "tipo": tipo, "valor": normalizado,
                       "consentimientos": contacto.consentimientos},
              usuario_id=usuario_id)
    db.session.flush()
    return contacto
