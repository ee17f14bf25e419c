"""Placement rows for the demo, generated from a seeded random source (the same every run
for a given day): Colombian cédulas and NITs, Chilean RUTs, phones, emails and addresses.

Rows are plain dicts keyed like the columns of a placement file, so the demo loads them
through the same importer as a real file.
"""

import random
import unicodedata
from datetime import date, timedelta
from decimal import Decimal

from agencia.demo import datos

PESOS_OBLIGACIONES = ([1, 2, 3], [70, 22, 8])

# Colombian mobile prefixes in use (phonenumbers refuses numbers of unassigned ranges).
MOVILES_CO = ("300", "301", "302", "304", "305", "310", "311", "312", "313", "314", "315", "316",
              "317", "318", "319", "320", "321", "322", "323", "350", "351")


def digito_nit(numero: int) -> int:
    """The DIAN check digit of a Colombian NIT."""
    pesos = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71]
    suma = sum(int(d) * p for d, p in zip(reversed(str(numero)), pesos, strict=False))
    resto = suma % 11
    return 11 - resto if resto > 1 else resto


def digito_rut(numero: int) -> str:
    """The modulo-11 check digit of a Chilean RUT (K for 10)."""
    suma = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(str(numero))))
    valor = 11 - suma % 11
    return {11: "0", 10: "K"}.get(valor, str(valor))


def _ascii(texto: str) -> str:
    texto = unicodedata.normalize("NFKD", texto)
    return "".join(c for c in texto if c.isascii() and c.isalpha() or c == " ").lower()


class Generador:
    def __init__(self, semilla: int = 2026, hoy: date | None = None):
        self.azar = random.Random(semilla)
        self.hoy = hoy or date.today()
        self.documentos: set[tuple[str, str]] = set()
        self.referencias = 0

    def _documento_nuevo(self, hacer) -> tuple[str, str]:
        while (documento := hacer()) in self.documentos:
            pass
        self.documentos.add(documento)
        return documento

    def _rut(self) -> tuple[str, str]:
        numero = self.azar.randint(8_000_000, 26_000_000)
        return "RUT", f"{numero:,}".replace(",", ".") + f"-{digito_rut(numero)}"

    def _nit(self) -> tuple[str, str]:
        numero = self.azar.randint(800_000_000, 901_999_999)
        return "NIT", f"{numero}-{digito_nit(numero)}"

    def deudor(self, acreedor: dict) -> dict:
        """A deudor: document, name, contactos and city, as placement columns."""
        a = self.azar
        if acreedor["pais"] == "CL":
            tipo, doc = self._documento_nuevo(self._rut)
            nombre = f"{a.choice(datos.NOMBRES_CHILE)} {a.choice(datos.APELLIDOS_CHILE)} " \
                     f"{a.choice(datos.APELLIDOS_CHILE)}"
            ciudad = a.choice(datos.CIUDADES_CL)
            # Blocks phonenumbers knows as Chilean mobiles (9 4000… to 9 6899…).
            telefonos = [f"+56 9 {a.randint(4000, 6899)} {a.randint(1000, 9999)}"]
            direccion = f"{a.choice(datos.CALLES_CL)} {a.randint(100, 9999)}" + (
                f", depto {a.randint(11, 1804)}" if a.random() < 0.4 else "")
        else:
            ciudad, indicativo = a.choice(datos.CIUDADES_CO)
            if a.random() < acreedor["empresas"]:
                tipo, doc = self._documento_nuevo(self._nit)
                nombre = f"{a.choice(datos.EMPRESAS)} {a.choice(['S.A.S.', 'Ltda.', 'S.A.'])}"
            else:
                tipo, doc = self._documento_nuevo(lambda: ("CC", str(a.choice([
                    a.randint(10_000_000, 99_999_999), a.randint(1_000_000_000, 1_150_000_000)]))))
                nombres = datos.NOMBRES_MUJER if a.random() < 0.5 else datos.NOMBRES_HOMBRE
                nombre = f"{a.choice(nombres)} {a.choice(datos.APELLIDOS)} {a.choice(datos.APELLIDOS)}"
            telefonos = [f"{a.choice(MOVILES_CO)} {a.randint(100, 999)} {a.randint(1000, 9999)}"]
            if a.random() < 0.25:
                telefonos.append(f"{indicativo} {a.randint(200, 799)} {a.randint(1000, 9999)}")
            direccion = f"{a.choice(datos.VIAS_CO)} {a.randint(1, 170)} # {a.randint(1, 120)}-" \
                        f"{a.randint(1, 99)}" + (f" Apto {a.randint(1, 25)}0{a.randint(1, 4)}"
                                                if a.random() < 0.4 else "")
        partes = _ascii(nombre).split()
        email = (f"{partes[0]}.{partes[-2] if len(partes) > 2 else partes[-1]}"
                 f"{a.randint(1, 99)}@{a.choice(datos.DOMINIOS)}") if a.random() < 0.85 else ""
        return {"tipo_documento": tipo, "numero_documento": doc, "nombre": nombre,
                "email": email, "telefono": "|".join(telefonos), "direccion": direccion,
                "ciudad": ciudad}

    def obligacion(self, acreedor: dict) -> dict:
        a = self.azar
        producto, minimo, maximo = a.choice(acreedor["productos"])
        # Log-uniform: many small debts, a few large ones.
        capital = Decimal(int(round(minimo * (maximo / minimo) ** a.random(), -3)))
        dias = a.randint(5, 400)
        tasa = Decimal(a.randint(18, 32)) / 100  # yearly, prorated on the days past due
        intereses = (capital * tasa * dias / 365).quantize(Decimal("1"))
        gastos = Decimal(a.choice([0, 0, 0, 15_000, 25_000, 45_000]))
        self.referencias += 1
        return {
            "referencia": f"{acreedor['prefijo']}-{self.referencias:07d}",
            "numero_factura": f"{acreedor['factura']}-{a.randint(1_000_000, 9_999_999)}",
            "producto": producto,
            "fecha_vencimiento": (self.hoy - timedelta(days=dias)).isoformat(),
            "capital": str(capital), "intereses": str(intereses), "gastos": str(gastos),
            "moneda": acreedor["moneda"],
        }

    def cartera(self, acreedor: dict, casos: int, compartidos: list[dict] = ()) -> list[dict]:
        """Rows for `casos` deudores of one acreedor; the first ones may be deudores already
        placed by another acreedor of the same country (the same person owes both)."""
        filas = []
        for indice in range(casos):
            deudor = compartidos[indice] if indice < len(compartidos) else self.deudor(acreedor)
            cuantas = self.azar.choices(*PESOS_OBLIGACIONES)[0]
            filas += [{**deudor, **self.obligacion(acreedor)} for _ in range(cuantas)]
        return filas
