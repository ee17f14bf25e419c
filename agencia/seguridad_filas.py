"""Row-level security: the database's own tenant guard, a second line behind agencia.tenencia.

On PostgreSQL, migration 0014 puts a policy on every table of tenant data: a row is visible
(and writable) only when the transaction acts for every acreedor (`agencia.todos` = 'si') or
for the row's acreedor (`agencia.acreedor_id`). This module sets both, transaction-local,
before the first statement of each transaction and again whenever the answer changes
mid-transaction:

- outside a request (jobs, CLI, migrations): todos;
- a request with `g.acreedor_tenencia` (a cliente, set by tenencia.fijar_acreedor_de_la_peticion;
  an API token, set by api.rutas._autenticar): that acreedor only;
- a request of a logged-in cliente whose acreedor is not in `g` yet: the user's acreedor;
- a request of a logged-in staff user (agents included: the app confines them, not the
  database): todos;
- any other request (anonymous, or before the user is loaded): neither, so tenant tables
  look empty. Login and the token lookup read usuario and token_api, which have no policy.

Why per statement and not at transaction begin: the first transaction of a request begins
loading the user (or looking up the API token), before anyone knows the tenant, and the rest
of the request runs in that same transaction. So `before_cursor_execute` compares what the
request needs with what this transaction was given and runs one set_config only when they
differ (once per transaction, plus once when the user or token becomes known). Only a request
changes what a transaction was given: a thread writing in a request's transaction (the bulk
importer's writer) has no request context, yet must not widen it to todos. The request
state is read from `g` only (flask-login keeps the loaded user in g._login_user): this never
loads the user itself.

The guard only works for a role subject to RLS: the app must connect as a role that is not a
superuser and has no BYPASSRLS (FORCE ROW LEVEL SECURITY makes even the tables' owner subject).
"""

from contextvars import ContextVar

from flask import Flask, g, has_request_context
from sqlalchemy import event, text

from agencia.extensiones import db

AJUSTE = ("SELECT set_config('agencia.todos', %s, true), "
          "set_config('agencia.acreedor_id', %s, true)")
TODOS, NINGUNO = ("si", ""), ("", "")
_CLAVE = "agencia_seguridad_filas"  # what the connection's current transaction was given
_calculando: ContextVar[bool] = ContextVar("seguridad_filas_calculando", default=False)


def alcance() -> tuple[str, str]:
    """(agencia.todos, agencia.acreedor_id) for a statement run now."""
    if not has_request_context():
        return TODOS
    acreedor_id = g.get("acreedor_tenencia")
    if acreedor_id is not None:
        return "", str(acreedor_id)
    usuario = g.get("_login_user")
    if usuario is None or not usuario.is_authenticated:
        return NINGUNO
    if usuario.es_cliente:
        return "", str(usuario.acreedor_id or "")
    return TODOS


# Transaction control: never preceded by set_config (after an error the transaction accepts
# nothing but these, and a savepoint's rollback is followed by the next real statement).
_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _antes_de_ejecutar(conexion, _cursor, sql, _parametros, _contexto, _varios):
    if _calculando.get() or sql.startswith(_CONTROL):
        return  # a lazy load while reading the user (usuario has no policy), or control
    if not has_request_context() and _CLAVE in conexion.info:
        return  # a thread working in a request's transaction keeps the request's tenant
    marca = _calculando.set(True)
    try:
        deseado = alcance()
    finally:
        _calculando.reset(marca)
    if conexion.info.get(_CLAVE) == deseado:
        return
    cursor = conexion.connection.cursor()
    try:
        cursor.execute(AJUSTE, deseado)
    finally:
        cursor.close()
    conexion.info[_CLAVE] = deseado


def _olvidar(conexion, *_args):
    """A new transaction (or a rolled back savepoint) no longer has what was set."""
    conexion.info.pop(_CLAVE, None)


def filas_protegidas(conexion, tabla: str) -> bool:
    """Whether row-level security applies to `tabla` for this connection's role now.
    PostgreSQL refuses COPY FROM into such a table: bulk writers must INSERT instead."""
    if conexion.dialect.name != "postgresql":
        return False
    return bool(conexion.scalar(text("SELECT row_security_active(:tabla)"), {"tabla": tabla}))


def registrar(app: Flask) -> None:
    """Installs the listeners on the app's PostgreSQL engine when POSTGRES_RLS is on."""
    if not app.config.get("POSTGRES_RLS", True):
        return
    with app.app_context():
        motor = db.engine
    if motor.dialect.name != "postgresql":
        return
    if event.contains(motor, "before_cursor_execute", _antes_de_ejecutar):
        return
    event.listen(motor, "before_cursor_execute", _antes_de_ejecutar)
    for nombre in ("begin", "commit", "rollback", "rollback_savepoint"):
        event.listen(motor, nombre, _olvidar)
