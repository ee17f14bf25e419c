"""Forms of the policy administration pages: a contact policy as inputs, and back to JSON.

The same fields serve the acreedor's tightening (compared with the legal preset) and the
admin's audited exception (compared with the acreedor's tightened policy, plus a reason).
The form only parses and checks what a single input can tell; whether the result is legal
is for cumplimiento.ajustes, through the services.
"""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField, TimeField
from wtforms.validators import Optional

from agencia.casos.modelos import CANALES
from agencia.cumplimiento.ajustes import BOOLEANOS
from agencia.cumplimiento.horario import hhmm
from agencia.cumplimiento.presets import DIAS, NOMBRE_CANAL, Politica, Tope

MAXIMO_CONTACTOS = 1000
MAXIMO_DIAS = 366
_HORA = "Escriba una hora válida (HH:MM)."
_ENTERO = "Escriba un número entero."


def _hora(etiqueta: str) -> TimeField:
    return TimeField(etiqueta, validators=[Optional()], invalid_value_message=_HORA)


def _entero(etiqueta: str) -> IntegerField:
    return IntegerField(etiqueta, validators=[Optional()], invalid_value_message=_ENTERO)


class FormularioPolitica(FlaskForm):
    """Every setting of a Politica. Fields are added below, one group per weekday/channel."""

    max_por_dia = _entero("Máximo de contactos por día (todos los canales)")
    tope_total_max = _entero("Tope total: máximo de contactos")
    tope_total_dias = _entero("Tope total: en días")

    def validate(self, extra_validators=None) -> bool:
        valido = super().validate(extra_validators)
        for dia, nombre in enumerate(DIAS):
            desde, hasta = self[f"desde_{dia}"], self[f"hasta_{dia}"]
            if self[f"sin_contacto_{dia}"].data or desde.errors or hasta.errors:
                continue
            if desde.data is None or hasta.data is None:
                desde.errors.append(
                    f"Indique desde y hasta para el {nombre}, o marque «sin contacto».")
                valido = False
        for prefijo, nombre in [("tope_total", "del tope total")] + [
                (f"tope_{c}", f"del tope de {NOMBRE_CANAL[c]}") for c in CANALES]:
            maximo, dias = self[f"{prefijo}_max"], self[f"{prefijo}_dias"]
            if not maximo.errors and not dias.errors and (maximo.data is None) != (dias.data is None):
                maximo.errors.append(f"Indique el máximo y los días {nombre}, o deje ambos vacíos.")
                valido = False
        for campo in self:
            if not isinstance(campo, IntegerField) or campo.data is None or campo.errors:
                continue
            limite = MAXIMO_CONTACTOS if campo.short_name.endswith(("_max", "max_por_dia")) \
                else MAXIMO_DIAS
            if campo.data > limite:
                campo.errors.append(f"El valor no puede superar {limite}.")
                valido = False
        return valido

    # -- from a Politica to the inputs, and from the inputs to the JSON of cumplimiento.ajustes

    @classmethod
    def valores(cls, politica: Politica) -> dict:
        """Initial data showing `politica` (for `data=`)."""
        datos: dict = {"max_por_dia": politica.max_por_dia}
        for dia in range(7):
            ventana = politica.horario.get(dia)
            datos[f"sin_contacto_{dia}"] = ventana is None
            datos[f"desde_{dia}"], datos[f"hasta_{dia}"] = ventana or (None, None)
        for prefijo, tope in [("tope_total", politica.tope_total)] + [
                (f"tope_{c}", politica.topes.get(c)) for c in CANALES]:
            datos[f"{prefijo}_max"] = tope.max if tope else None
            datos[f"{prefijo}_dias"] = tope.dias if tope else None
        for canal in CANALES:
            datos[f"prohibido_{canal}"] = canal in politica.canales_prohibidos
            datos[f"separacion_{canal}"] = politica.separacion_dias.get(canal) or None
            datos[f"silencio_{canal}"] = politica.silencio_tras_conversacion_dias.get(canal) or None
        for clave in BOOLEANOS:
            datos[clave] = getattr(politica, clave)
        return datos

    def _tope(self, prefijo: str) -> Tope | None:
        maximo, dias = self[f"{prefijo}_max"].data, self[f"{prefijo}_dias"].data
        return None if maximo is None or dias is None else Tope(maximo, dias)

    def a_json(self, base: Politica) -> dict:
        """The settings as the JSON of cumplimiento.ajustes: only what differs from `base`."""
        cambios: dict = {}
        horario = {}
        for dia in range(7):
            if self[f"sin_contacto_{dia}"].data:
                ventana = None
            else:
                ventana = (self[f"desde_{dia}"].data, self[f"hasta_{dia}"].data)
            if ventana != base.horario.get(dia):
                horario[str(dia)] = None if ventana is None else [hhmm(h) for h in ventana]
        if horario:
            cambios["horario"] = horario
        if self.max_por_dia.data != base.max_por_dia:
            cambios["max_por_dia"] = self.max_por_dia.data
        topes = {}
        for canal in CANALES:
            tope = self._tope(f"tope_{canal}")
            if tope != base.topes.get(canal):
                topes[canal] = {"max": tope.max, "dias": tope.dias} if tope else None
        if topes:
            cambios["topes"] = topes
        total = self._tope("tope_total")
        if total != base.tope_total:
            cambios["tope_total"] = {"max": total.max, "dias": total.dias} if total else None
        prohibidos = {c for c in CANALES if self[f"prohibido_{c}"].data}
        if prohibidos != base.canales_prohibidos:
            cambios["canales_prohibidos"] = sorted(prohibidos)
        for clave, campo, actual in (
            ("separacion_dias", "separacion", base.separacion_dias),
            ("silencio_tras_conversacion_dias", "silencio", base.silencio_tras_conversacion_dias),
        ):
            dias = {c: self[f"{campo}_{c}"].data or 0 for c in CANALES}
            distintos = {c: d for c, d in dias.items() if d != actual.get(c, 0)}
            if distintos:
                cambios[clave] = distintos
        for clave in BOOLEANOS:
            if self[clave].data != getattr(base, clave):
                cambios[clave] = self[clave].data
        return cambios


