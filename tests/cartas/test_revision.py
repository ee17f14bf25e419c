"""The wording check: judicial imitation, threats and disclosure to third parties are found
(accent- and case-insensitive); lawful collection wording is not; the defaults pass."""

from pathlib import Path

import pytest

from agencia.cartas.revision import AMENAZA, IMITACION, TERCEROS, revisar
from agencia.config import RAIZ


@pytest.mark.parametrize(("texto", "categoria"), [
    ("Juzgado Tercero Civil Municipal", IMITACION),
    ("Se libró MANDAMIENTO DE PAGO", IMITACION),
    ("Embargo inminente de su salario", IMITACION),
    ("Existe una orden de captura", AMENAZA),
    ("Iniciaremos una demanda ejecutiva en su contra", AMENAZA),
    ("REPÚBLICA DE COLOMBIA – RAMA JUDICIAL", IMITACION),
    ("Lleva el sello oficial del despacho", IMITACION),
    ("Podría terminar en la cárcel", AMENAZA),
    ("Lo visitaremos en su trabajo", AMENAZA),
    ("Es su última oportunidad antes de proceder", AMENAZA),
    ("Reportaremos a su familia la deuda", TERCEROS),
    ("Informaremos a sus vecinos", TERCEROS),
    ("contactaremos a su empleador", TERCEROS),
    ("Vamos a llamar a sus familiares", TERCEROS),
])
def test_encuentra_lo_prohibido(texto, categoria):
    hallazgos = revisar(texto)
    assert hallazgos, texto
    assert hallazgos[0].categoria == categoria
    assert hallazgos[0].motivo


@pytest.mark.parametrize("texto", [
    "Le recordamos amablemente su saldo pendiente.",
    "El acreedor podrá evaluar el inicio de las acciones de cobro que la ley le permite.",
    "Esta carta no es una comunicación de un juzgado ni de ninguna autoridad.",
    "Puede presentar su consulta o reclamo.",
    "Lo atendemos de lunes a viernes.",
])
def test_no_marca_la_redaccion_legitima(texto):
    assert revisar(texto) == []


def test_los_comentarios_de_jinja_y_las_etiquetas_no_cuentan_pero_los_literales_si():
    assert revisar("{# aquí no diga juzgado #}<p class='embargo'>Hola</p>") == []
    assert revisar("{{ 'orden de captura' }}")


def test_las_plantillas_predeterminadas_pasan_la_revision():
    archivos = [*(RAIZ / "plantillas" / "cartas").glob("*.html"),
                *(RAIZ / "plantillas" / "mensajes").glob("*")]
    assert len(archivos) >= 14
    for ruta in archivos:
        assert revisar(Path(ruta).read_text(encoding="utf-8")) == [], ruta.name
