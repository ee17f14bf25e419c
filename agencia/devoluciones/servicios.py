"""Recalls: the acreedor takes casos back (portal, API). One service for every origin.

    previsualizar(acreedor, entradas)                what a recall would do; changes nothing
    devolver(acreedor, entradas, usuario_id, origen, motivo, quien=...)   does it; flushes

Each entry is an obligacion referencia (str) or a caso id (int), looked up within THAT
acreedor only: a referencia of another acreedor is "no encontrada", exactly like one that does
not exist. A referencia names its caso: recalling it recalls the whole caso (the caso is the
unit of work; its other obligaciones go with it).

Per entry, one outcome (RESULTADOS):
- an open caso (prejuridico, negociacion, acuerdo, juridico, in disputa or not) → devuelto
  through `cambiar_etapa(caso, "devuelto", None, motivo)` (the system's transition): the claim
  is released, the caso leaves every bandeja (they list ETAPAS_ABIERTAS only), the CambioEtapa
  stays in its history, and "caso.devolver" is audited. An acreedor may recall a caso in
  jurídico: the debt is its own; the lawyer sees the change in the caso's history.
- a caso with an open acuerdo de pago (vigente or waiting for approval) is NOT moved: the
  debtor has an agreement with the agency, payments may be in flight, and annulling it is a
  supervisor's decision (`acuerdos.servicios.anular` needs a user with that role). The line
  says "comuníquese con la agencia".
- already devuelto → "ya estaba devuelto", nothing changes (a recall sent twice is harmless).
- closed as pagado or incobrable → reported, not moved.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.acuerdos.modelos import ESTADOS_ABIERTOS, Acuerdo
from agencia.auditoria.servicios import registrar
from agencia.casos.etapas import MAXIMO_MOTIVO, TransicionInvalida, cambiar_etapa
from agencia.casos.modelos import ETAPAS, ETAPAS_ABIERTAS, Caso, Obligacion
from agencia.errores import EntradaInvalida
from agencia.extensiones import db

MAXIMO_LINEAS = 5000
MAXIMO_MOTIVO_ACREEDOR = 500
LARGO_REFERENCIA = 60
ORIGENES = {"portal": "portal", "api": "API", "ui": "agencia", "cli": "consola"}
_TROZO = 500

RESULTADOS = {
    "devuelto": "Devuelto",
    "a_devolver": "Se devolverá",
    "ya_devuelto": "Ya estaba devuelto",
    "no_encontrada": "No encontrada",
    "cerrado": "Caso cerrado",
    "acuerdo_abierto": "Con acuerdo de pago",
    "invalida": "Referencia no válida",
    "cambio": "Cambió de etapa",
}


class DevolucionInvalida(EntradaInvalida):
    """The recall as a whole cannot be processed (empty, too many lines, motivo too long)."""


@dataclass
class LineaDevolucion:
    """The outcome of one entry: its position (1-based), what was sent, the result code
    (RESULTADOS) and a message in Spanish; the caso when it is the acreedor's."""

    linea: int
    entrada: str
    resultado: str
    mensaje: str
    caso_id: int | None = None
    etapa: str | None = None

    def como_dict(self) -> dict:
        return {"linea": self.linea, "referencia": self.entrada, "resultado": self.resultado,
                "mensaje": self.mensaje, "caso_id": self.caso_id, "etapa": self.etapa}


@dataclass
class ReporteDevolucion:
    lineas: list[LineaDevolucion] = field(default_factory=list)
    aplicado: bool = False

    def _contar(self, *resultados: str) -> int:
        return sum(1 for linea in self.lineas if linea.resultado in resultados)

    @property
    def casos(self) -> int:
        """Distinct casos recalled (or to recall, in a preview)."""
        return len({linea.caso_id for linea in self.lineas
                    if linea.resultado in ("devuelto", "a_devolver")})

    @property
    def ya_devueltos(self) -> int:
        return self._contar("ya_devuelto")

    @property
    def no_encontradas(self) -> int:
        return self._contar("no_encontrada", "invalida")

    @property
    def no_devueltos(self) -> int:
        """Found but not moved: closed casos, open acuerdos, a change meanwhile."""
        return self._contar("cerrado", "acuerdo_abierto", "cambio")

    def como_dict(self) -> dict:
        return {"casos_devueltos" if self.aplicado else "casos_a_devolver": self.casos,
                "ya_devueltos": self.ya_devueltos, "no_encontradas": self.no_encontradas,
                "no_devueltos": self.no_devueltos,
                "lineas": [linea.como_dict() for linea in self.lineas]}


