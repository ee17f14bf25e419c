"""Contact strategies: validating and saving a plan (name, etapa, steps by day offset).

A plan is saved whole: the step list is replaced on every save (runs keep their own copy of
each step, so nothing references the old rows). Every problem is reported at once, naming the
step row, and nothing is written; a saved plan is audited with its state before and after.
"""

from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.cartas.editor import CON_COMPROMISO, MENSAJES
from agencia.cartas.modelos import PLANTILLAS_A_ELECCION, PLANTILLAS_CARTA
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS
from agencia.errores import EntradaInvalida
from agencia.estrategias.modelos import (
    CANALES_PASO,
    MAXIMO_DIA,
    MAXIMO_PASOS,
    Estrategia,
    PasoEstrategia,
)
from agencia.extensiones import db

MAXIMO_NOMBRE = 120
ORDEN_CANALES = tuple(CANALES_PASO)


class EstrategiaInvalida(EntradaInvalida):
    """The plan was not saved: `errores` lists every reason (Spanish)."""

    def __init__(self, errores: list[str], campo: str = "pasos"):
        super().__init__(campo, " ".join(errores))
        self.errores = errores


def plantillas_de_canal(canal: str) -> dict[str, str]:
    """{key: name} of the templates a step of `canal` may use: the letters a user may choose,
    or the channel's message templates that need no payment commitment."""
    if canal == "carta":
        return {c: PLANTILLAS_CARTA[c] for c in PLANTILLAS_A_ELECCION}
    return {p.clave: p.nombre for p in MENSAJES
            if p.canal == canal and p.clave not in CON_COMPROMISO}


def nombre_plantilla(clave: str) -> str:
    if clave in PLANTILLAS_CARTA:
        return PLANTILLAS_CARTA[clave]
    return next((p.nombre for p in MENSAJES if p.clave == clave), clave)


def orden_paso(dia: int, canal: str) -> tuple[int, int]:
    return dia, ORDEN_CANALES.index(canal) if canal in ORDEN_CANALES else len(ORDEN_CANALES)


def _entero(texto) -> int | None:
    try:
        return int(str(texto).strip())
    except (TypeError, ValueError):
        return None


def validar_pasos(filas: list[dict]) -> list[tuple[int, str, str]]:
    """[(dia, canal, plantilla)] sorted by day, from the form rows ({"dia", "canal",
    "plantilla"} strings; fully empty rows are ignored). Raises EstrategiaInvalida."""
    errores, pasos, vistos, llenas = [], [], {}, 0
    for numero, fila in enumerate(filas, start=1):
        dia_txt = str(fila.get("dia") or "").strip()
        canal = str(fila.get("canal") or "").strip()
        plantilla = str(fila.get("plantilla") or "").strip()
        if not (dia_txt or canal or plantilla):
            continue
        llenas += 1
        fila_errores = []
        dia = _entero(dia_txt)
        if not dia_txt:
            fila_errores.append(f"Paso {numero}: indique el día.")
        elif dia is None or not 0 <= dia <= MAXIMO_DIA:
            fila_errores.append(
                f"Paso {numero}: el día debe ser un número entero de 0 a {MAXIMO_DIA}.")
        if canal not in CANALES_PASO:
            fila_errores.append(f"Paso {numero}: elija un canal de la lista." if not canal else
                                f"Paso {numero}: el canal «{canal}» no existe.")
        elif not plantilla:
            fila_errores.append(f"Paso {numero}: elija una plantilla.")
        elif plantilla not in plantillas_de_canal(canal):
            if plantilla in CON_COMPROMISO:
                motivo = ("necesita un compromiso de pago (cuota o promesa) y solo la usan los "
                          "recordatorios de pago")
            elif plantilla in PLANTILLAS_CARTA or any(p.clave == plantilla for p in MENSAJES):
                motivo = f"no es una plantilla del canal {CANALES_PASO[canal]}"
            else:
                motivo = "no existe"
            fila_errores.append(f"Paso {numero}: la plantilla «{plantilla}» {motivo}.")
        if not fila_errores:
            if (dia, canal) in vistos:
                fila_errores.append(
                    f"Paso {numero}: repite el día {dia} por {CANALES_PASO[canal]} del paso "
                    f"{vistos[(dia, canal)]}; deje un solo paso por día y canal.")
            else:
                vistos[(dia, canal)] = numero
                pasos.append((dia, canal, plantilla))
        errores.extend(fila_errores)
    if not llenas:
        errores.append("El plan necesita al menos un paso (día, canal y plantilla).")
    if llenas > MAXIMO_PASOS:
        errores.append(f"Un plan admite como máximo {MAXIMO_PASOS} pasos.")
    if errores:
        raise EstrategiaInvalida(errores)
    return sorted(pasos, key=lambda p: orden_paso(p[0], p[1]))


