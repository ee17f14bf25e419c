"""PostgreSQL row-level security (migration 0014, agencia/seguridad_filas.py): with the app
connected as a role that is not a superuser, a query without a tenant sees no tenant data.

The suite itself connects as the cluster's superuser, who bypasses RLS; these tests make the
role `agencia_app` (as production should) and connect as it.
"""

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from agencia import create_app
from agencia.config import ConfigPruebas
from agencia.extensiones import db
from tests.api.conftest import cabecera, crear_token  # noqa: F401  (fixture)
from tests.conftest import MOTOR, ClienteAislado, ingresar

pytestmark = pytest.mark.skipif(MOTOR != "postgresql",
                                reason="row-level security exists on PostgreSQL only")

ROL = "agencia_app"
TABLAS = ("caso", "obligacion", "gestion", "pago", "mensaje", "carta", "acuerdo")


@pytest.fixture(scope="module")
def url_app(app):
    """The test database's URL as `agencia_app` (trust authentication: no password)."""
    with app.app_context(), db.engine.begin() as conexion:
        conexion.execute(text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROL}') "
            f"THEN CREATE ROLE {ROL} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$"))
        conexion.execute(text(f"GRANT USAGE ON SCHEMA public TO {ROL}"))
        conexion.execute(text(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROL}"))
        conexion.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROL}"))
        return db.engine.url.set(username=ROL).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def motor_app(url_app):
    motor = create_engine(url_app)
    yield motor
    motor.dispose()


@pytest.fixture(scope="module")
def app_rls(app, url_app):
    """The application bound to `agencia_app`, as in production."""
    otra = create_app(ConfigPruebas, SQLALCHEMY_DATABASE_URI=url_app,
                      REDIS_URL=app.config["REDIS_URL"],
                      ALMACEN_ARCHIVOS=app.config["ALMACEN_ARCHIVOS"],
                      INSTANCIA=app.config["INSTANCIA"], RATELIMIT_ENABLED=False)
    otra.test_client_class = ClienteAislado
    yield otra
    with otra.app_context():
        db.engine.dispose()


@pytest.fixture
def dos_acreedores(crear_acreedor, crear_caso):
    """Two acreedores with one caso each, a gestion on each caso (made as the superuser)."""
    from agencia.casos.modelos import Gestion

    a, b = crear_acreedor("AAA"), crear_acreedor("BBB")
    caso_a, caso_b = crear_caso(a), crear_caso(b, documento="99887766")
    for caso in (caso_a, caso_b):
        db.session.add(Gestion(caso_id=caso.id, canal="llamada", resultado="no_contesta",
                               nota="Revisión"))
    db.session.commit()
    return a, b, caso_a, caso_b


def _contar(conexion, tabla: str) -> int:
    return conexion.execute(text(f"SELECT count(*) FROM {tabla}")).scalar_one()


def _fijar(conexion, todos: str = "", acreedor: str = "") -> None:
    conexion.execute(text("SELECT set_config('agencia.todos', :t, true), "
                          "set_config('agencia.acreedor_id', :a, true)"),
                     {"t": todos, "a": acreedor})


def test_sin_tenant_no_ve_nada_y_con_tenant_solo_lo_suyo(motor_app, dos_acreedores):
    a, _b, caso_a, _ = dos_acreedores
    with db.engine.connect() as superusuario:
        assert _contar(superusuario, "caso") == 2 and _contar(superusuario, "gestion") == 2
    with motor_app.connect() as conexion:
        for tabla in TABLAS:
            assert _contar(conexion, tabla) == 0, tabla
        assert _contar(conexion, "usuario") >= 0 and _contar(conexion, "acreedor") == 2
        _fijar(conexion, acreedor=str(a.id))
        assert conexion.execute(text("SELECT id FROM caso")).scalars().all() == [caso_a.id]
        assert _contar(conexion, "gestion") == 1 and _contar(conexion, "obligacion") == 1
        conexion.rollback()
        assert _contar(conexion, "caso") == 0  # transaction-local: gone with the transaction
        _fijar(conexion, todos="si")
        assert _contar(conexion, "caso") == 2 and _contar(conexion, "gestion") == 2


def test_no_escribe_filas_de_otro_acreedor(motor_app, dos_acreedores):
    a, b, caso_a, caso_b = dos_acreedores
    with motor_app.connect() as conexion:
        _fijar(conexion, acreedor=str(a.id))
        with pytest.raises(DBAPIError, match="row-level security"):
            conexion.execute(text(
                "INSERT INTO caso (acreedor_id, deudor_id, etapa, saldo, prioridad, en_disputa) "
                "SELECT :b, deudor_id, etapa, saldo, prioridad, en_disputa FROM caso "
                "WHERE id = :caso"),
                {"b": b.id, "caso": caso_a.id})
        conexion.rollback()
        _fijar(conexion, acreedor=str(a.id))
        with pytest.raises(DBAPIError, match="row-level security"):
            conexion.execute(text("UPDATE caso SET acreedor_id = :b WHERE id = :caso"),
                             {"b": b.id, "caso": caso_a.id})
        conexion.rollback()
        _fijar(conexion, acreedor=str(a.id))
        # Another acreedor's rows are not there to change.
        cambiadas = conexion.execute(text("UPDATE caso SET saldo = 0 WHERE id = :caso"),
                                     {"caso": caso_b.id}).rowcount
        assert cambiadas == 0