def limpiar_entradas(entradas: Iterable) -> list[str | int]:
    """The entries as sent, stripped; blank ones dropped. Refuses an empty or huge list."""
    limpias: list[str | int] = []
    for entrada in entradas:
        if isinstance(entrada, bool):
            entrada = str(entrada)
        if isinstance(entrada, int):
            limpias.append(entrada)
            continue
        texto = " ".join(str(entrada if entrada is not None else "").split())
        if texto:
            limpias.append(texto)
    if not limpias:
        raise DevolucionInvalida("referencias", "No hay referencias para devolver.")
    if len(limpias) > MAXIMO_LINEAS:
        raise DevolucionInvalida(
            "referencias", f"Se recibieron {len(limpias):,} referencias; el máximo por devolución "
            f"es {MAXIMO_LINEAS:,}. Divida la lista en partes.".replace(",", "."))
    return limpias


def validar_motivo(motivo: str | None) -> str:
    motivo = " ".join((motivo or "").split())
    if len(motivo) > MAXIMO_MOTIVO_ACREEDOR:
        raise DevolucionInvalida(
            "motivo", f"El motivo admite hasta {MAXIMO_MOTIVO_ACREEDOR} caracteres.")
    return motivo


def _en_trozos(valores: list, tamano: int = _TROZO):
    for inicio in range(0, len(valores), tamano):
        yield valores[inicio:inicio + tamano]


def _buscar(acreedor_id: int, entradas: list[str | int], bloquear: bool
            ) -> tuple[dict[str, int], dict[int, Caso]]:
    """(referencia → caso id, caso id → Caso) for the entries of this acreedor only.
    A referencia matches exactly, else ignoring case."""
    textos = sorted({e for e in entradas if isinstance(e, str) and len(e) <= LARGO_REFERENCIA})
    exactas: dict[str, int] = {}
    por_minuscula: dict[str, int] = {}
    for trozo in _en_trozos(sorted({t.lower() for t in textos})):
        filas = db.session.execute(
            select(Obligacion.referencia, Obligacion.caso_id).where(
                Obligacion.acreedor_id == acreedor_id,
                func.lower(Obligacion.referencia).in_(trozo)))
        for referencia, caso_id in filas:
            exactas[referencia] = caso_id
            por_minuscula.setdefault(referencia.lower(), caso_id)
    referencias = {t: exactas.get(t, por_minuscula.get(t.lower())) for t in textos}
    referencias = {t: c for t, c in referencias.items() if c is not None}

    ids = sorted(set(referencias.values())
                 | {e for e in entradas if isinstance(e, int) and 0 < e < 2**31})
    casos: dict[int, Caso] = {}
    for trozo in _en_trozos(ids):
        stmt = select(Caso).where(Caso.acreedor_id == acreedor_id, Caso.id.in_(trozo)) \
            .order_by(Caso.id)
        if bloquear:
            # PostgreSQL: an acuerdo proposed meanwhile waits for us (it locks the caso too).
            stmt = stmt.with_for_update()
        casos.update({caso.id: caso for caso in db.session.scalars(stmt)})
    return referencias, casos


def _acuerdos_abiertos(caso_ids: list[int]) -> dict[int, Acuerdo]:
    abiertos: dict[int, Acuerdo] = {}
    for trozo in _en_trozos(caso_ids):
        for acuerdo in db.session.scalars(select(Acuerdo).where(
                Acuerdo.caso_id.in_(trozo), Acuerdo.estado.in_(ESTADOS_ABIERTOS))):
            abiertos[acuerdo.caso_id] = acuerdo
    return abiertos


