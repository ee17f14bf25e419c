"""The caso page's "Documentos" panel: the caso's documents and the upload form."""

from dataclasses import dataclass

from agencia.casos.modelos import Caso
from agencia.documentos.formularios import FormularioDocumento
from agencia.documentos.servicios import FilaDocumento, documentos_del_caso


@dataclass
class PanelDocumentos:
    documentos: list[FilaDocumento]
    formulario: FormularioDocumento


def panel_documentos(caso: Caso, formulario: FormularioDocumento | None = None) -> PanelDocumentos:
    return PanelDocumentos(documentos=documentos_del_caso(caso.id),
                           formulario=formulario or FormularioDocumento(caso, formdata=None))
