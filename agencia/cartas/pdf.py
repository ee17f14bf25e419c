"""HTML → PDF with wkhtmltopdf, locked down and with a timeout of its own.

pdfkit builds the command line; we run it ourselves so every call has its own timeout (an
RQ job timeout does not kill a subprocess) and a hung wkhtmltopdf is killed together with
anything it started (it runs in its own process group).

The HTML is untrusted as far as wkhtmltopdf is concerned: no local files, no JavaScript, no
network (there is no switch for that, so every request goes to a proxy on a closed loopback
port and fails at once; data: URIs are not fetched and still work for images).

The Debian/Ubuntu wkhtmltopdf is built against an unpatched Qt and accepts one input
document per call: a batch of letters is one HTML document with page breaks between them
(`page-break-after: always`), not a list of files.
"""

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
from collections import OrderedDict
from pathlib import Path

import pdfkit
from flask import current_app, has_app_context

PROXY_CERRADO = "http://127.0.0.1:9"
PAPELES = ("A4", "Letter", "Legal")
# pdfkit reads options from <meta name="pdfkit-..."> tags of the HTML; only these are used.
OPCIONES_BASE = {
    "--encoding": "UTF-8",
    "--disable-local-file-access": "",
    "--disable-javascript": "",
    "--proxy": PROXY_CERRADO,
    "--load-media-error-handling": "ignore",
    "--print-media-type": "",
    "--no-outline": "",
    "--disable-smart-shrinking": "",  # CSS sizes in pt print at their real size
    "--margin-top": "15mm",
    "--margin-bottom": "15mm",
    "--margin-left": "20mm",
    "--margin-right": "20mm",
    "--quiet": "",
}


class ErrorPdf(Exception):
    """The PDF could not be made; the message is in Spanish, for the user."""


def _config(clave: str, defecto):
    return current_app.config.get(clave, defecto) if has_app_context() else defecto


def comando(html: str, papel: str = "A4", ejecutable: str | None = None) -> list[str]:
    """The wkhtmltopdf command line for HTML read from stdin and the PDF written to stdout."""
    if papel not in PAPELES:
        raise ErrorPdf(f"Tamaño de papel no admitido: {papel}.")
    nombre = ejecutable or _config("WKHTMLTOPDF", "wkhtmltopdf")
    ruta = shutil.which(nombre)
    if ruta is None:
        raise ErrorPdf(f"No se encontró el programa wkhtmltopdf ({nombre}).")
    generador = pdfkit.PDFKit(
        html,
        "string",
        configuration=pdfkit.configuration(wkhtmltopdf=ruta),
    )
    generador.options = OrderedDict({**OPCIONES_BASE, "--page-size": papel})
    return generador.command()


def html_a_pdf(
    html: str, *, papel: str = "A4", timeout: float | None = None, ejecutable: str | None = None
) -> bytes:
    """Renders one HTML document to PDF bytes, or raises ErrorPdf (nothing is written)."""
    limite = timeout if timeout is not None else _config("WKHTMLTOPDF_TIMEOUT", 60)
    args = comando(html, papel, ejecutable)
    try:
        proceso = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        raise ErrorPdf(f"No se pudo ejecutar wkhtmltopdf: {error.strerror}.") from error
    try:
        salida, errores = proceso.communicate(html.encode("utf-8"), timeout=limite)
    except subprocess.TimeoutExpired as error:
        _matar_grupo(proceso)
        raise ErrorPdf(
            f"La generación del PDF superó el tiempo límite de {limite:g} s y se detuvo."
        ) from error
    if proceso.returncode != 0 or not salida.startswith(b"%PDF-"):
        raise ErrorPdf(f"wkhtmltopdf no pudo generar el PDF: {_motivo(errores)}")
    return salida


def _matar_grupo(proceso: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proceso.pid, signal.SIGKILL)
    proceso.communicate()


def _motivo(errores: bytes) -> str:
    lineas = [
        linea.strip()
        for linea in errores.decode("utf-8", "replace").splitlines()
        if linea.strip() and not linea.startswith("QStandardPaths")
    ]
    return lineas[-1] if lineas else "terminó con error y sin mensaje."


# --- Batches: many letters in one wkhtmltopdf call, then one PDF per letter -----------------
#
# Each letter starts on a new page with a 1×1 px box whose fill colour encodes its position in
# the chunk (red 254, then the position in green and blue). wkhtmltopdf writes that colour as
# an `r g b scn` operator in the page's content stream, so the pages where letters start are
# found by reading the (decompressed) content streams, without extracting any text. Anything
# unexpected — a marker missing, out of order, or a page before the first one — is an ErrorPdf:
# a chunk is never split by guesswork.

_CUERPO = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_CABEZA = re.compile(r"^(.*?<body[^>]*>)", re.S | re.I)
# wkhtmltopdf sets a fill colour as `/CSp cs r g b scn`; the literal prefix keeps it fast.
_COLOR = re.compile(rb"cs ([\d.]+) ([\d.]+) ([\d.]+) scn")
ROJO_MARCA = 254
MAXIMO_LOTE = 256 * 256