def validar(datos: dict, acreedor_id: int, estrategia: Estrategia | None = None) -> dict:
    """The clean plan {nombre, activa, etapa, pasos} or EstrategiaInvalida with every
    problem. `datos`: nombre, activa (bool), etapa, pasos (form rows)."""
    errores = []
    nombre = " ".join(str(datos.get("nombre") or "").split())
    if not nombre:
        errores.append("Indique el nombre del plan.")
    elif len(nombre) > MAXIMO_NOMBRE:
        errores.append(f"El nombre admite como máximo {MAXIMO_NOMBRE} caracteres.")
    etapa = str(datos.get("etapa") or "").strip()
    if etapa not in ETAPAS_ABIERTAS:
        abiertas = ", ".join(ETAPAS[e] for e in ETAPAS_ABIERTAS)
        errores.append(f"La etapa «{etapa}» no es válida: elija una etapa abierta ({abiertas})."
                       if etapa else f"Elija la etapa ({abiertas}).")
    elif db.session.scalar(select(Estrategia.id).where(
            Estrategia.acreedor_id == acreedor_id, Estrategia.etapa == etapa,
            Estrategia.id != (estrategia.id if estrategia else -1))) is not None:
        errores.append(f"El acreedor ya tiene un plan para la etapa {ETAPAS[etapa]}: "
                       "edite ese plan.")
    try:
        pasos = validar_pasos(list(datos.get("pasos") or []))
    except EstrategiaInvalida as error:
        errores.extend(error.errores)
        pasos = []
    if errores:
        raise EstrategiaInvalida(errores)
    return {"nombre": nombre, "activa": bool(datos.get("activa")), "etapa": etapa,
            "pasos": pasos}


def estado(estrategia: Estrategia) -> dict:
    """What the audit log keeps of a plan."""
    return {"nombre": estrategia.nombre, "etapa": estrategia.etapa,
            "activa": estrategia.activa,
            "pasos": [{"dia": p.dia, "canal": p.canal, "plantilla": p.plantilla}
                      for p in sorted(estrategia.pasos, key=lambda p: orden_paso(p.dia, p.canal))]}


def guardar(acreedor_id: int, datos: dict, usuario_id: int | None,
            estrategia: Estrategia | None = None) -> Estrategia:
    """Creates (estrategia None) or replaces a plan; audited; flushes, the caller commits."""
    if db.session.get(Acreedor, acreedor_id) is None:
        raise EstrategiaInvalida(["Elija un acreedor de la lista."], "acreedor_id")
    limpio = validar(datos, acreedor_id, estrategia)
    antes = estado(estrategia) if estrategia is not None else None
    if estrategia is None:
        estrategia = Estrategia(acreedor_id=acreedor_id)
        db.session.add(estrategia)
    estrategia.nombre, estrategia.activa = limpio["nombre"], limpio["activa"]
    estrategia.etapa, estrategia.actualizado_por = limpio["etapa"], usuario_id
    # Old rows go first: a new step may reuse an old (dia, canal), which is unique.
    estrategia.pasos.clear()
    db.session.flush()
    estrategia.pasos.extend(PasoEstrategia(dia=d, canal=c, plantilla=p)
                            for d, c, p in limpio["pasos"])
    db.session.flush()
    registrar("estrategia.crear" if antes is None else "estrategia.editar", "estrategia",
              estrategia.id, acreedor_id=acreedor_id, antes=antes, despues=estado(estrategia),
              usuario_id=usuario_id)
    return estrategia


def cambiar_activa(estrategia: Estrategia, activa: bool, usuario_id: int | None) -> bool:
    """Activates or deactivates the plan; audited. False if it already was so."""
    if estrategia.activa == activa:
        return False
    antes = estado(estrategia)
    estrategia.activa, estrategia.actualizado_por = activa, usuario_id
    db.session.flush()
    registrar("estrategia.activar" if activa else "estrategia.desactivar", "estrategia",
              estrategia.id, acreedor_id=estrategia.acreedor_id, antes=antes,
              despues=estado(estrategia), usuario_id=usuario_id)
    return True


def linea_de_tiempo(pasos) -> list[dict]:
    """The plan as the UI shows it: [{dia, canal, nombre_canal, plantilla, nombre_plantilla}]."""
    return [{"dia": p.dia, "canal": p.canal, "nombre_canal": CANALES_PASO.get(p.canal, p.canal),
             "plantilla": p.plantilla, "nombre_plantilla": nombre_plantilla(p.plantilla)}
            for p in sorted(pasos, key=lambda p: orden_paso(p.dia, p.canal))]
