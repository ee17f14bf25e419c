"""Administration of contact policies per acreedor: view, tighten, and the audited exception.

An acreedor's policy for a country is the legal preset tightened by its PoliticaAcreedor row
(`ajustes`, validated so it never loosens the law), with an optional `excepcion` on top that
only an admin may set, with a reason, and that is audited when set and when withdrawn.
These functions flush; the request commits.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agencia.acreedores.modelos import Acreedor
from agencia.auditoria.servicios import registrar
from agencia.casos.modelos import Caso
from agencia.cumplimiento.ajustes import (
    AjustesInvalidos,
    aplicar,
    describir,
    validar_ajustes,
    validar_excepcion,
)
from agencia.cumplimiento.modelos import PoliticaAcreedor
from agencia.cumplimiento.presets import PRESETS, Politica
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.tipos import ahora

MINIMO_MOTIVO = 10


class PoliticaInvalida(ValueError):
    """A policy change refused; `errores` holds every reason, in Spanish."""

    def __init__(self, errores: list[str] | str):
        self.errores = [errores] if isinstance(errores, str) else list(errores)
        super().__init__(" ".join(self.errores))


class PermisoDenegado(PermissionError):
    """The user's role may not make this change."""


@dataclass(frozen=True)
class Fila:
    """One line of a policy as shown to people: the value in force and the legal one."""

    etiqueta: str
    valor: str
    legal: str
    marca: str  # "" (as the law), "ajustado" (tightened) or "excepcion" (audited override)


@dataclass(frozen=True)
class PoliticaPais:
    """An acreedor's policy for one country (the deudor's country picks the preset)."""

    acreedor_id: int
    pais: str
    preset: Politica
    ajustada: Politica  # preset + ajustes
    efectiva: Politica  # preset + ajustes + excepcion: what the engine enforces
    fila: PoliticaAcreedor | None = None
    errores: list[str] = field(default_factory=list)  # a stored row that no longer validates

    @property
    def ajustes(self) -> dict:
        return (self.fila.ajustes if self.fila else None) or {}

    @property
    def excepcion(self) -> dict | None:
        return self.fila.excepcion if self.fila else None

    @property
    def excepcion_activa(self) -> bool:
        return bool(self.excepcion)

    @property
    def ajustada_por_acreedor(self) -> bool:
        return bool(self.ajustes)

    def filas(self) -> list[Fila]:
        """describir() of the policy in force, each line marked against the law."""
        filas = []
        for (etiqueta, legal), (_, ajustado), (_, valor) in zip(
            describir(self.preset), describir(self.ajustada), describir(self.efectiva),
            strict=True,
        ):
            marca = "excepcion" if valor != ajustado else "ajustado" if ajustado != legal else ""
            filas.append(Fila(etiqueta, valor, legal, marca))
        return filas


def preset_de(pais: str) -> Politica:
    preset = PRESETS.get(pais)
    if preset is None:
        raise PoliticaInvalida(f"No hay política para el país «{pais}».")
    return preset


def _componer(acreedor_id: int, pais: str, fila: PoliticaAcreedor | None) -> PoliticaPais:
    """Built the way motor.politica_para builds it: a stored part that no longer validates
    (e.g. written before the law changed) is skipped, never applied, and reported."""
    preset = preset_de(pais)
    ajustada, errores = preset, []
    if fila is not None:
        try:
            ajustada = aplicar(preset, fila.ajustes or {})
        except AjustesInvalidos as error:
            errores += error.errores
    efectiva = ajustada
    if fila is not None and fila.excepcion:
        try:
            efectiva = aplicar(ajustada, {}, fila.excepcion)
        except AjustesInvalidos as error:
            errores += error.errores
    return PoliticaPais(acreedor_id, pais, preset, ajustada, efectiva, fila, errores)


def _fila(acreedor_id: int, pais: str) -> PoliticaAcreedor | None:
    return db.session.execute(
        select(PoliticaAcreedor).where(
            PoliticaAcreedor.acreedor_id == acreedor_id, PoliticaAcreedor.pais == pais
        )
    ).scalar_one_or_none()


def politica_de(acreedor_id: int, pais: str) -> PoliticaPais:
    """The acreedor's policy for one country (PoliticaInvalida for a country without preset)."""
    preset_de(pais)
    return _componer(acreedor_id, pais, _fila(acreedor_id, pais))


def politicas_por_acreedor(acreedores: list[Acreedor]) -> dict[int, list[PoliticaPais]]:
    """For each acreedor, its policy in every country relevant to it: its own country, its
    deudores' countries and any country it has settings for. Two queries for the lot."""
    ids = [a.id for a in acreedores]
    paises: dict[int, set[str]] = {a.id: {a.pais} for a in acreedores}
    filas: dict[tuple[int, str], PoliticaAcreedor] = {}
    if ids:
        de_deudores = db.session.execute(
            select(Caso.acreedor_id, Deudor.pais)
            .join(Deudor, Deudor.id == Caso.deudor_id)
            .where(Caso.acreedor_id.in_(ids), Deudor.pais.is_not(None))
            .distinct()
        )
        for acreedor_id, pais in de_deudores:
            paises[acreedor_id].add(pais)
        for fila in db.session.scalars(
            select(PoliticaAcreedor).where(PoliticaAcreedor.acreedor_id.in_(ids))
        ):
            filas[(fila.acreedor_id, fila.pais)] = fila
            paises[fila.acreedor_id].add(fila.pais)
    return {
        acreedor_id: [
            _componer(acreedor_id, pais, filas.get((acreedor_id, pais)))
            for pais in sorted(p for p in conjunto if p in PRESETS)
        ]
        for acreedor_id, conjunto in paises.items()
    }


