"""Agencia: case management for debt collection agencies."""

from flask import Flask, current_app, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from agencia.config import Config
from agencia.extensiones import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type | None = None, **ajustes) -> Flask:
    """Builds the application: extensions, blueprints, error pages. Nothing else."""
    app = Flask(
        __name__,
        template_folder="../plantillas",
        static_folder="estaticos",
        instance_path=str((config or Config).INSTANCIA),
    )
    app.config.from_object(config or Config)
    app.config.update(ajustes)
    saltos = int(app.config.get("PROXY_SALTOS", 0) or 0)
    if saltos:
        # Behind nginx: trust this many proxies for the client address, scheme and host
        # (HTTPS detection for HSTS and secure cookies, the login rate limit per client).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=saltos, x_proto=saltos, x_host=saltos)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migraciones"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_idioma)
    limiter.init_app(app)
    login_manager.login_view = "auth.ingresar"
    login_manager.login_message = "Ingrese para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from agencia import modelos  # noqa: F401  (registers every model)
    from agencia.acuerdos.rutas import bp as acuerdos_bp
    from agencia.api.admin import bp as api_tokens_bp
    from agencia.api.rutas import bp as api_bp
    from agencia.asignaciones.rutas import bp as asignaciones_bp
    from agencia.auth.rutas import bp as auth_bp
    from agencia.bandejas.rutas import bp as bandejas_bp
    from agencia.cartas.rutas import bp as cartas_bp
    from agencia.cartas.rutas_lotes import bp as lotes_cartas_bp
    from agencia.cartas.rutas_plantillas import bp as plantillas_bp
    from agencia.casos.rutas import bp as casos_bp
    from agencia.cumplimiento.rutas import bp as politicas_bp
    from agencia.documentos.rutas import bp as documentos_bp
    from agencia.equipos.rutas import bp as equipos_bp
    from agencia.estrategias.rutas import bp as estrategias_bp
    from agencia.honorarios.rutas import bp as honorarios_bp
    from agencia.juridico.rutas import bp as juridico_bp
    from agencia.juridico.rutas_expediente import bp as expedientes_bp
    from agencia.juridico.rutas_remision import bp as remisiones_bp
    from agencia.mensajes.rutas import bp as mensajes_bp
    from agencia.metricas.rutas import bp as metricas_bp
    from agencia.pagos.rutas import bp as pagos_bp
    from agencia.portal.rutas import bp as portal_bp
    from agencia.salud.rutas import bp as salud_bp
    from agencia.supervision.rutas import bp as supervision_bp

    for bp in (auth_bp, bandejas_bp, casos_bp, cartas_bp, asignaciones_bp, portal_bp, salud_bp,
               politicas_bp, equipos_bp, supervision_bp, acuerdos_bp, pagos_bp,
               honorarios_bp, documentos_bp, api_bp, api_tokens_bp, plantillas_bp,
               lotes_cartas_bp, mensajes_bp, estrategias_bp, metricas_bp,
               juridico_bp, expedientes_bp, remisiones_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies

    from agencia.cli import registrar_comandos
    from agencia.formato import FILTROS

    registrar_comandos(app)
    app.jinja_env.filters.update(FILTROS)
    _registrar_errores(app)
    app.after_request(_cabeceras_seguridad)

    from agencia.tenencia import fijar_acreedor_de_la_peticion

    app.before_request(fijar_acreedor_de_la_peticion)
    app.before_request(_sin_caracter_nulo)

    from agencia.seguridad_filas import registrar as registrar_seguridad_filas

    registrar_seguridad_filas(app)

    @login_manager.user_loader
    def _cargar_usuario(ident: str):
        from agencia.auth.modelos import Usuario

        usuario_id, _, version = ident.partition(":")
        if not usuario_id.isdigit() or not version.isdigit():
            return None  # a cookie from before session versions, or forged
        usuario = db.session.get(Usuario, int(usuario_id))
        if usuario is None or not usuario.activo or usuario.sesion_version != int(version):
            return None
        return usuario

    return app



def _sin_caracter_nulo():
    """A NUL character in a form or query value is refused with a 400 (in the path, 404):
    PostgreSQL text cannot hold it, so saving or searching it would be a 500."""
    from flask import abort

    if "\x00" in request.path:
        abort(404)  # no page, and no referencia, has one
    for valores in (request.args, request.form):
        for clave, lista in valores.lists():
            if "\x00" in clave or any("\x00" in valor for valor in lista):
                abort(400)

def _idioma() -> str:
    """Spanish unless the user chose English (`?idioma=en` is kept in the session)."""
    from flask import session

    elegido = request.args.get("idioma")
    if elegido in ("es", "en"):
        session["idioma"] = elegido
    return session.get("idioma", "es")


def _registrar_errores(app: Flask) -> None:
    def pagina(codigo: int, titulo: str, mensaje: str):
        def manejador(error):
            db.session.rollback()
            if request.path.startswith("/api/"):
                from agencia.api.errores import respuesta_error

                return respuesta_error(codigo)
            if request.accept_mimetypes.best == "application/json" or request.path.startswith(
                ("/api/", "/salud")
            ):
                return {"error": titulo, "mensaje": mensaje}, codigo
            try:
                return render_template(
                    "errores/error.html", codigo=codigo, titulo=titulo, mensaje=mensaje
                ), codigo
            except SQLAlchemyError:
                # The database is down and every page's context loads the user: this one is
                # drawn without the context processors.
                db.session.rollback()
                plantilla = current_app.jinja_env.get_template("errores/sin_servicio.html")
                return plantilla.render(codigo=codigo, titulo=titulo, mensaje=mensaje,
                                        url_for=url_for), codigo

        return manejador

    app.register_error_handler(400, pagina(400, "Solicitud no válida", "Revise los datos enviados."))
    app.register_error_handler(
        CSRFError,
        pagina(400, "Formulario vencido", "El formulario no trae su código de seguridad. "
               "Recargue la página e intente de nuevo."),
    )
    app.register_error_handler(403, pagina(403, "Acceso denegado", "Su rol no permite esta acción."))
    app.register_error_handler(
        404, pagina(404, "Página no encontrada", "La página que busca no existe o no tiene acceso.")
    )
    app.register_error_handler(
        405, pagina(405, "Método no permitido", "Esta dirección no acepta esa acción.")
    )
    app.register_error_handler(
        413, pagina(413, "Archivo demasiado grande", "El archivo supera el tamaño permitido.")
    )
    app.register_error_handler(
        429, pagina(429, "Demasiados intentos", "Espere un minuto antes de intentar de nuevo.")
    )
    app.register_error_handler(
        500, pagina(500, "Error interno", "Ocurrió un error inesperado; el equipo fue avisado.")
    )
    # The database cannot be reached (down, restarting): 503, and the next request reconnects
    # by itself (pool_pre_ping).
    app.register_error_handler(
        OperationalError,
        pagina(503, "Servicio no disponible", "La base de datos no responde en este momento. "
               "Intente de nuevo en unos minutos."),
    )


def _cabeceras_seguridad(respuesta):
    respuesta.headers.setdefault("X-Content-Type-Options", "nosniff")
    respuesta.headers.setdefault("X-Frame-Options", "DENY")
    respuesta.headers.setdefault("Referrer-Policy", "same-origin")
    respuesta.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
    )
    if request.is_secure:  # only over HTTPS: browsers ignore it on plain HTTP anyway
        respuesta.headers.setdefault("Strict-Transport-Security",
                                     "max-age=31536000; includeSubDomains")
    return respuesta
