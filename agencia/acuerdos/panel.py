"""What the "Acuerdo de pago" panel of the caso page shows (built for agencia.casos.rutas).

The open acuerdo when there is one (its estado, who must act, its schedule paid / pending);
otherwise the calculator, with the last calculation when the agent pressed "Calcular". The
caso's earlier acuerdos are listed so the agent sees what became of their proposals.
"""

from dataclasses import dataclass, field

from flask_login import current_user

from agencia.acuerdos import servicios as s
from agencia.acuerdos.calculo import Deuda, Evaluacion, Plan
from agencia.acuerdos.formularios import FormularioAcuerdo
from agencia.acuerdos.mandato import mandato_de
from agencia.acuerdos.modelos import Acuerdo, Mandato
from agencia.casos.modelos import Caso
from agencia.promesas.servicios import hoy_local


@dataclass
class PanelAcuerdo:
    caso: Caso
    abierto: Acuerdo | None
    historial: list[Acuerdo]
    formulario: FormularioAcuerdo
    deuda: Deuda
    mandato: Mandato
    impedimento: str | None
    puede_proponer: bool
    puede_anular: bool
    plan: Plan | None = None
    evaluacion: Evaluacion | None = None
    errores: list[str] = field(default_factory=list)


def panel_acuerdo(caso: Caso, formulario: FormularioAcuerdo | None = None,
                  plan: Plan | None = None, evaluacion: Evaluacion | None = None,
                  errores: list[str] | None = None) -> PanelAcuerdo:
    historial = s.acuerdos_del_caso(caso.id)
    abierto = next((a for a in historial if a.abierto), None) or s.acuerdo_abierto(caso.id)
    if formulario is None:
        formulario = FormularioAcuerdo(formdata=None, primera_fecha=hoy_local(),
                                       fecha_limite=hoy_local())
    return PanelAcuerdo(
        caso=caso, abierto=abierto,
        historial=[a for a in historial if a is not abierto],
        formulario=formulario, deuda=s.deuda_del_caso(caso.id),
        mandato=mandato_de(caso.acreedor_id), impedimento=s.impedimento(caso),
        puede_proponer=current_user.rol in s.ROLES_QUE_PROPONEN,
        puede_anular=bool(abierto and s.puede_anular(abierto, current_user)),
        plan=plan, evaluacion=evaluacion, errores=list(errores or []),
    )
