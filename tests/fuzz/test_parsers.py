"""Properties of the parsers of user input (hypothesis): any text gives either a value or the
module's own validation error, never another exception (which would be a 500 or a crashed
import); formatting then parsing gives the same value back; amounts are always Decimal.

Covered: the placement importer's cell parsers and row validation (agencia.asignaciones),
whole placement and bank files, currencies' rounding, the fee statement's month, the
dashboard's and the portal's list filters.
"""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from agencia import formato, monedas
from agencia.asignaciones import lectura
from agencia.asignaciones.archivo import COLUMNAS, ErrorImportacion, Tabla, leer_contenido
from agencia.asignaciones.lectura import MONTO_MAXIMO, ValorInvalido
from agencia.asignaciones.validacion import validar_fila
from agencia.honorarios.liquidacion import MesInvalido, leer_mes
from agencia.metricas import tablero
from agencia.pagos import banco
from agencia.portal import servicios as portal

AJUSTES = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

# Text users type or files carry: anything, plus what looks like a number, a date, a phone.
DIGITOS_RAROS = "²³¹٣٤۵०१߁𝟘𝟙"  # digits for str.isdigit() that int() may not read
TEXTO = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,$ -+()/\u00a0" + DIGITOS_RAROS, max_size=30),
    st.from_regex(r"\A[0-9]{1,4}[/\-][0-9]{1,2}[/\-][0-9]{1,4}\Z"),
    st.integers().map(str),
    st.decimals().map(str),
    st.sampled_from(["9" * 4301, "1" * 5000 + ",00"]),  # past int()'s 4300-digit limit
)


def _valor_o_error(funcion, texto, *errores):
    try:
        return funcion(texto)
    except errores:
        return None


# ------------------------------------------------------------------ amounts


@AJUSTES
@given(TEXTO)
def test_leer_monto_da_un_decimal_con_centavos_o_valor_invalido(texto):
    valor = _valor_o_error(lectura.leer_monto, texto, ValorInvalido)
    if valor is not None:
        assert type(valor) is Decimal  # never float
        assert valor.as_tuple().exponent == -2
        assert Decimal(0) <= valor <= MONTO_MAXIMO


MONTOS = st.decimals(min_value=0, max_value=MONTO_MAXIMO, places=2)


def _agrupado(monto: Decimal, miles: str, decimal: str) -> str:
    entero, centavos = f"{monto:.2f}".split(".")
    return f"{int(entero):,}".replace(",", miles) + decimal + centavos


@AJUSTES
@given(MONTOS)
def test_un_monto_escrito_de_cualquier_forma_se_lee_igual(monto):
    for texto in (str(monto), _agrupado(monto, ".", ","), _agrupado(monto, ",", "."),
                  f"$ {_agrupado(monto, '.', ',')}", formato.dinero(monto, "COP")):
        leido = lectura.leer_monto(texto)
        assert leido == monto and type(leido) is Decimal, texto


@AJUSTES
@given(st.decimals(min_value=-10**9, max_value=10**9, places=4),
       st.sampled_from(sorted(monedas.DECIMALES)))
def test_redondear_y_truncar_quedan_en_la_unidad_minima(monto, moneda):
    redondeado, truncado = monedas.redondear(monto, moneda), monedas.truncar(monto, moneda)
    assert type(redondeado) is Decimal and type(truncado) is Decimal
    assert monedas.en_unidad_minima(redondeado, moneda)
    assert monedas.en_unidad_minima(truncado, moneda)
    assert abs(redondeado - monto) <= monedas.unidad_minima(moneda) / 2
    assert abs(truncado) <= abs(monto)


# ------------------------------------------------------------------ dates, documents, contacts


@AJUSTES
@given(TEXTO)
def test_leer_fecha_da_una_fecha_en_rango_o_valor_invalido(texto):
    valor = _valor_o_error(lectura.leer_fecha, texto, ValorInvalido)
    if valor is not None:
        assert type(valor) is date and 1900 <= valor.year <= 2100


@AJUSTES
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_una_fecha_escrita_de_cualquier_forma_se_lee_igual(dia):
    for patron in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d 00:00:00"):
        assert lectura.leer_fecha(dia.strftime(patron)) == dia


@AJUSTES
@given(TEXTO, st.sampled_from(["CO", "CL", "MX", "PE", "", "XX"]))
def test_documento_telefono_y_correo_dan_texto_o_valor_invalido(texto, pais):
    for lector in (lectura.leer_documento, lambda t: lectura.leer_telefono(t, pais),
                   lectura.leer_email):
        valor = _valor_o_error(lector, texto, ValorInvalido)
        assert valor is None or isinstance(valor, str)
    telefono = _valor_o_error(lambda t: lectura.leer_telefono(t, pais), texto, ValorInvalido)
    if telefono is not None:
        assert telefono.startswith("+") and telefono[1:].isascii() and telefono[1:].isdigit()