def politicas_de(acreedor_id: int) -> list[PoliticaPais]:
    """The acreedor's policies, one per relevant country (see politicas_por_acreedor)."""
    acreedor = db.session.get(Acreedor, acreedor_id)
    if acreedor is None:
        return []
    return politicas_por_acreedor([acreedor])[acreedor_id]


def _fila_para_escribir(acreedor_id: int, pais: str) -> PoliticaAcreedor:
    """The acreedor's row for the country, created if missing. Two admins saving a new
    country at once: the second insert hits the unique constraint inside a savepoint and
    reads the row the first one wrote, instead of failing the request."""
    fila = _fila(acreedor_id, pais)
    if fila is None:
        try:
            with db.session.begin_nested():
                fila = PoliticaAcreedor(acreedor_id=acreedor_id, pais=pais, ajustes={})
                db.session.add(fila)
        except IntegrityError:
            fila = _fila(acreedor_id, pais)
    return fila


def guardar_ajustes(acreedor_id: int, pais: str, ajustes: dict, usuario_id: int | None
                    ) -> PoliticaAcreedor:
    """Replaces the acreedor's tightening of a country preset. Anything malformed,
    contradictory or looser than the law raises PoliticaInvalida and writes nothing."""
    errores = validar_ajustes(preset_de(pais), ajustes)
    if errores:
        raise PoliticaInvalida(errores)
    fila = _fila_para_escribir(acreedor_id, pais)
    antes = dict(fila.ajustes or {})
    if antes == ajustes:  # saved unchanged: nothing to audit
        db.session.flush()
        return fila
    fila.ajustes = ajustes
    fila.actualizado_por = usuario_id
    fila.actualizado_en = ahora()
    db.session.flush()
    registrar("politica.ajustar", "politica_acreedor", fila.id, acreedor_id=acreedor_id,
              antes={"pais": pais, "ajustes": antes},
              despues={"pais": pais, "ajustes": ajustes}, usuario_id=usuario_id)
    db.session.flush()
    return fila


def _solo_admin(usuario) -> None:
    if usuario is None or getattr(usuario, "rol", None) != "admin":
        raise PermisoDenegado("Solo un administrador puede autorizar excepciones a la política.")


def _estado_excepcion(fila: PoliticaAcreedor, pais: str) -> dict:
    return {"pais": pais, "excepcion": fila.excepcion, "motivo": fila.excepcion_motivo}


def fijar_excepcion(acreedor_id: int, pais: str, excepcion: dict, motivo: str, usuario
                    ) -> PoliticaAcreedor:
    """An admin's audited override, which may loosen the preset. Needs a reason."""
    _solo_admin(usuario)
    preset = preset_de(pais)
    motivo = (motivo or "").strip()
    errores = []
    if len(motivo) < MINIMO_MOTIVO:
        errores.append(f"Escriba el motivo de la excepción (al menos {MINIMO_MOTIVO} caracteres).")
    if not excepcion:
        errores.append("La excepción no cambia nada respecto de la política del acreedor.")
    errores += validar_excepcion(preset, excepcion)
    if errores:
        raise PoliticaInvalida(errores)
    fila = _fila_para_escribir(acreedor_id, pais)
    antes = _estado_excepcion(fila, pais)
    fila.excepcion = excepcion
    fila.excepcion_motivo = motivo
    fila.excepcion_por = usuario.id
    fila.excepcion_en = ahora()
    db.session.flush()
    registrar("politica.excepcion", "politica_acreedor", fila.id, acreedor_id=acreedor_id,
              antes=antes, despues=_estado_excepcion(fila, pais), usuario_id=usuario.id)
    db.session.flush()
    return fila


def quitar_excepcion(acreedor_id: int, pais: str, usuario, motivo: str | None = None
                     ) -> PoliticaAcreedor:
    """Withdraws the override: the acreedor's tightened preset applies again. Audited."""
    _solo_admin(usuario)
    preset_de(pais)
    fila = _fila(acreedor_id, pais)
    if fila is None or not fila.excepcion:
        raise PoliticaInvalida("Esta política no tiene una excepción activa.")
    antes = _estado_excepcion(fila, pais)
    fila.excepcion = None
    fila.excepcion_motivo = None
    fila.excepcion_por = None
    fila.excepcion_en = None
    db.session.flush()
    despues = {**_estado_excepcion(fila, pais), "motivo_retiro": (motivo or "").strip() or None}
    registrar("politica.excepcion_retirada", "politica_acreedor", fila.id,
              acreedor_id=acreedor_id, antes=antes, despues=despues, usuario_id=usuario.id)
    db.session.flush()
    return fila