def _marca(posicion: int) -> str:
    verde, azul = divmod(posicion, 256)
    return (f'<div style="height:1px;width:1px;margin:0;padding:0;'
            f'background:rgb({ROJO_MARCA},{verde},{azul})"></div>')


def unir_html(documentos: list[str]) -> str:
    """One HTML document with every letter on its own pages (the head of the first one: the
    letters of a batch share their template), each opening with its position marker."""
    if not documentos or len(documentos) > MAXIMO_LOTE:
        raise ErrorPdf("Un bloque de cartas debe tener entre 1 y 65.536 cartas.")
    cabeza = _CABEZA.match(documentos[0])
    partes = [cabeza.group(1) if cabeza else "<html><head><meta charset='utf-8'></head><body>"]
    for posicion, documento in enumerate(documentos):
        cuerpo = _CUERPO.search(documento)
        salto = "" if posicion == 0 else ' style="page-break-before:always"'
        partes.append(f"<div{salto}>{_marca(posicion)}"
                      f"{cuerpo.group(1) if cuerpo else documento}</div>")
    partes.append("</body></html>")
    return "".join(partes)


def paginas_por_carta(pdf: bytes, cantidad: int) -> list[range]:
    """The page range of each of the `cantidad` letters of a batch PDF (see unir_html)."""
    with _abrir(pdf) as documento:
        return _paginas(documento, cantidad)


def _abrir(pdf: bytes):
    import pikepdf

    try:
        return pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as error:
        raise ErrorPdf("wkhtmltopdf produjo un PDF ilegible.") from error


def _paginas(documento, cantidad: int) -> list[range]:
    inicios: list[int] = []
    for numero, pagina in enumerate(documento.pages):
        for rojo, verde, azul in _COLOR.findall(_contenido(pagina)):
            if round(float(rojo) * 255) != ROJO_MARCA:
                continue
            posicion = round(float(verde) * 255) * 256 + round(float(azul) * 255)
            if posicion != len(inicios) or (inicios and inicios[-1] == numero):
                raise ErrorPdf("No se pudieron separar las cartas del bloque (marcas fuera de orden).")
            inicios.append(numero)
    if len(inicios) != cantidad or (inicios and inicios[0] != 0):
        raise ErrorPdf(f"No se pudieron separar las cartas del bloque: {len(inicios)} marcas "
                       f"para {cantidad} cartas.")
    finales = inicios[1:] + [len(documento.pages)]
    return [range(a, b) for a, b in zip(inicios, finales, strict=True)]


def _contenido(pagina) -> bytes:
    """The page's decoded content stream(s), read directly (no operator parsing)."""
    import pikepdf

    contenido = pagina.obj.get("/Contents")
    if contenido is None:
        return b""
    partes = [contenido] if isinstance(contenido, pikepdf.Stream) else list(contenido)
    return b"\n".join(parte.read_bytes() for parte in partes)


def _guardar(documento) -> bytes:
    buffer = io.BytesIO()
    documento.save(buffer)
    return buffer.getvalue()


def dividir(pdf: bytes, rangos: list[range]) -> list[bytes]:
    """One PDF per page range (each carries only the resources its pages use)."""
    import pikepdf

    salida = []
    with _abrir(pdf) as documento:
        for rango in rangos:
            with pikepdf.new() as carta:
                carta.pages.extend(documento.pages[rango.start:rango.stop])
                salida.append(_guardar(carta))
    return salida


def combinar(fuentes: list[tuple[Path, range | None]]) -> bytes:
    """One PDF with the given pages of each file, in order (None: all its pages); each file
    is opened once however many times it is named."""
    import pikepdf

    abiertos: dict[Path, object] = {}
    try:
        with pikepdf.new() as salida:
            for ruta, rango in fuentes:
                if ruta not in abiertos:
                    abiertos[ruta] = pikepdf.open(ruta)
                paginas = abiertos[ruta].pages
                salida.pages.extend(paginas if rango is None else paginas[rango.start:rango.stop])
            return _guardar(salida)
    except pikepdf.PdfError as error:
        raise ErrorPdf("No se pudo leer un PDF del lote para el archivo de impresión.") from error
    finally:
        for documento in abiertos.values():
            documento.close()


def lote_a_pdf(documentos: list[str], *, papel: str = "A4", timeout: float | None = None,
               ejecutable: str | None = None) -> tuple[bytes, list[range]]:
    """Renders many letters with ONE wkhtmltopdf call: the chunk's PDF and each letter's pages.
    The timeout (default WKHTMLTOPDF_TIMEOUT_LOTE, else 10 × WKHTMLTOPDF_TIMEOUT) is the call's."""
    if timeout is None:
        timeout = _config("WKHTMLTOPDF_TIMEOUT_LOTE", 10 * _config("WKHTMLTOPDF_TIMEOUT", 60))
    pdf = html_a_pdf(unir_html(documentos), papel=papel, timeout=timeout, ejecutable=ejecutable)
    return pdf, paginas_por_carta(pdf, len(documentos))
