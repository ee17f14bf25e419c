"""Writing validated placement rows: what already exists is read in a few bulk queries,
then deudores, contactos, casos and obligaciones are created or updated in one flush.

Rules (DISENO §5): the rows of one deudor join the acreedor's one caso with that deudor;
deudores are shared across acreedores (one per document); a contacto is added only when the
deudor does not have it yet; an obligacion placed again with other amounts or due date is
updated. Each component's saldo (saldo_capital, saldo_intereses, saldo_gastos) moves by the
change in what was placed of it, never below zero, and saldo stays their sum, so payments
already applied to it are kept.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from agencia.asignaciones.validacion import FilaValida, Rechazo
from agencia.casos.modelos import Caso, Obligacion
from agencia.deudores.modelos import Contacto, Deudor
from agencia.extensiones import db

TROZO = 500  # values per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
CERO = Decimal("0.00")
# Channels a contacto placed by the acreedor is authorised for, by kind of contacto.
CONSENTIMIENTOS = {"telefono": ["llamada", "sms", "whatsapp"], "email": ["email"],
                   "direccion": ["carta"]}
TIPOS_PERSONA_JURIDICA = ("NIT", "RUC")
COMPONENTES = ("capital", "intereses", "gastos")
CAMPOS_ACTUALIZABLES = ("capital", "intereses", "gastos", "fecha_vencimiento",
                        "numero_factura", "producto")


def _en_trozos(valores: list):
    for inicio in range(0, len(valores), TROZO):
        yield valores[inicio:inicio + TROZO]


@dataclass
class Existentes:
    """What the database already holds for the documents and referencias of one file."""

    deudores: dict[tuple[str, str], Deudor] = field(default_factory=dict)
    casos: dict[int, Caso] = field(default_factory=dict)  # by deudor_id
    obligaciones: dict[int, list[Obligacion]] = field(default_factory=lambda: defaultdict(list))
    por_referencia: dict[str, Obligacion] = field(default_factory=dict)
    # Referencias of this acreedor held by deudores that are not in the file: ref → "CC 123".
    ajenas: dict[str, str] = field(default_factory=dict)
    contactos: set[tuple[tuple[str, str], str, str]] = field(default_factory=set)


def buscar_existentes(acreedor_id: int, filas: list[FilaValida]) -> Existentes:
    ex = Existentes()
    documentos = {f.documento for f in filas}
    for trozo in _en_trozos(sorted({numero for _, numero in documentos})):
        for deudor in db.session.scalars(select(Deudor).where(Deudor.numero_documento.in_(trozo))):
            clave = (deudor.tipo_documento, deudor.numero_documento)
            if clave in documentos:
                ex.deudores[clave] = deudor
    clave_de = {d.id: clave for clave, d in ex.deudores.items()}
    for trozo in _en_trozos(sorted(clave_de)):
        ex.casos.update((c.deudor_id, c) for c in db.session.scalars(
            select(Caso).where(Caso.acreedor_id == acreedor_id, Caso.deudor_id.in_(trozo))))
        for deudor_id, tipo, valor in db.session.execute(
            select(Contacto.deudor_id, Contacto.tipo, Contacto.valor)
            .where(Contacto.deudor_id.in_(trozo))
        ):
            ex.contactos.add((clave_de[deudor_id], tipo, valor))
    for trozo in _en_trozos(sorted(c.id for c in ex.casos.values())):
        for obligacion in db.session.scalars(
            select(Obligacion).where(Obligacion.caso_id.in_(trozo)).order_by(Obligacion.id)
        ):
            ex.obligaciones[obligacion.caso_id].append(obligacion)
            ex.por_referencia[obligacion.referencia] = obligacion
    faltan = sorted({f.referencia for f in filas} - ex.por_referencia.keys())
    for trozo in _en_trozos(faltan):
        for referencia, tipo, numero in db.session.execute(
            select(Obligacion.referencia, Deudor.tipo_documento, Deudor.numero_documento)
            .join(Caso, Obligacion.caso_id == Caso.id).join(Deudor, Caso.deudor_id == Deudor.id)
            .where(Obligacion.acreedor_id == acreedor_id, Obligacion.referencia.in_(trozo))
        ):
            ex.ajenas[referencia] = f"{tipo} {numero}"
    return ex


def conflictos(ex: Existentes, filas: list[FilaValida]) -> list[Rechazo]:
    """Rows whose referencia the acreedor already placed for another deudor."""
    documento_del_caso = {
        caso.id: " ".join(clave) for clave, deudor in ex.deudores.items()
        if (caso := ex.casos.get(deudor.id)) is not None
    }
    rechazos = []
    for fila in filas:
        duenio = ex.ajenas.get(fila.referencia)
        obligacion = ex.por_referencia.get(fila.referencia)
        if obligacion is not None:
            deudor = ex.deudores.get(fila.documento)
            caso = ex.casos.get(deudor.id) if deudor is not None else None
            if caso is None or caso.id != obligacion.caso_id:
                duenio = documento_del_caso[obligacion.caso_id]
        if duenio:
            rechazos.append(Rechazo(fila.linea, "referencia", f"la referencia «{fila.referencia}» "
                                    f"ya está asignada a otro deudor ({duenio})"))
    return rechazos


def nuevo_deudor(fila: FilaValida, ciudad: str | None, pais: str) -> Deudor:
    """A new deudor, placed as living in the acreedor's country (the contact law that
    applies) until an agent records otherwise."""
    persona = "juridica" if fila.tipo_documento in TIPOS_PERSONA_JURIDICA else "natural"
    return Deudor(tipo_documento=fila.tipo_documento, numero_documento=fila.numero_documento,
                  nombre=fila.nombre, ciudad=ciudad, tipo_persona=persona, no_contactar=False,
                  pais=pais)


def contactos_nuevos(ex: Existentes, deudor: Deudor, grupo: list[FilaValida]) -> list[Contacto]:
    """The contactos of the rows that the deudor does not have yet, with default consent."""
    clave = (deudor.tipo_documento, deudor.numero_documento)
    nuevos = []
    for fila in grupo:
        for tipo, valores in (("telefono", fila.telefonos), ("email", fila.emails),
                              ("direccion", fila.direcciones)):
            for valor in valores:
                if (clave, tipo, valor) in ex.contactos:
                    continue
                ex.contactos.add((clave, tipo, valor))
                nuevos.append(Contacto(tipo=tipo, valor=valor, valido=True,
                                       consentimientos=list(CONSENTIMIENTOS[tipo])))
    return nuevos


def nueva_obligacion(acreedor_id: int, lote_id: int, fila: FilaValida) -> Obligacion:
    intereses, gastos = fila.intereses or CERO, fila.gastos or CERO
    return Obligacion(
        acreedor_id=acreedor_id, lote_id=lote_id, referencia=fila.referencia,
        numero_factura=fila.numero_factura, producto=fila.producto,
        fecha_vencimiento=fila.fecha_vencimiento, moneda=fila.moneda, capital=fila.capital,
        intereses=intereses, gastos=gastos, saldo=fila.capital + intereses + gastos,
    )


def actualizar_obligacion(obligacion: Obligacion, fila: FilaValida) -> tuple[dict, dict] | None:
    """Applies a re-placement; returns (antes, despues) of what changed, or None.
    Blank optional cells keep what was placed before."""
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


def recalcular_caso(caso: Caso, obligaciones: list[Obligacion]) -> None:
    """saldo = the obligaciones' saldos; vencimiento = the oldest due date still owed."""
    from agencia.bandejas.prioridad import actualizar_prioridad

    caso.saldo = sum((o.saldo for o in obligaciones), CERO)
    pendientes = [o.fecha_vencimiento for o in obligaciones if o.saldo > 0]
    caso.vencimiento = min(pendientes) if pendientes else None
    actualizar_prioridad(caso)
