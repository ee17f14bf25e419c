"""The stage machine: who may move a caso where, reasons, refusals explained, applied once."""

import pytest
from sqlalchemy import func, select, update

from agencia.auditoria.modelos import Auditoria
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.etapas import TRANSICIONES, TransicionInvalida, cambiar_etapa
from agencia.casos.modelos import ETAPAS, CambioEtapa, Caso
from agencia.extensiones import db
from agencia.tipos import ahora
from tests.conftest import ingresar, token_csrf

MOTIVO = "El deudor no responde desde hace meses."


@pytest.fixture
def equipo(crear_acreedor, crear_usuario, crear_caso):
    acme = crear_acreedor()
    usuarios = {rol: crear_usuario(rol, rol=rol) for rol in
                ("agente", "supervisor", "admin", "abogado")}

    def caso(etapa="prejuridico"):
        return crear_caso(acme, usuarios["agente"], etapa=etapa)

    return usuarios, caso


def _cambios() -> int:
    return db.session.scalar(select(func.count(CambioEtapa.id)))


PERMITIDAS = [
    ("prejuridico", "negociacion", "agente"), ("juridico", "incobrable", "supervisor"),
    ("prejuridico", "pagado", "supervisor"), ("juridico", "incobrable", "abogado"),
    ("negociacion", "incobrable", "supervisor"), ("acuerdo", "devuelto", "admin"),
]


@pytest.mark.parametrize(("desde", "hacia", "rol"), PERMITIDAS)
def test_transicion_permitida_queda_escrita_y_auditada(equipo, desde, hacia, rol):
    usuarios, nuevo_caso = equipo
    caso = nuevo_caso(desde)
    cambio = cambiar_etapa(caso, hacia, usuarios[rol], MOTIVO)
    db.session.commit()
    assert caso.etapa == hacia and db.session.get(Caso, caso.id).etapa == hacia
    assert (cambio.desde, cambio.hacia, cambio.usuario_id) == (desde, hacia, usuarios[rol].id)
    entrada = db.session.scalars(select(Auditoria).where(Auditoria.accion == "caso.etapa")).one()
    assert entrada.antes == {"etapa": desde}
    assert entrada.despues["etapa"] == hacia and entrada.usuario_id == usuarios[rol].id


PROHIBIDAS = [
    ("prejuridico", "juridico", "agente", "use «Solicitar remisión a jurídico»"),
    ("juridico", "acuerdo", "abogado", "panel «Proceso jurídico»"),
    ("negociacion", "juridico", "supervisor", "use «Solicitar remisión a jurídico»"),
    ("acuerdo", "juridico", "admin", "El caso pasa a Jurídico solo por una remisión"),
    ("prejuridico", "incobrable", "agente", "solo lo pueden hacer"),
    ("negociacion", "devuelto", "agente", "solo lo pueden hacer"),
    ("prejuridico", "pagado", "agente", "solo lo pueden hacer"),
    ("prejuridico", "negociacion", "abogado", "solo lo pueden hacer"),
    ("prejuridico", "acuerdo", "supervisor", "cuando un acuerdo de pago queda vigente"),
    ("negociacion", "acuerdo", "agente", "propóngalo en el panel «Acuerdo de pago»"),
    ("acuerdo", "negociacion", "admin", "cuando su acuerdo de pago se incumple o se anula"),
    ("prejuridico", "mediacion", "admin", "no existe"),
    ("juridico", "negociacion", "admin", "No se puede pasar"),
    ("pagado", "negociacion", "admin", "El caso está cerrado"),
    ("prejuridico", "inventada", "admin", "no existe"),
]


def test_el_sistema_mueve_a_acuerdo_y_reabre_un_caso_pagado(equipo):
    """The acuerdo and payment services move a caso (usuario None), with a reason."""
    _, nuevo_caso = equipo
    caso = nuevo_caso("negociacion")
    assert cambiar_etapa(caso, "acuerdo", None).hacia == "acuerdo"
    assert cambiar_etapa(caso, "negociacion", None, "Acuerdo incumplido: cuota 2").usuario_id is None
    pagado = nuevo_caso("pagado")
    assert cambiar_etapa(pagado, "acuerdo", None, "Pago R-1 reversado").hacia == "acuerdo"
    remitido = nuevo_caso("negociacion")  # a Remision's referral (agencia.juridico.remision)
    assert cambiar_etapa(remitido, "juridico", None, "Remisión a jurídico n.º 1").hacia == "juridico"
    db.session.commit()


@pytest.mark.parametrize(("desde", "hacia", "rol", "mensaje"), PROHIBIDAS)
def test_transicion_prohibida_se_explica_y_no_cambia_nada(equipo, desde, hacia, rol, mensaje):
    usuarios, nuevo_caso = equipo
    caso = nuevo_caso(desde)
    with pytest.raises(TransicionInvalida) as error:
        cambiar_etapa(caso, hacia, usuarios[rol], MOTIVO)
    assert mensaje in error.value.mensaje
    db.session.rollback()
    assert db.session.get(Caso, caso.id).etapa == desde and _cambios() == 0


def test_el_rechazo_dice_que_se_puede_hacer(equipo):
    usuarios, nuevo_caso = equipo
    with pytest.raises(TransicionInvalida) as error:
        cambiar_etapa(nuevo_caso("prejuridico"), "juridico", usuarios["agente"], MOTIVO)
    assert "usted puede pasarlo a: Negociación" in error.value.mensaje