def test_digitos_que_int_no_lee_son_un_telefono_invalido_no_un_error():
    """Regression: "²" passes str.isdigit() but int() refuses it (it was a ValueError)."""
    with pytest.raises(ValorInvalido):
        lectura.leer_telefono("300123456²")


# ------------------------------------------------------------------ rows and files


FILAS = st.dictionaries(st.sampled_from([*COLUMNAS, "otra"]), TEXTO, max_size=len(COLUMNAS))


@AJUSTES
@given(FILAS, st.sampled_from(["COP", "USD"]), st.sampled_from(["CO", "MX"]))
def test_una_fila_de_cartera_es_valida_o_se_rechaza_con_motivos(datos, moneda, pais):
    fila, rechazos = validar_fila(2, datos, moneda, pais)
    assert (fila is None) == bool(rechazos)
    assert all(r.linea == 2 and r.motivo for r in rechazos)
    if fila is not None:
        for monto in (fila.capital, fila.intereses, fila.gastos):
            assert monto is None or type(monto) is Decimal


ARCHIVOS = st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(TEXTO.filter(lambda t: len(t) < 200), max_size=6), max_size=5).map(
        lambda filas: "\n".join(";".join(f) for f in filas).encode("utf-8")),
    st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=4).map(
        lambda filas: ("referencia_bancaria,fecha,monto,referencia\n"
                       + "\n".join(",".join(f) for f in filas)).encode("cp1252", "replace")),
)


@AJUSTES
@given(ARCHIVOS)
def test_un_archivo_de_cartera_se_lee_o_se_rechaza_entero(contenido):
    tabla = _valor_o_error(leer_contenido, contenido, ErrorImportacion)
    assert tabla is None or isinstance(tabla, Tabla)


@AJUSTES
@given(ARCHIVOS)
def test_un_archivo_del_banco_se_lee_o_se_rechaza_entero(contenido):
    tabla = _valor_o_error(banco.leer_tabla, contenido, ErrorImportacion)
    assert tabla is None or isinstance(tabla, banco.Encabezado)


# ------------------------------------------------------------------ months and filters


@AJUSTES
@given(TEXTO)
def test_leer_mes_da_un_mes_pasado_o_mes_invalido(texto):
    hoy = date(2026, 6, 15)
    valor = _valor_o_error(lambda t: leer_mes(t, hoy), texto, MesInvalido)
    if valor is not None:
        assert (2000, 1) <= valor <= (2026, 6)


@AJUSTES
@given(st.integers(2000, 2026), st.integers(1, 12))
def test_un_mes_escrito_se_lee_igual(anio, mes):
    assert leer_mes(f"{anio:04d}-{mes:02d}", date(2026, 12, 31)) == (anio, mes)


PARAMETROS = st.dictionaries(
    st.sampled_from(["desde", "hasta", "orden", "acreedor_id", "equipo_id", "agente_id", "q",
                     "etapa", "tramo", "lote", "saldo_minimo", "otro"]),
    TEXTO, max_size=6).map(MultiDict)


@AJUSTES
@given(PARAMETROS)
def test_filtros_del_tablero_son_validos_o_filtro_invalido(valores):
    filtro = _valor_o_error(tablero.leer_filtros, valores, tablero.FiltroInvalido)
    if filtro is not None:
        assert filtro.desde <= filtro.hasta


@AJUSTES
@given(PARAMETROS)
def test_filtros_del_portal_son_validos_o_filtro_invalido_o_lote_ajeno(valores):
    filtros = _valor_o_error(lambda v: portal.leer_filtros(1, v), valores,
                             portal.FiltroInvalido, portal.LoteAjeno)
    if filtros is not None and filtros.saldo_minimo is not None:
        assert type(filtros.saldo_minimo) is Decimal


@pytest.mark.parametrize("lote", ["²", "9" * 5000])
def test_un_lote_que_no_es_un_numero_legible_es_filtro_invalido(lote):
    """Regression: "²" passes str.isdigit() and 5000 digits exceed int()'s limit (both were
    a ValueError, a 500 on /portal/casos)."""
    with pytest.raises((portal.FiltroInvalido, portal.LoteAjeno)):
        portal.leer_filtros(1, MultiDict({"lote": lote}))


@pytest.mark.parametrize("campo", ["acreedor_id", "equipo_id", "agente_id"])
def test_un_id_del_tablero_que_no_es_un_numero_legible_es_filtro_invalido(campo):
    """Regression: "²" passes str.isdigit() but int() refuses it (a 500 on /tablero)."""
    with pytest.raises(tablero.FiltroInvalido):
        tablero.leer_filtros(MultiDict({campo: "²"}))
