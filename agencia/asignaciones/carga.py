"""Writing validated placement rows with SQLAlchemy Core, a chunk of deudores at a time.

Rules (DISENO §5): the rows of one deudor join the acreedor's one caso with that deudor;
deudores are shared across acreedores (one per document); a contacto is added only when the
deudor does not have it yet; an obligacion placed again with other amounts or due date is
updated. Each component's saldo (saldo_capital, saldo_intereses, saldo_gastos) moves by the
change in what was placed of it, never below zero, and saldo stays their sum, so payments
already applied to it are kept.

How (a 100,000-row file in seconds, not minutes): the rows are grouped by deudor and the groups
cut into chunks of about `TROZO` rows, never splitting a deudor. Per chunk, what exists is read
with a few `IN (...)` / `= ANY(...)` queries and ids are taken for the new deudores, casos and
obligaciones (`Ids`); then the rows are built in Python and written: new deudores, contactos,
casos, obligaciones and the audit entries in bulk (`preparar_insercion`: COPY on PostgreSQL, executemany
INSERT on SQLite), changed obligaciones with one executemany UPDATE, and the saldo and
vencimiento of the existing casos touched with one set-based UPDATE. On PostgreSQL one chunk is
written by a helper thread while the next is built. The ORM is not involved, so objects of these
tables already in the session are expired at the end.
"""

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import (
    JSON,
    Connection,
    Row,
    Table,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.asignaciones.reporte import ReporteImportacion
from agencia.asignaciones.validacion import FilaValida, Rechazo
from agencia.auditoria.modelos import Auditoria
from agencia.auditoria.servicios import _json
from agencia.casos.modelos import ETAPAS_ABIERTAS, Caso, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db
from agencia.tipos import FechaHoraUTC, ahora

# Rows per chunk (whole deudores, so a chunk may run a little over). Bound parameters stay
# small whatever the size: COPY has none, SQLite's executemany binds one row at a time, and
# an IN (...) list holds at most LISTA_IN values (SQLite allows 32,766).
TROZO = 2000
LISTA_IN = 1000  # values per IN (...) list (one array parameter on PostgreSQL)
# After an import that added this many rows, PostgreSQL's statistics are refreshed (ANALYZE):
# until autovacuum does it, the planner sees the tables as they were and may scan a whole
# acreedor's obligaciones for every lookup (a re-placement right after would take minutes).
FILAS_PARA_ANALIZAR = 10_000
CERO = Decimal("0.00")
# Channels a contacto placed by the acreedor is authorised for, by kind of contacto.
CONSENTIMIENTOS = {"telefono": ["llamada", "sms", "whatsapp"], "email": ["email"],
                   "direccion": ["carta"]}
TIPOS_PERSONA_JURIDICA = ("NIT", "RUC")
COMPONENTES = ("capital", "intereses", "gastos")
CAMPOS_ACTUALIZABLES = ("capital", "intereses", "gastos", "fecha_vencimiento",
                        "numero_factura", "producto")
CAMPOS_GUARDADOS = CAMPOS_ACTUALIZABLES + ("saldo", "saldo_capital", "saldo_intereses",
                                          "saldo_gastos")

T_DEUDOR, T_CONTACTO = Deudor.__table__, Contacto.__table__
T_CASO, T_OBLIGACION, T_AUDITORIA = Caso.__table__, Obligacion.__table__, Auditoria.__table__


def _en_trozos(valores: list, tamano: int = LISTA_IN):
    for inicio in range(0, len(valores), tamano):
        yield valores[inicio:inicio + tamano]


def _en(conexion: Connection, columna, valores: list):
    """`columna IN (valores)`; on PostgreSQL `IN (SELECT unnest(array))`: one parameter, not
    thousands, and a plan that probes the column's index even when psycopg has prepared the
    statement (a generic plan of `= ANY($1)` may filter every row against the whole array)."""
    if conexion.dialect.name == "postgresql":
        return columna.in_(select(func.unnest(literal(valores, ARRAY(columna.type)))))
    return columna.in_(valores)


def _conversor(columna):
    """What COPY needs for a value of the column: naive UTC times, JSON as text."""
    if isinstance(columna.type, FechaHoraUTC):
        vistos: dict = {}  # the rows of one import share one moment: convert it once

        def a_utc(valor):
            if valor is None:
                return None
            if valor not in vistos:
                vistos[valor] = valor.astimezone(UTC).replace(tzinfo=None)
            return vistos[valor]
        return a_utc
    if isinstance(columna.type, JSON):
        listas: dict = {}  # the same consent lists again and again

        def a_json(valor):
            if valor is None:
                return None
            if isinstance(valor, list) and all(isinstance(v, str) for v in valor):
                clave = tuple(valor)
                if clave not in listas:
                    listas[clave] = json.dumps(valor)
                return listas[clave]
            return json.dumps(valor)
        return a_json
    return None


def preparar_insercion(dialecto: str, tabla: Table, filas: list[dict]) -> Callable:
    """The operation that INSERTs the rows (all with the same keys), given the connection:
    on PostgreSQL with COPY (several times faster than multi-row INSERTs through psycopg)
    unless row-level security applies to the table, elsewhere with an executemany INSERT."""
    if not filas:
        return lambda conexion: None
    if dialecto != "postgresql":
        return lambda conexion: conexion.execute(insert(tabla), filas)
    columnas = list(filas[0])
    lista = ", ".join(f'"{c}"' for c in columnas)
    sql = f'COPY "{tabla.name}" ({lista}) FROM STDIN'

    def copiar(conexion: Connection) -> None:
        from agencia.seguridad_filas import filas_protegidas

        if filas_protegidas(conexion, tabla.name):
            # PostgreSQL refuses COPY FROM into a table under row-level security (the app's
            # role in production): the rows go in with an INSERT instead.
            conexion.execute(insert(tabla), filas)
            return
        conversores = [(i, f) for i, c in enumerate(columnas) if (f := _conversor(tabla.c[c]))]
        cursor = conexion.connection.driver_connection.cursor()
        with cursor.copy(sql) as copia:
            for fila in filas:
                valores = list(fila.values())
                for i, convertir in conversores:
                    valores[i] = convertir(valores[i])
                copia.write_row(valores)
    return copiar


class Ids:
    """Ids taken before the rows are written, so a chunk's rows can be built (casos pointing
    at their deudor, obligaciones at their caso) without waiting for the database. PostgreSQL:
    from the table's sequence. SQLite: after the largest id; the import holds SQLite's write
    lock from the lote's INSERT on, and every row it adds to these tables takes its id here."""

    def __init__(self, conexion: Connection):
        self.conexion = conexion
        self.siguiente: dict[str, int] = {}

    def tomar(self, tabla: Table, cantidad: int) -> list[int]:
        if cantidad == 0:
            return []
        if self.conexion.dialect.name == "postgresql":
            return list(self.conexion.execute(
                select(func.nextval(f"{tabla.name}_id_seq"))
                .select_from(func.generate_series(1, cantidad))).scalars())
        if tabla.name not in self.siguiente:
            mayor = self.conexion.scalar(select(func.max(tabla.c.id)))
            self.siguiente[tabla.name] = (mayor or 0) + 1
        primero = self.siguiente[tabla.name]
        self.siguiente[tabla.name] += cantidad
        return list(range(primero, primero + cantidad))


# --- Before writing: the referencias the acreedor already placed -------------------------------

@dataclass(frozen=True)
class Existente:
    """An obligacion already placed (a Core row) and the document of its caso's deudor."""

    fila: Row
    documento: tuple[str, str]

    def __getattr__(self, nombre):
        return getattr(self.fila, nombre)


def obligaciones_existentes(acreedor_id: int, filas: list[FilaValida]) -> dict[str, Existente]:
    """referencia → the obligacion the acreedor already has with it (its amounts, saldos,
    caso and the document of the caso's deudor), for the referencias of the file.

    Three single-table lookups rather than one join: right after a large import the tables
    have no statistics yet, and PostgreSQL would plan the join as nested full scans."""
    o, c, d = T_OBLIGACION, T_CASO, T_DEUDOR
    conexion = db.session.connection()
    obligaciones = []
    for trozo in _en_trozos(sorted({f.referencia for f in filas})):
        obligaciones += conexion.execute(
            select(o.c.id, o.c.referencia, o.c.caso_id, *(o.c[k] for k in CAMPOS_GUARDADOS))
            .where(o.c.acreedor_id == acreedor_id, _en(conexion, o.c.referencia, trozo))).all()
    deudor_de_caso, documentos = {}, {}
    for trozo in _en_trozos(sorted({f.caso_id for f in obligaciones})):
        deudor_de_caso.update(conexion.execute(
            select(c.c.id, c.c.deudor_id).where(_en(conexion, c.c.id, trozo))).all())
    for trozo in _en_trozos(sorted(set(deudor_de_caso.values()))):
        documentos.update((i, (t, n)) for i, t, n in conexion.execute(
            select(d.c.id, d.c.tipo_documento, d.c.numero_documento)
            .where(_en(conexion, d.c.id, trozo))))
    return {f.referencia: Existente(f, documentos[deudor_de_caso[f.caso_id]])
            for f in obligaciones}


def conflictos(existentes: dict[str, Existente], filas: list[FilaValida]) -> list[Rechazo]:
    """Rows whose referencia the acreedor already placed for another deudor."""
    rechazos = []
    for fila in filas:
        previa = existentes.get(fila.referencia)
        if previa is not None and previa.documento != fila.documento:
            rechazos.append(Rechazo(
                fila.linea, "referencia", f"la referencia «{fila.referencia}» ya está asignada "
                f"a otro deudor ({' '.join(previa.documento)})"))
    return rechazos


# --- Rules on one obligacion -------------------------------------------------------------------

def actualizar_obligacion(obligacion, fila: FilaValida) -> tuple[dict, dict] | None:
    """Applies a re-placement to `obligacion` (anything with the obligacion's attributes);
    returns (antes, despues) of what changed, or None. Blank optional cells keep what was
    placed before."""
    propuestos = {campo: getattr(fila, campo) for campo in CAMPOS_ACTUALIZABLES}
    cambios = {campo: valor for campo, valor in propuestos.items()
               if valor is not None and getattr(obligacion, campo) != valor}
    if not cambios:
        return None
    antes = {campo: getattr(obligacion, campo) for campo in cambios}
    colocados = {c: getattr(obligacion, c) for c in COMPONENTES}
    saldos = {c: getattr(obligacion, f"saldo_{c}") for c in COMPONENTES}
    for campo, valor in cambios.items():
        setattr(obligacion, campo, valor)
    # Each component's saldo moves by the change in what was placed of it (never below 0),
    # so what payments already covered stays covered; saldo is always their sum.
    for componente, colocado_antes in colocados.items():
        diferencia = getattr(obligacion, componente) - colocado_antes
        if diferencia:
            setattr(obligacion, f"saldo_{componente}",
                    max(saldos[componente] + diferencia, CERO))
    diferencia = sum(getattr(obligacion, c) for c in COMPONENTES) - sum(colocados.values())
    if sum(saldos.values()) == obligacion.saldo:
        saldo = sum(getattr(obligacion, f"saldo_{c}") for c in COMPONENTES)
    else:  # components not split yet (older data): move the total as before
        saldo = max(obligacion.saldo + diferencia, CERO)
    if saldo != obligacion.saldo:
        antes["saldo"] = obligacion.saldo
        obligacion.saldo = saldo
        cambios["saldo"] = saldo
    return antes, cambios


def valores_obligacion(acreedor: Acreedor, lote_id: int, fila: FilaValida, caso_id: int,
                       momento: datetime) -> dict:
    """The INSERT values of a new obligacion: it owes what was placed of each component."""
    intereses, gastos = fila.intereses or CERO, fila.gastos or CERO
    return {
        "acreedor_id": acreedor.id, "caso_id": caso_id, "lote_id": lote_id,
        "referencia": fila.referencia, "numero_factura": fila.numero_factura,
        "producto": fila.producto, "fecha_vencimiento": fila.fecha_vencimiento,
        "moneda": fila.moneda, "capital": fila.capital, "intereses": intereses,
        "gastos": gastos, "saldo": fila.capital + intereses + gastos,
        "saldo_capital": fila.capital, "saldo_intereses": intereses, "saldo_gastos": gastos,
        "creado_en": momento, "actualizado_en": momento,
    }


def contactos_de(grupo: list[FilaValida]) -> list[tuple[str, str]]:
    """(tipo, valor) of every contacto in the rows of one deudor, once each, in file order."""
    vistos: dict[tuple[str, str], None] = {}
    for fila in grupo:
        for tipo, valores in (("telefono", fila.telefonos), ("email", fila.emails),
                              ("direccion", fila.direcciones)):
            for valor in valores:
                vistos.setdefault((tipo, valor), None)
    return list(vistos)


def agrupar(filas: list[FilaValida]) -> dict[tuple[str, str], list[FilaValida]]:
    """The rows by deudor document, in the order each deudor first appears."""
    grupos: dict[tuple[str, str], list[FilaValida]] = {}
    for fila in filas:
        grupos.setdefault(fila.documento, []).append(fila)
    return grupos


def bloques(grupos: dict, tamano: int) -> Iterator[list[tuple[tuple[str, str], list]]]:
    """Chunks of about `tamano` rows made of whole deudores (a deudor is never split)."""
    bloque, filas = [], 0
    for documento, grupo in grupos.items():
        bloque.append((documento, grupo))
        filas += len(grupo)
        if filas >= tamano:
            yield bloque
            bloque, filas = [], 0
    if bloque:
        yield bloque


# --- Writing ----------------------------------------------------------------------------------

@dataclass
class Lectura:
    """What the database holds for one chunk's deudores, and the ids its new rows take."""

    ids: dict[tuple[str, str], int]  # document → deudor id (new deudores included)
    ciudades: dict[tuple[str, str], str | None]  # the deudores that existed → their ciudad
    contactos: set[tuple[int, str, str]]  # (deudor_id, tipo, valor) that exist
    casos: dict[int, Row]  # deudor id → the acreedor's existing caso with that deudor
    ids_casos: Iterator[int]
    ids_obligaciones: Iterator[int]


Operacion = Callable[[Connection], None]


@dataclass
class Escritor:
    """Writes the valid rows of one lote, chunk by chunk, and fills the report.

    Each chunk is read (`leer`: a few SELECTs, ids taken), built in Python (`construir`: the
    rows, the report, the audit entries) and written (the operations `construir` returns, in
    order). Building does not touch the connection, so on PostgreSQL chunk N is written by a
    helper thread while chunk N+1 is built: the server indexes one chunk while Python prepares
    the next. The connection is never used by both threads at once."""

    acreedor: Acreedor
    lote: LoteAsignacion
    existentes: dict[str, Existente]
    reporte: ReporteImportacion
    usuario_id: int | None
    siguiente_agente: Callable[[], int | None]
    momento: datetime = field(default_factory=ahora)
    casos_tocados: set[int] = field(default_factory=set)

    def __post_init__(self):
        from agencia.bandejas.prioridad import pesos_de
        from agencia.bandejas.servicios import zona_agencia

        self.conexion: Connection = db.session.connection()
        self.ids = Ids(self.conexion)
        self.pesos = pesos_de(self.acreedor)
        self.hoy = self.momento.astimezone(zona_agencia()).date()

    def _auditoria(self, accion: str, entidad: str, entidad_id: int, antes, despues) -> dict:
        return {"accion": accion, "entidad": entidad, "entidad_id": entidad_id,
                "acreedor_id": self.acreedor.id, "usuario_id": self.usuario_id,
                "antes": _json(antes) if antes is not None else None,
                "despues": _json(despues) if despues is not None else None,
                "creado_en": self.momento}

    # --- read --------------------------------------------------------------------------------

    def leer(self, bloque: list[tuple[tuple[str, str], list[FilaValida]]]) -> Lectura:
        """What exists for the chunk's deudores (reads only this chunk's deudores, so it does
        not depend on the writes of the chunks before), and ids for the new rows."""
        conexion = self.conexion
        documentos = {documento for documento, _ in bloque}
        ids, ciudades = {}, {}
        for trozo in _en_trozos(sorted({numero for _, numero in documentos})):
            for fila in conexion.execute(
                select(T_DEUDOR.c.id, T_DEUDOR.c.tipo_documento, T_DEUDOR.c.numero_documento,
                       T_DEUDOR.c.ciudad).where(_en(conexion, T_DEUDOR.c.numero_documento, trozo))
            ):
                clave = (fila.tipo_documento, fila.numero_documento)
                if clave in documentos:
                    ids[clave], ciudades[clave] = fila.id, fila.ciudad
        nuevos = [documento for documento, _ in bloque if documento not in ids]
        ids.update(zip(nuevos, self.ids.tomar(T_DEUDOR, len(nuevos)), strict=True))

        contactos, casos = set(), {}
        for trozo in _en_trozos(sorted(ids[d] for d in ciudades)):
            contactos.update(tuple(fila) for fila in conexion.execute(
                select(T_CONTACTO.c.deudor_id, T_CONTACTO.c.tipo, T_CONTACTO.c.valor)
                .where(_en(conexion, T_CONTACTO.c.deudor_id, trozo))))
            for fila in conexion.execute(
                select(T_CASO.c.id, T_CASO.c.deudor_id, T_CASO.c.etapa, T_CASO.c.agente_id,
                       T_CASO.c.saldo)
                .where(T_CASO.c.acreedor_id == self.acreedor.id,
                       _en(conexion, T_CASO.c.deudor_id, trozo))
            ):
                casos[fila.deudor_id] = fila
        casos_nuevos = sum(ids[documento] not in casos for documento, _ in bloque)
        obligaciones_nuevas = sum(
            1 for documento, grupo in bloque for fila in grupo
            if ids[documento] not in casos or fila.referencia not in self.existentes)
        return Lectura(ids, ciudades, contactos, casos,
                       iter(self.ids.tomar(T_CASO, casos_nuevos)),
                       iter(self.ids.tomar(T_OBLIGACION, obligaciones_nuevas)))

    # --- build -------------------------------------------------------------------------------

    def construir(self, bloque, lectura: Lectura) -> list[Operacion]:
        """The rows of one chunk and the operations that write them, in order; fills the
        report. Pure Python: no query."""
        auditar: list[dict] = []
        deudores, contactos, ciudad_nueva = self._deudores_y_contactos(bloque, lectura, auditar)
        casos, obligaciones, cambiadas, reabiertos = [], [], [], []
        tocados: set[int] = set()  # existing casos whose saldo or due date may change
        for documento, grupo in bloque:
            caso = lectura.casos.get(lectura.ids[documento])
            if caso is None:
                self._nuevo_caso(lectura, documento, grupo, casos, obligaciones, auditar)
                continue
            saldo, agregadas = caso.saldo, 0
            for fila in grupo:
                previa = self.existentes.get(fila.referencia)
                if previa is None:
                    valores = valores_obligacion(self.acreedor, self.lote.id, fila, caso.id,
                                                 self.momento)
                    valores["id"] = next(lectura.ids_obligaciones)
                    obligaciones.append(valores)
                    saldo += valores["saldo"]
                    agregadas += 1
                    auditar.append(self._auditoria("obligacion.crear", "obligacion",
                                                   valores["id"], None,
                                                   _alta_obligacion(valores, self.lote.id)))
                    self.reporte.obligaciones_nuevas += 1
                    continue
                obligacion = SimpleNamespace(**previa.fila._mapping)
                diferencias = actualizar_obligacion(obligacion, fila)
                if diferencias is None:
                    self.reporte.sin_cambios += 1
                    continue
                antes, despues = diferencias
                saldo += obligacion.saldo - previa.saldo
                cambiadas.append({"b_id": previa.id, "b_actualizado_en": self.momento} | {
                    f"b_{campo}": getattr(obligacion, campo) for campo in CAMPOS_GUARDADOS})
                auditar.append(self._auditoria(
                    "obligacion.actualizar", "obligacion", previa.id, antes,
                    {**despues, "caso_id": caso.id, "lote_id": self.lote.id}))
                self.reporte.obligaciones_actualizadas += 1
                tocados.add(caso.id)
            if not agregadas:
                continue
            tocados.add(caso.id)
            if caso.etapa not in ETAPAS_ABIERTAS and saldo > 0:
                # A closed caso placed again is worked again from the start.
                agente_id = caso.agente_id or self.siguiente_agente()
                reabiertos.append({"b_id": caso.id, "b_agente_id": agente_id})
                auditar.append(self._auditoria(
                    "caso.reabrir", "caso", caso.id,
                    {"etapa": caso.etapa, "agente_id": caso.agente_id},
                    {"etapa": "prejuridico", "agente_id": agente_id, "lote_id": self.lote.id}))
                self.reporte.casos_reabiertos += 1
        self.casos_tocados |= tocados

        dialecto = self.conexion.dialect.name
        operaciones: list[Operacion] = [
            preparar_insercion(dialecto, T_DEUDOR, deudores),
            preparar_insercion(dialecto, T_CONTACTO, contactos),
            preparar_insercion(dialecto, T_CASO, casos),
            preparar_insercion(dialecto, T_OBLIGACION, obligaciones),
        ]
        if ciudad_nueva:
            operaciones.append(lambda c: c.execute(
                update(T_DEUDOR).where(T_DEUDOR.c.id == bindparam("b_id"))
                .values(ciudad=bindparam("b_ciudad")), ciudad_nueva))
        if cambiadas:
            operaciones.append(lambda c: c.execute(
                update(T_OBLIGACION).where(T_OBLIGACION.c.id == bindparam("b_id")).values(
                    actualizado_en=bindparam("b_actualizado_en"),
                    **{campo: bindparam(f"b_{campo}") for campo in CAMPOS_GUARDADOS}),
                cambiadas))
        if reabiertos:
            operaciones.append(lambda c: c.execute(
                update(T_CASO).where(T_CASO.c.id == bindparam("b_id"))
                .values(etapa="prejuridico", agente_id=bindparam("b_agente_id")), reabiertos))
        if tocados:
            operaciones.append(lambda c: self._recalcular_casos(c, sorted(tocados)))
        operaciones.append(preparar_insercion(dialecto, T_AUDITORIA, auditar))
        return operaciones

    def _deudores_y_contactos(self, bloque, lectura: Lectura, auditar: list):
        """New deudores, the contactos the deudores do not have yet, and missing ciudades."""
        deudores, contactos, ciudad_nueva = [], [], []
        for documento, grupo in bloque:
            deudor_id = lectura.ids[documento]
            ciudad = next((f.ciudad for f in grupo if f.ciudad), None)
            propios = [(tipo, valor) for tipo, valor in contactos_de(grupo)
                       if (deudor_id, tipo, valor) not in lectura.contactos]
            contactos += [{"deudor_id": deudor_id, "tipo": tipo, "valor": valor, "valido": True,
                           "consentimientos": list(CONSENTIMIENTOS[tipo]),
                           "creado_en": self.momento} for tipo, valor in propios]
            if documento not in lectura.ciudades:
                primera = grupo[0]
                deudores.append({
                    "id": deudor_id, "tipo_documento": primera.tipo_documento,
                    "numero_documento": primera.numero_documento, "nombre": primera.nombre,
                    "ciudad": ciudad,
                    "tipo_persona": ("juridica" if primera.tipo_documento
                                     in TIPOS_PERSONA_JURIDICA else "natural"),
                    # Placed as living in the acreedor's country (the contact law that
                    # applies) until an agent records otherwise.
                    "no_contactar": False, "pais": self.acreedor.pais,
                    "creado_en": self.momento,
                })
                continue
            if propios:
                auditar.append(self._auditoria(
                    "deudor.contactos", "deudor", deudor_id, None,
                    {"contactos": [{"tipo": t, "valor": v} for t, v in propios]}))
            if lectura.ciudades[documento] is None and ciudad:
                ciudad_nueva.append({"b_id": deudor_id, "b_ciudad": ciudad})
        self.reporte.deudores_nuevos += len(deudores)
        self.reporte.contactos_nuevos += len(contactos)
        return deudores, contactos, ciudad_nueva

    def _nuevo_caso(self, lectura: Lectura, documento, grupo: list[FilaValida],
                    casos: list, obligaciones: list, auditar: list) -> None:
        from agencia.bandejas.prioridad import Hechos, puntuar

        caso_id = next(lectura.ids_casos)
        propias = []
        for fila in grupo:
            valores = valores_obligacion(self.acreedor, self.lote.id, fila, caso_id,
                                         self.momento)
            valores["id"] = next(lectura.ids_obligaciones)
            propias.append(valores)
        saldo = sum((v["saldo"] for v in propias), CERO)
        vencimiento = min((v["fecha_vencimiento"] for v in propias if v["saldo"] > 0),
                          default=None)
        agente_id = self.siguiente_agente()
        casos.append({
            "id": caso_id, "acreedor_id": self.acreedor.id, "deudor_id": lectura.ids[documento],
            "lote_id": self.lote.id, "etapa": "prejuridico", "agente_id": agente_id,
            "saldo": saldo, "vencimiento": vencimiento, "en_disputa": False,
            "prioridad": puntuar(Hechos(saldo, vencimiento), self.pesos, self.momento, self.hoy),
            "etapa_desde": self.momento, "creado_en": self.momento,
            "actualizado_en": self.momento,
        })
        obligaciones += propias
        auditar.append(self._auditoria("caso.crear", "caso", caso_id, None, {
            "deudor": " ".join(documento), "etapa": "prejuridico", "agente_id": agente_id,
            "saldo": saldo, "vencimiento": vencimiento, "lote_id": self.lote.id,
            "referencias": [f.referencia for f in grupo]}))
        self.reporte.casos_nuevos += 1
        self.reporte.casos_sin_agente += int(agente_id is None)
        self.reporte.obligaciones_nuevas += len(propias)

    # --- write -------------------------------------------------------------------------------

    def _recalcular_casos(self, conexion: Connection, caso_ids: list[int]) -> None:
        """saldo = the obligaciones' saldos; vencimiento = the oldest due date still owed;
        one set-based UPDATE for the existing casos a chunk touched."""
        o, c = T_OBLIGACION, T_CASO
        saldo = (select(func.coalesce(func.sum(o.c.saldo), 0)).where(o.c.caso_id == c.c.id)
                 .scalar_subquery())
        vencimiento = (select(func.min(o.c.fecha_vencimiento))
                       .where(o.c.caso_id == c.c.id, o.c.saldo > 0).scalar_subquery())
        for trozo in _en_trozos(caso_ids):
            conexion.execute(update(c).where(_en(conexion, c.c.id, trozo)).values(
                saldo=saldo, vencimiento=vencimiento, actualizado_en=self.momento))

    def escribir_todo(self, bloques_: Iterator, al_avanzar=None, total: int = 0) -> None:
        """Reads, builds and writes every chunk; on PostgreSQL each chunk's writing overlaps
        the building of the next one."""
        en_paralelo = self.conexion.dialect.name == "postgresql"
        hilo = ThreadPoolExecutor(max_workers=1) if en_paralelo else None
        pendiente, hechas = None, 0  # (future, rows) of the chunk being written

        def ejecutar(operaciones: list[Operacion]) -> None:
            for operacion in operaciones:
                operacion(self.conexion)

        def esperar() -> None:
            nonlocal pendiente, hechas
            if pendiente is not None:
                futuro, filas = pendiente
                pendiente = None
                futuro.result()  # re-raises what failed in the writing thread
                hechas += filas
                if al_avanzar is not None:
                    al_avanzar(hechas, total)

        try:
            construido = None  # (operations, rows) built, not yet handed to the writer
            for bloque in bloques_:
                esperar()  # the connection is free again: read the next chunk
                lectura = self.leer(bloque)
                if construido is not None:
                    pendiente = (hilo.submit(ejecutar, construido[0]), construido[1])
                    construido = None
                operaciones = self.construir(bloque, lectura)
                filas = sum(len(grupo) for _, grupo in bloque)
                if en_paralelo:
                    construido = (operaciones, filas)
                else:
                    ejecutar(operaciones)
                    hechas += filas
                    if al_avanzar is not None:
                        al_avanzar(hechas, total)
            esperar()
            if construido is not None:
                pendiente = (hilo.submit(ejecutar, construido[0]), construido[1])
                esperar()
        finally:
            if hilo is not None:
                hilo.shutdown(wait=True)  # never leave the connection in use by the thread

    def terminar(self) -> None:
        """The ORM's view of these tables is stale after the Core writes: expire it; then the
        priority of the existing casos whose saldo changed (promises and policy included)."""
        from agencia.bandejas.prioridad import recalcular_prioridades

        tablas = (Deudor, Contacto, Caso, Obligacion)
        for objeto in list(db.session.identity_map.values()):
            if isinstance(objeto, tablas):
                db.session.expire(objeto)
        agregadas = self.reporte.obligaciones_nuevas + self.reporte.contactos_nuevos
        if self.conexion.dialect.name == "postgresql" and agregadas >= FILAS_PARA_ANALIZAR:
            # Allowed in a transaction; without ownership of the tables PostgreSQL only warns.
            self.conexion.exec_driver_sql("ANALYZE deudor, contacto, caso, obligacion")
        if self.casos_tocados:
            recalcular_prioridades(caso_ids=self.casos_tocados, momento=self.momento)


def _alta_obligacion(valores: dict, lote_id: int) -> dict:
    return {campo: valores[campo] for campo in (
        "caso_id", "referencia", "fecha_vencimiento", "capital", "intereses", "gastos", "saldo",
    )} | {"lote_id": lote_id}


def escribir(acreedor: Acreedor, lote: LoteAsignacion, filas: list[FilaValida],
             existentes: dict[str, Existente], reporte: ReporteImportacion,
             usuario_id: int | None,
             siguiente_agente: Callable[[], int | None], *, trozo: int | None = None,
             al_avanzar: Callable[[int, int], None] | None = None) -> None:
    """Writes the valid rows in chunks of whole deudores; `al_avanzar(hechas, total)` after
    each chunk is written."""
    escritor = Escritor(acreedor, lote, existentes, reporte, usuario_id, siguiente_agente)
    escritor.escribir_todo(bloques(agrupar(filas), trozo or TROZO), al_avanzar, len(filas))
    escritor.terminar()