def test_motivo_obligatorio(equipo):
    usuarios, nuevo_caso = equipo
    caso = nuevo_caso("negociacion")
    with pytest.raises(TransicionInvalida) as error:
        cambiar_etapa(caso, "incobrable", usuarios["supervisor"], "  ")
    assert error.value.campo == "motivo" and "Explique el motivo" in error.value.mensaje
    assert _cambios() == 0


def test_pagado_por_el_sistema_sin_usuario(equipo):
    _, nuevo_caso = equipo
    caso = nuevo_caso("acuerdo")
    cambio = cambiar_etapa(caso, "pagado", None)
    assert cambio.usuario_id is None and caso.etapa == "pagado"


def test_cada_transicion_tiene_roles_y_etapas_validas():
    for (desde, hacia), t in TRANSICIONES.items():
        assert desde in ETAPAS and hacia in ETAPAS and t.roles and desde != hacia


def test_repetida_se_aplica_una_vez(equipo):
    usuarios, nuevo_caso = equipo
    caso = nuevo_caso("prejuridico")
    assert cambiar_etapa(caso, "negociacion", usuarios["agente"]) is not None
    assert cambiar_etapa(caso, "negociacion", usuarios["agente"]) is None
    db.session.commit()
    assert _cambios() == 1


def test_concurrente_con_copia_vieja_se_aplica_una_vez(equipo):
    """Another request moved the caso after we read it: our stale copy does not apply it
    again, and a transition from the old etapa is refused with the current one named."""
    usuarios, nuevo_caso = equipo
    caso = nuevo_caso("prejuridico")
    db.session.execute(update(Caso).where(Caso.id == caso.id).values(etapa="negociacion")
                       .execution_options(synchronize_session=False))
    assert caso.etapa == "prejuridico"  # stale in memory
    assert cambiar_etapa(caso, "negociacion", usuarios["agente"]) is None
    assert _cambios() == 0

    otro = nuevo_caso("prejuridico")
    db.session.execute(update(Caso).where(Caso.id == otro.id).values(etapa="acuerdo")
                       .execution_options(synchronize_session=False))
    with pytest.raises(TransicionInvalida) as error:
        cambiar_etapa(otro, "negociacion", usuarios["agente"])
    assert "cambió de etapa mientras tanto" in error.value.mensaje


def test_cerrar_libera_el_reclamo(equipo):
    usuarios, nuevo_caso = equipo
    caso = nuevo_caso("negociacion")
    agente = usuarios["agente"]
    caso.reclamado_por, caso.reclamado_en = agente.id, ahora()
    db.session.add(SesionTrabajo(caso_id=caso.id, agente_id=agente.id, inicio=ahora()))
    db.session.commit()
    cambiar_etapa(caso, "devuelto", usuarios["supervisor"], "El acreedor retiró el caso.")
    db.session.commit()
    assert caso.reclamado_por is None and caso.reclamado_en is None
    sesion = db.session.scalars(select(SesionTrabajo)).one()
    assert sesion.fin is not None and sesion.cierre == "agente"


# ---- the route ---------------------------------------------------------------------------

def _post(cliente, caso, **datos):
    datos.setdefault("csrf_token", token_csrf(cliente, f"/casos/{caso.id}"))
    return cliente.post(f"/casos/{caso.id}/etapa", data=datos)


def test_pagina_muestra_solo_las_transiciones_del_usuario(cliente, equipo):
    _, nuevo_caso = equipo
    caso = nuevo_caso("prejuridico")
    ingresar(cliente, "agente")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Pasar a negociación" in html and "Remitir a jurídico" not in html
    cliente.post("/salir", data={"csrf_token": token_csrf(cliente, f"/casos/{caso.id}")})
    ingresar(cliente, "supervisor")
    html = cliente.get(f"/casos/{caso.id}").get_data(as_text=True)
    assert "Solicitar remisión a jurídico" in html and "Declarar incobrable" in html
    assert "Remitir a jurídico" not in html  # only a Remision moves a caso to juridico


def test_ruta_cambia_etapa_y_repetida_no_duplica(cliente, equipo):
    _, nuevo_caso = equipo
    caso = nuevo_caso("prejuridico")
    ingresar(cliente, "agente")
    respuesta = _post(cliente, caso, hacia="negociacion", motivo="")
    assert respuesta.status_code == 302
    html = cliente.get(respuesta.headers["Location"]).get_data(as_text=True)
    assert "El caso pasó a Negociación." in html
    respuesta = _post(cliente, caso, hacia="negociacion", motivo="")
    assert respuesta.status_code == 302
    assert "ya estaba en Negociación" in cliente.get(respuesta.headers["Location"]).get_data(
        as_text=True)
    assert _cambios() == 1


def test_ruta_rechaza_con_400_y_mensaje(cliente, equipo):
    _, nuevo_caso = equipo
    caso = nuevo_caso("prejuridico")
    ingresar(cliente, "agente")
    respuesta = _post(cliente, caso, hacia="juridico", motivo=MOTIVO)
    html = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400
    assert "Solicitar remisión a jurídico" in html and "No se cambió la etapa" in html
    assert db.session.get(Caso, caso.id).etapa == "prejuridico" and _cambios() == 0
