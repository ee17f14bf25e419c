"""Settings read from the environment, with safe defaults for a laptop (SQLite, local Redis)."""

import os
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent


def _bool(nombre: str, defecto: bool) -> bool:
    valor = os.environ.get(nombre)
    if valor is None:
        return defecto
    return valor.strip().lower() in {"1", "true", "si", "sí", "yes", "on"}


class Config:
    """Base configuration; every value can be overridden by an environment variable."""

    INSTANCIA = Path(os.environ.get("AGENCIA_INSTANCIA", RAIZ / "instance"))
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-no-usar-en-produccion")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCIA / 'agencia.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0")
    WKHTMLTOPDF = os.environ.get("WKHTMLTOPDF", "wkhtmltopdf")
    WKHTMLTOPDF_TIMEOUT = int(os.environ.get("WKHTMLTOPDF_TIMEOUT", "60"))
    ALMACEN_ARCHIVOS = Path(os.environ.get("ALMACEN_ARCHIVOS", INSTANCIA / "archivos"))
    TZ_DEFAULT = os.environ.get("TZ_DEFAULT", "America/Bogota")
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_REMITENTE = os.environ.get("SMTP_REMITENTE", "cobranza@agencia.local")
    SMTP_USUARIO = os.environ.get("SMTP_USUARIO", "")
    SMTP_CLAVE = os.environ.get("SMTP_CLAVE", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = int(os.environ.get("SMTP_TIMEOUT", "20"))
    # SMS / WhatsApp provider: JSON POST {to, body, reference} with a Bearer token.
    SMS_PROVEEDOR_URL = os.environ.get("SMS_PROVEEDOR_URL", "")
    SMS_PROVEEDOR_TOKEN = os.environ.get("SMS_PROVEEDOR_TOKEN", "")
    WHATSAPP_PROVEEDOR_URL = os.environ.get("WHATSAPP_PROVEEDOR_URL", "")
    WHATSAPP_PROVEEDOR_TOKEN = os.environ.get("WHATSAPP_PROVEEDOR_TOKEN", "")
    PROVEEDOR_TIMEOUT = int(os.environ.get("PROVEEDOR_TIMEOUT", "15"))
    # Outbox: attempts before a message is fallido; minutes a message may stay "enviando"
    # before it is reported as stuck (left for a person: it may have gone out).
    MENSAJES_MAX_INTENTOS = int(os.environ.get("MENSAJES_MAX_INTENTOS", "5"))
    MENSAJES_ENVIANDO_ATASCADO_MIN = int(os.environ.get("MENSAJES_ENVIANDO_ATASCADO_MIN", "15"))

    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TZ_DEFAULT", "America/Bogota")
    LOCALE_DINERO = os.environ.get("LOCALE_DINERO", "es_CO")
    IDIOMAS = ["es", "en"]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
    RATELIMIT_HEADERS_ENABLED = True
    # If the limiter's Redis is unreachable, count in memory rather than fail the login.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    POR_PAGINA = 25
    AGENTE_META_GESTIONES_DIA = int(os.environ.get("AGENTE_META_GESTIONES_DIA", "60"))
    # Upload limits in MB: placement files, documents (each, and a ZIP's total), payment proofs.
    CARGA_MAX_MB = int(os.environ.get("CARGA_MAX_MB", "50"))
    DOCUMENTO_MAX_MB = int(os.environ.get("DOCUMENTO_MAX_MB", "20"))
    DOCUMENTOS_ZIP_MAX_MB = int(os.environ.get("DOCUMENTOS_ZIP_MAX_MB", "200"))
    PAGO_COMPROBANTE_MAX_MB = int(os.environ.get("PAGO_COMPROBANTE_MAX_MB", "10"))
    # API v1: requests per token, and rows per POST /api/v1/asignaciones.
    API_RATELIMIT = os.environ.get("API_RATELIMIT", "120 per minute")
    API_MAXIMO_FILAS = int(os.environ.get("API_MAXIMO_FILAS", "10000"))
    # Default and maximum page size of the API's lists (GET /api/v1/pagos).
    API_POR_PAGINA = int(os.environ.get("API_POR_PAGINA", "100"))
    # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host are
    # trusted; 0 when the app is reached directly.
    PROXY_SALTOS = int(os.environ.get("PROXY_SALTOS", "0"))
    # Seconds Mi día's casos and saldo figures are kept in Redis (0: computed every time).
    CIFRAS_CACHE_S = int(os.environ.get("CIFRAS_CACHE_S", "60"))
    # PostgreSQL row-level security (migration 0014): set the tenant of each transaction
    # (agencia/seguridad_filas.py). Effective only when the app's role is not a superuser.
    POSTGRES_RLS = _bool("POSTGRES_RLS", True)


class ConfigPruebas(Config):
    """Used by the test suite: the database and Redis come from the fixtures."""

    TESTING = True
    SECRET_KEY = "pruebas"
    CIFRAS_CACHE_S = 0
    RATELIMIT_LOGIN = "5 per minute"
