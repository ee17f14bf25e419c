"""The PDF module: real wkhtmltopdf, locked down, with a timeout that kills what hangs."""

import http.server
import io
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from agencia.cartas.pdf import ErrorPdf, comando, html_a_pdf

HTML = '<html><head><meta charset="utf-8"></head><body><p>María Ñandú pagó $ 1.234.567</p></body></html>'


def _texto(pdf: bytes) -> str:
    paginas = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(p.extract_text() for p in paginas).split())


def test_genera_un_pdf_con_el_texto_en_utf8():
    pdf = html_a_pdf(HTML, papel="A4")
    assert pdf.startswith(b"%PDF-")
    assert "María Ñandú pagó $ 1.234.567" in _texto(pdf)


def test_el_comando_lleva_las_protecciones_y_no_las_opciones_del_html():
    html = '<html><head><meta name="pdfkit-enable-local-file-access" content=""></head></html>'
    args = comando(html, "Letter")
    for opcion in ("--disable-local-file-access", "--disable-javascript", "--proxy", "--quiet"):
        assert opcion in args
    assert "--enable-local-file-access" not in args
    assert args[args.index("--page-size") + 1] == "Letter"
    assert args[-2:] == ["-", "-"]  # HTML from stdin, PDF to stdout


def test_no_lee_archivos_locales(tmp_path):
    secreto = tmp_path / "secreto.html"
    secreto.write_text("<p>CONTENIDO-SECRETO</p>")
    html = f'<html><body><p>visible</p><iframe src="file://{secreto}"></iframe></body></html>'
    try:
        pdf = html_a_pdf(html)
    except ErrorPdf:
        return  # refused outright: fine
    assert "CONTENIDO-SECRETO" not in _texto(pdf)


def test_no_hace_peticiones_de_red():
    pedidos = []

    class Manejador(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            pedidos.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    servidor = http.server.HTTPServer(("127.0.0.1", 0), Manejador)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    try:
        base = f"http://127.0.0.1:{servidor.server_port}"
        html = (
            f'<html><head><link rel="stylesheet" href="{base}/estilo.css"></head>'
            f'<body><p>hola</p><img src="{base}/logo.png"></body></html>'
        )
        html_a_pdf(html)
    finally:
        servidor.shutdown()
    assert pedidos == []


def test_imagen_como_data_uri_si_se_admite():
    # A 1×1 PNG.
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    pdf = html_a_pdf(
        f'<html><body><p>logo</p><img src="data:image/png;base64,{png}"></body></html>'
    )
    assert pdf.startswith(b"%PDF-")


def _vivo(pid: int) -> bool:
    try:
        estado = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return estado not in ("Z", "X")


def test_el_tiempo_limite_mata_el_proceso_colgado_y_sus_hijos(programa, tmp_path):
    pids = tmp_path / "pids"
    colgado = programa("colgado", f"echo $$ > {pids}\nsleep 30 &\necho $! >> {pids}\nwait")
    inicio = time.monotonic()
    with pytest.raises(ErrorPdf, match="tiempo límite de 1 s"):
        html_a_pdf(HTML, timeout=1, ejecutable=colgado)
    assert time.monotonic() - inicio < 5
    procesos = [int(p) for p in pids.read_text().split()]
    assert len(procesos) == 2
    limite = time.monotonic() + 3
    while any(_vivo(p) for p in procesos) and time.monotonic() < limite:
        time.sleep(0.05)
    assert not any(_vivo(p) for p in procesos)


def test_un_fallo_de_wkhtmltopdf_da_un_mensaje_claro(programa):
    roto = programa("roto", 'echo "Error: Failed loading page" >&2\nexit 1')
    with pytest.raises(
        ErrorPdf, match="wkhtmltopdf no pudo generar el PDF: Error: Failed loading page"
    ):
        html_a_pdf(HTML, ejecutable=roto)


def test_salida_que_no_es_pdf_es_un_error(programa):
    falso = programa("falso", "cat > /dev/null\necho hola")
    with pytest.raises(ErrorPdf):
        html_a_pdf(HTML, ejecutable=falso)


def test_programa_inexistente(app):
    app.config["WKHTMLTOPDF"], anterior = "/no/existe/wkhtmltopdf", app.config["WKHTMLTOPDF"]
    try:
        with pytest.raises(ErrorPdf, match="No se encontró el programa wkhtmltopdf"):
            html_a_pdf(HTML)
    finally:
        app.config["WKHTMLTOPDF"] = anterior


def test_papel_no_admitido():
    with pytest.raises(ErrorPdf, match="papel"):
        html_a_pdf(HTML, papel="A0")


def test_sin_tiempo_limite_explicito_usa_el_de_la_configuracion(app, programa):
    colgado = programa("colgado2", "sleep 30")
    app.config["WKHTMLTOPDF_TIMEOUT"], anterior = 1, app.config["WKHTMLTOPDF_TIMEOUT"]
    try:
        with pytest.raises(ErrorPdf, match="1 s"):
            html_a_pdf(HTML, ejecutable=colgado)
    finally:
        app.config["WKHTMLTOPDF_TIMEOUT"] = anterior