def test_la_app_como_rol_sin_privilegios(app_rls, dos_acreedores, crear_usuario, crear_token):  # noqa: F811
    from agencia.casos.modelos import Caso

    a, b, caso_a, caso_b = dos_acreedores
    crear_usuario("cli", rol="cliente", acreedor=a)
    crear_usuario("admin", rol="admin")
    texto = crear_token(a)

    cliente = app_rls.test_client()
    ingresar(cliente, "cli")  # login reads usuario with no tenant set yet
    for url in ("/portal/", "/portal/casos", f"/portal/casos/{caso_a.id}"):
        assert cliente.get(url).status_code == 200, url
    assert "María Fernanda" in cliente.get(f"/portal/casos/{caso_a.id}").get_data(as_text=True)
    assert cliente.get(f"/portal/casos/{caso_b.id}").status_code == 404

    personal = app_rls.test_client()
    ingresar(personal, "admin")
    assert personal.get(f"/casos/{caso_a.id}").status_code == 200
    assert personal.get(f"/casos/{caso_b.id}").status_code == 200

    api = app_rls.test_client()
    referencia_b = caso_b.obligaciones[0].referencia
    assert api.get(f"/api/v1/casos/{caso_a.obligaciones[0].referencia}",
                   headers=cabecera(texto)).status_code == 200
    assert api.get(f"/api/v1/casos/{referencia_b}", headers=cabecera(texto)).status_code == 404

    with app_rls.app_context():  # a job: outside any request, the agency sees everything
        assert db.session.scalar(select(func.count(Caso.id))) == 2


def test_asignacion_por_api_de_un_deudor_que_ya_tiene_otro_acreedor(
        app_rls, dos_acreedores, crear_token):  # noqa: F811
    from agencia.casos.modelos import Caso

    a, b, _caso_a, caso_b = dos_acreedores
    texto = crear_token(a)
    fila = {"referencia": "A-77", "tipo_documento": "CC", "numero_documento": "99887766",
            "nombre": caso_b.deudor.nombre, "fecha_vencimiento": "2025-12-31",
            "capital": "500000"}
    respuesta = app_rls.test_client().post("/api/v1/asignaciones", json={"filas": [fila]},
                                           headers=cabecera(texto))
    assert respuesta.status_code == 201, respuesta.get_data(as_text=True)
    # The deudor is the same person: A gets a caso of its own, B's is untouched.
    nuevo = db.session.scalar(select(Caso).where(Caso.acreedor_id == a.id,
                                                 Caso.deudor_id == caso_b.deudor_id))
    assert nuevo is not None
    assert db.session.scalar(select(func.count(Caso.id)).where(Caso.acreedor_id == b.id)) == 1


def test_sin_sesion_la_app_no_ve_datos_de_tenencia(app_rls, dos_acreedores):
    from agencia.seguridad_filas import NINGUNO, alcance

    with app_rls.test_request_context("/portal/"):
        assert alcance() == NINGUNO
        assert db.session.scalar(text("SELECT count(*) FROM caso")) == 0
    assert app_rls.test_client().get("/ingresar").status_code == 200


def test_un_savepoint_fallido_no_rompe_la_transaccion(app_rls, dos_acreedores):
    from sqlalchemy.exc import IntegrityError

    from agencia.casos.modelos import Caso

    a, _b, caso_a, _ = dos_acreedores
    with app_rls.app_context():
        assert db.session.scalar(select(func.count(Caso.id))) == 2
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Caso(acreedor_id=a.id, deudor_id=caso_a.deudor_id))  # duplicate
        # The transaction goes on, still acting for every acreedor.
        assert db.session.scalar(select(func.count(Caso.id))) == 2
        db.session.rollback()


def test_la_migracion_se_deshace_y_se_rehace(app):
    from flask_migrate import downgrade, upgrade

    consulta = text("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class "
                    "WHERE relname = :t")
    assert db.session.scalar(consulta, {"t": "gestion"}) is True
    db.session.rollback()
    downgrade(revision="0013")
    assert db.session.scalar(consulta, {"t": "gestion"}) is False
    db.session.rollback()
    upgrade()
    assert db.session.scalar(consulta, {"t": "gestion"}) is True
    assert db.session.scalar(text("SELECT count(*) FROM pg_policies "
                                  "WHERE policyname = 'tenencia'")) == 35
