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
import os
import shutil
import signal
import subprocess
from collections import OrderedDict

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
