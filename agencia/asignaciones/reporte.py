"""The report of one placement import: what was read, written, skipped and rejected."""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from agencia.asignaciones.validacion import Rechazo
from agencia.exportar import celda_segura
from agencia.formato import fecha


@dataclass
class ReporteImportacion:
    archivo: str
    acreedor_codigo: str
    todo_o_nada: bool = True
    filas: int = 0
    obligaciones_nuevas: int = 0
    obligaciones_actualizadas: int = 0
    sin_cambios: int = 0
    casos_nuevos: int = 0
    casos_reabiertos: int = 0
    deudores_nuevos: int = 0
    contactos_nuevos: int = 0
    casos_sin_agente: int = 0
    rechazos: list[Rechazo] = field(default_factory=list)
    columnas_ignoradas: list[str] = field(default_factory=list)
    # True when the valid rows are in the database (also when the file had been imported before).
    importado: bool = False
    lote_id: int | None = None
    # Set when this very file (same checksum) had already been imported: nothing was touched.
    importado_antes_en: datetime | None = None

    @property
    def filas_rechazadas(self) -> int:
        return len({r.linea for r in self.rechazos})

    @property
    def filas_validas(self) -> int:
        return self.filas - self.filas_rechazadas

    def como_texto(self) -> str:
        """The report in Spanish: a summary, then one line per problem of a rejected row."""
        lineas = [f"Importación de «{self.archivo}» para el acreedor {self.acreedor_codigo}"]
        if not self.importado and self.todo_o_nada:
            lineas.append(
                f"NO SE IMPORTÓ NADA: {self.filas_rechazadas} de {self.filas} filas tienen "
                "errores y la importación es de todo o nada. Corrija las filas indicadas y "
                "vuelva a importar el archivo (o importe solo las filas válidas)."
            )
        elif not self.importado:
            lineas.append("NO SE IMPORTÓ NADA: ninguna fila del archivo es válida.")
        elif self.importado_antes_en is not None:
            lineas.append(
                f"Este archivo ya se había importado el {fecha(self.importado_antes_en)} "
                f"(lote {self.lote_id}): no se cambió nada."
            )
        lineas.append(f"  Filas leídas: {self.filas}")
        if self.importado:
            lineas += [
                f"  Obligaciones nuevas: {self.obligaciones_nuevas}",
                f"  Obligaciones actualizadas: {self.obligaciones_actualizadas}",
                f"  Obligaciones sin cambios: {self.sin_cambios}",
                f"  Casos nuevos: {self.casos_nuevos}",
                f"  Deudores nuevos: {self.deudores_nuevos}",
            ]
            if self.contactos_nuevos:
                lineas.append(f"  Contactos nuevos: {self.contactos_nuevos}")
            if self.casos_reabiertos:
                lineas.append(f"  Casos cerrados reabiertos por obligaciones nuevas: "
                              f"{self.casos_reabiertos}")
        else:
            lineas.append(f"  Filas válidas (no importadas): {self.filas_validas}")
        lineas.append(f"  Filas rechazadas: {self.filas_rechazadas}")
        if self.casos_sin_agente:
            lineas.append(f"  Atención: no hay agentes activos; {self.casos_sin_agente} casos "
                          "quedaron sin asignar.")
        if self.columnas_ignoradas:
            lineas.append("  Columnas no reconocidas (ignoradas): "
                          + ", ".join(f"«{c}»" for c in self.columnas_ignoradas))
        if self.rechazos:
            lineas.append("Filas rechazadas:" if self.importado else "Errores:")
            lineas += [r.como_texto() for r in sorted(self.rechazos, key=lambda r: r.linea)]
        return "\n".join(lineas)


# ---- the rejected rows as CSV ----------------------------------------------------------------

def reporte_csv(rechazos: Iterable[Mapping]) -> str:
    """The rejected rows (dicts with linea, columna, valor, motivo) as CSV for a spreadsheet:
    `;` separated (Excel in Spanish locales), UTF-8 with BOM, every text cell neutralised."""
    salida = io.StringIO()
    escritor = csv.writer(salida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(["linea", "columna", "valor", "motivo"])
    for rechazo in rechazos:
        escritor.writerow([rechazo.get("linea", ""), celda_segura(rechazo.get("columna")),
                           celda_segura(rechazo.get("valor")), celda_segura(rechazo.get("motivo"))])
    return "\ufeff" + salida.getvalue()