for _dia, _nombre in enumerate(DIAS):
    setattr(FormularioPolitica, f"desde_{_dia}", _hora(f"{_nombre.capitalize()}: desde"))
    setattr(FormularioPolitica, f"hasta_{_dia}", _hora(f"{_nombre.capitalize()}: hasta"))
    setattr(FormularioPolitica, f"sin_contacto_{_dia}", BooleanField("Sin contacto"))
for _canal, _nombre in CANALES.items():
    setattr(FormularioPolitica, f"prohibido_{_canal}", BooleanField(f"{_nombre}: prohibido"))
    setattr(FormularioPolitica, f"tope_{_canal}_max", _entero(f"{_nombre}: máximo de contactos"))
    setattr(FormularioPolitica, f"tope_{_canal}_dias", _entero(f"{_nombre}: en días"))
    setattr(FormularioPolitica, f"separacion_{_canal}", _entero(f"{_nombre}: separación mínima"))
    setattr(FormularioPolitica, f"silencio_{_canal}",
            _entero(f"{_nombre}: silencio tras conversación"))
for _clave, _etiqueta in BOOLEANOS.items():
    setattr(FormularioPolitica, _clave, BooleanField(_etiqueta))


class FormularioExcepcion(FormularioPolitica):
    """The audited exception: the same settings (which may loosen the law) and a reason."""

    motivo = TextAreaField("Motivo de la excepción")


def referencias_legales(preset: Politica) -> dict[str, str]:
    """The law's value beside each input, keyed like the fields (days, channels, totals)."""
    def tope(t: Tope | None) -> str:
        return f"{t.max} en {t.dias} días" if t else "sin tope"

    ref = {f"dia_{d}": ("sin contacto" if (v := preset.horario.get(d)) is None
                        else f"{hhmm(v[0])}–{hhmm(v[1])}") for d in range(7)}
    ref["max_por_dia"] = str(preset.max_por_dia) if preset.max_por_dia else "sin límite"
    ref["tope_total"] = tope(preset.tope_total)
    for canal in CANALES:
        ref[f"prohibido_{canal}"] = "prohibido" if canal in preset.canales_prohibidos \
            else "permitido"
        ref[f"tope_{canal}"] = tope(preset.topes.get(canal))
        ref[f"separacion_{canal}"] = f"{preset.separacion_dias.get(canal, 0)} días"
        ref[f"silencio_{canal}"] = f"{preset.silencio_tras_conversacion_dias.get(canal, 0)} días"
    for clave in BOOLEANOS:
        ref[clave] = "exigido" if getattr(preset, clave) else "no exigido"
    return ref