def _clasificar(acreedor: Acreedor, entradas: list[str | int], bloquear: bool = False
                ) -> tuple[list[LineaDevolucion], dict[int, Caso]]:
    """What each entry would do, without changing anything. The first line naming a caso
    carries it ("a_devolver"); later lines of the same caso say so."""
    referencias, casos = _buscar(acreedor.id, entradas, bloquear)
    abiertos = _acuerdos_abiertos([c.id for c in casos.values() if c.etapa in ETAPAS_ABIERTAS])
    lineas: list[LineaDevolucion] = []
    primera: dict[int, LineaDevolucion] = {}
    for numero, entrada in enumerate(entradas, start=1):
        texto = str(entrada)
        if isinstance(entrada, str) and len(entrada) > LARGO_REFERENCIA:
            lineas.append(LineaDevolucion(
                numero, texto[:80], "invalida",
                f"La referencia tiene {len(entrada)} caracteres; el máximo es "
                f"{LARGO_REFERENCIA}."))
            continue
        caso_id = entrada if isinstance(entrada, int) else referencias.get(entrada)
        caso = casos.get(caso_id) if caso_id is not None else None
        if caso is None:
            que = "El caso" if isinstance(entrada, int) else "La referencia"
            lineas.append(LineaDevolucion(numero, texto, "no_encontrada",
                                          f"{que} no se encontró en su cartera."))
            continue
        linea = LineaDevolucion(numero, texto, "", "", caso.id, caso.etapa)
        if caso.id in primera:
            anterior = primera[caso.id]
            linea.resultado, linea.mensaje = anterior.resultado, (
                f"Mismo caso que la línea {anterior.linea} ({anterior.entrada}).")
        elif caso.etapa == "devuelto":
            linea.resultado, linea.mensaje = "ya_devuelto", "Ya estaba devuelto: no cambia nada."
        elif caso.etapa not in ETAPAS_ABIERTAS:
            linea.resultado = "cerrado"
            linea.mensaje = (f"El caso está cerrado como {ETAPAS[caso.etapa]}: no se devuelve.")
        elif caso.id in abiertos:
            acuerdo = abiertos[caso.id]
            linea.resultado = "acuerdo_abierto"
            linea.mensaje = (f"El caso tiene un acuerdo de pago {acuerdo.nombre_estado.lower()} "
                             f"(n.º {acuerdo.id}): no se devolvió; comuníquese con la agencia.")
        else:
            linea.resultado, linea.mensaje = "a_devolver", (
                f"Se devolverá (hoy en {ETAPAS[caso.etapa]}).")
        primera.setdefault(caso.id, linea)
        lineas.append(linea)
    return lineas, casos


def previsualizar(acreedor: Acreedor, entradas: Iterable) -> ReporteDevolucion:
    """What `devolver` would do with these entries; reads only."""
    return ReporteDevolucion(_clasificar(acreedor, limpiar_entradas(entradas))[0])


def motivo_de_etapa(origen: str, quien: str | None, motivo: str) -> str:
    """The reason written on the stage change: who recalled, from where, and why."""
    donde = ORIGENES.get(origen, origen)
    texto = f"Devuelto por el acreedor ({donde}{', ' + quien if quien else ''})"
    return (f"{texto}: {motivo}" if motivo else texto)[:MAXIMO_MOTIVO]


def devolver(acreedor: Acreedor, referencias_o_casos: Iterable, usuario_id: int | None,
             origen: str, motivo: str | None = None, *, quien: str | None = None
             ) -> ReporteDevolucion:
    """Recalls the acreedor's casos named by the entries; returns one line per entry.
    `quien` names the person or token for the history (defaults to the user's name).
    Flushes; the caller commits. Raises DevolucionInvalida for an empty or oversized list."""
    from agencia.auth.modelos import Usuario
    from agencia.bandejas import cache

    entradas = limpiar_entradas(referencias_o_casos)
    motivo = validar_motivo(motivo)
    if quien is None and usuario_id is not None:
        usuario = db.session.get(Usuario, usuario_id)
        quien = usuario.nombre if usuario else None
    texto_etapa = motivo_de_etapa(origen, quien, motivo)
    lineas, casos = _clasificar(acreedor, entradas, bloquear=True)
    hechos: dict[int, str] = {}
    agentes: set[int] = set()
    for linea in lineas:
        if linea.resultado != "a_devolver":
            continue
        caso = casos[linea.caso_id]
        if caso.id in hechos:  # a later line of a caso handled above follows its outcome
            linea.resultado, linea.etapa = hechos[caso.id], caso.etapa
            continue
        desde = caso.etapa
        try:
            cambiar_etapa(caso, "devuelto", None, texto_etapa)
        except TransicionInvalida as error:
            linea.resultado, linea.mensaje = "cambio", error.mensaje
        else:
            linea.resultado, linea.etapa = "devuelto", "devuelto"
            linea.mensaje = f"Devuelto (estaba en {ETAPAS[desde]})."
            if caso.agente_id:
                agentes.add(caso.agente_id)
            registrar("caso.devolver", "caso", caso.id, acreedor_id=acreedor.id,
                      antes={"etapa": desde},
                      despues={"etapa": "devuelto", "origen": origen, "referencia": linea.entrada,
                               "motivo": motivo or None, "quien": quien},
                      usuario_id=usuario_id)
        hechos[caso.id] = linea.resultado
    db.session.flush()
    cache.olvidar(*agentes)
    return ReporteDevolucion(lineas, aplicado=True)
