"""The cell parsers of the placement file: amounts, dates, documents, phones, emails."""

from datetime import date
from decimal import Decimal

import pytest

from agencia.asignaciones.lectura import (
    ValorInvalido,
    leer_documento,
    leer_email,
    leer_fecha,
    leer_monto,
    leer_telefono,
    normalizar_encabezado,
)


@pytest.mark.parametrize("texto, esperado", [
    ("1234567.89", "1234567.89"),
    ("1.234.567,89", "1234567.89"),
    ("1,234,567.89", "1234567.89"),
    ("$ 1.234.567", "1234567.00"),
    ("$1,234,567", "1234567.00"),
    (" 150.000 ", "150000.00"),
    ("150,000", "150000.00"),
    ("1 234 567,5", "1234567.50"),
    ("1234567,89", "1234567.89"),
    ("0", "0.00"),
    ("0.5", "0.50"),
    ("98765", "98765.00"),
    ("999999999999.99", "999999999999.99"),
])
def test_montos_en_cada_formato(texto, esperado):
    valor = leer_monto(texto)
    assert isinstance(valor, Decimal)
    assert valor == Decimal(esperado) and str(valor) == esperado


@pytest.mark.parametrize("texto, motivo", [
    ("12,3,4", "monto no válido «12,3,4»"),
    ("1.23.456", "monto no válido «1.23.456»"),
    ("1234.567", "monto no válido «1234.567»"),
    ("1.234,567", "monto no válido «1.234,567»"),
    ("1,234.56.7", "monto no válido «1,234.56.7»"),
    ("abc", "monto no válido «abc»"),
    ("12a", "monto no válido «12a»"),
    (".50", "monto no válido «.50»"),
    ("1.", "monto no válido «1.»"),
    ("$", "monto no válido «$»"),
    ("-5000", "monto negativo «-5000»"),
    ("$ -1.000", "monto negativo «$ -1.000»"),
    ("(1.000)", "monto negativo «(1.000)»"),
    ("1000000000000", "monto demasiado grande «1000000000000»"),
])
def test_montos_no_validos(texto, motivo):
    with pytest.raises(ValorInvalido) as error:
        leer_monto(texto)
    assert str(error.value) == motivo


@pytest.mark.parametrize("texto, esperado", [
    ("2024-03-31", date(2024, 3, 31)),
    ("2024-3-5", date(2024, 3, 5)),
    ("31/03/2024", date(2024, 3, 31)),
    ("5/3/2024", date(2024, 3, 5)),
    ("31-03-2024", date(2024, 3, 31)),
    ("5-3-2024", date(2024, 3, 5)),
    ("2024-03-31 00:00:00", date(2024, 3, 31)),
])
def test_fechas(texto, esperado):
    assert leer_fecha(texto) == esperado


@pytest.mark.parametrize("texto, motivo", [
    ("31/02/2024", "fecha inexistente «31/02/2024»"),
    ("2024-13-01", "fecha inexistente «2024-13-01»"),
    ("03/31/24", "fecha no válida «03/31/24»"),
    ("31-03/2024", "fecha no válida «31-03/2024»"),
    ("29-02-2023", "fecha inexistente «29-02-2023»"),
    ("mañana", "fecha no válida «mañana»"),
    ("0024-01-01", "fecha fuera de rango «0024-01-01»"),
])
def test_fechas_no_validas(texto, motivo):
    with pytest.raises(ValorInvalido) as error:
        leer_fecha(texto)
    assert str(error.value).startswith(motivo)


def test_documentos_normalizados():
    assert leer_documento("1.020.304.050") == "1020304050"
    assert leer_documento(" 12.345.678-k ") == "12345678-K"
    assert leer_documento("900 123 456-7") == "900123456-7"
    for malo in ("", "10/20", "-123", "x" * 31):
        with pytest.raises(ValorInvalido):
            leer_documento(malo)


def test_telefonos_en_e164_segun_el_pais():
    assert leer_telefono("300 123 4567") == "+573001234567"
    assert leer_telefono("(601) 745-2310") == "+576017452310"
    assert leer_telefono("573001234567") == "+573001234567"
    assert leer_telefono("+57 300 123 4567") == "+573001234567"
    assert leer_telefono("0056 9 8765 4321") == "+56987654321"
    assert leer_telefono("9 8765 4321", "CL") == "+56987654321"
    # Colombia has no 7-digit numbers since 2021; phonenumbers refuses them (and letters).
    for malo in ("12345", "1234567", "300-ABC-4567", "+57 300 123 4567 8901 23"):
        with pytest.raises(ValorInvalido, match="teléfono no válido"):
            leer_telefono(malo)


def test_emails():
    assert leer_email(" Ana.Perez@Example.COM ") == "ana.perez@example.com"
    for malo in ("ana", "ana@", "ana@example", "ana perez@example.com", "a@b@c.co"):
        with pytest.raises(ValorInvalido, match="correo electrónico no válido"):
            leer_email(malo)


@pytest.mark.parametrize("texto, esperado", [
    ("Referencia", "referencia"),
    ("  NÚMERO DOCUMENTO ", "numero_documento"),
    ("Número_Documento", "numero_documento"),
    ("\ufeffreferencia", "referencia"),
    ("Fecha-Vencimiento", "fecha_vencimiento"),
    ("TELÉFONO", "telefono"),
])
def test_encabezados_sin_mayusculas_ni_tildes(texto, esperado):
    assert normalizar_encabezado(texto) == esperado
