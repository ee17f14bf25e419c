"""Pages about outbound messages.

GET /mensajes/ is the outbox (Bandeja de salida, supervisors and admins): filters, counts per
estado, the stuck messages. GET /mensajes/<id> shows one message to the staff who may see its
caso; supervisors and admins retry, cancel or resolve it (POST). GET /mensajes/efectividad
(supervisors and admins) measures what the messages achieved. Rules live in
agencia.mensajes.bandeja_salida; CSRF is checked by CSRFProtect on the POSTs.
"""

from datetime import date, timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.extensiones import db
from agencia.mensajes import bandeja_salida as bs
from agencia.mensajes.efectividad import (
    DIAS_MAX,
    DIAS_MIN,
    EfectividadInvalida,
    efectividad,
    validar_periodo,
)
from agencia.mensajes.modelos import CANALES_MENSAJE, ESTADOS_MENSAJE, Mensaje
from agencia.tenencia import obtener_o_404
from agencia.tipos import ahora, entero_de_texto

bp = Blueprint("mensajes", __name__, url_prefix="/mensajes")


@bp.app_context_processor
def _mensajes_de_caso():
    """The letters panel of the caso page lists the caso's automated messages; a function,
    so it runs only when the panel is rendered (the caso is already tenant-checked)."""
    return {"mensajes_automaticos_del_caso": bs.mensajes_del_caso,
            "nombres_canal_mensaje": CANALES_MENSAJE}


def _bandeja(filtros: bs.Filtros | None, error: str | None = None, codigo: int = 200):
    pagina = conteos = None
    atascados = []
    if filtros is not None:
        pagina = db.paginate(bs.mensajes_filtrados(filtros),
                             page=request.args.get("pagina", 1, type=int),
                             per_page=bs.POR_PAGINA, error_out=False)
        conteos = bs.conteos_por_estado(filtros)
        atascados = bs.atascados()
    return render_template(
        "mensajes_web/bandeja.html", pagina=pagina, conteos=conteos, atascados=atascados,
        error=error, filtros=filtros or bs.Filtros(),
        parametros=(filtros or bs.Filtros()).como_parametros(), valores=request.args,
        acreedores=db.session.scalars(db.select(Acreedor).order_by(Acreedor.nombre)).all(),
        origenes=bs.origenes(), estados=ESTADOS_MENSAJE, canales=CANALES_MENSAJE,
        minutos_atascado=current_app.config.get("MENSAJES_ENVIANDO_ATASCADO_MIN", 15),
    ), codigo


@bp.get("/")
@rol_requerido("supervisor", "admin")
def bandeja():
    try:
        filtros = bs.leer_filtros(request.args)
    except bs.FiltroInvalido as error:
        return _bandeja(None, error.mensaje, 400)
    return _bandeja(filtros)


def _detalle(mensaje: Mensaje, error: str | None = None, codigo: int = 200):
    return render_template("mensajes_web/detalle.html", mensaje=mensaje, error=error,
                           puede_actuar=current_user.rol in ("supervisor", "admin"),
                           decisiones=bs.DECISIONES, canales=CANALES_MENSAJE), codigo


@bp.get("/<int:mensaje_id>")
@personal_requerido
def detalle(mensaje_id: int):
    return _detalle(obtener_o_404(Mensaje, mensaje_id))


def _accion(mensaje_id: int, hacer, aviso: str):
    mensaje = obtener_o_404(Mensaje, mensaje_id)
    try:
        hacer(mensaje)
    except bs.AccionInvalida as error:
        db.session.rollback()
        return _detalle(obtener_o_404(Mensaje, mensaje_id), error.mensaje, 400)
    db.session.commit()
    flash(aviso.format(id=mensaje.id), "ok")
    return redirect(url_for("mensajes.detalle", mensaje_id=mensaje.id))


@bp.post("/<int:mensaje_id>/reintentar")
@rol_requerido("supervisor", "admin")
def reintentar(mensaje_id: int):
    return _accion(mensaje_id,
                   lambda m: bs.reintentar(m, current_user, request.form.get("motivo")),
                   "El mensaje n.º {id} volvió a la cola: se enviará en el próximo ciclo.")


@bp.post("/<int:mensaje_id>/cancelar")
@rol_requerido("supervisor", "admin")
def cancelar(mensaje_id: int):
    return _accion(mensaje_id,
                   lambda m: bs.cancelar(m, current_user, request.form.get("motivo")),
                   "El mensaje n.º {id} fue cancelado: no se enviará.")


@bp.post("/<int:mensaje_id>/resolver")
@rol_requerido("supervisor", "admin")
def resolver(mensaje_id: int):
    decision = (request.form.get("decision") or "").strip()
    return _accion(mensaje_id,
                   lambda m: bs.resolver(m, current_user, decision,
                                         request.form.get("proveedor_id"),
                                         request.form.get("motivo")),
                   "El mensaje n.º {id} quedó registrado como "
                   + ("enviado." if decision == "enviado" else "fallido."))


def _fecha(valor: str, campo: str, nombre: str, defecto: date) -> date:
    if not valor:
        return defecto
    try:
        return date.fromisoformat(valor)
    except ValueError:
        raise EfectividadInvalida(
            campo, f"{nombre}: escriba una fecha válida AAAA-MM-DD (recibido «{valor}»).") from None


def _filtros(valores) -> dict:
    hoy = ahora().date()
    hasta = _fecha(valores.get("hasta", "").strip(), "hasta", "Hasta", hoy)
    desde = _fecha(valores.get("desde", "").strip(), "desde", "Desde", hasta - timedelta(days=29))
    texto_dias = valores.get("dias", "").strip() or "7"
    if entero_de_texto(texto_dias) is None:
        raise EfectividadInvalida("dias", f"Días: escriba un número de {DIAS_MIN} a {DIAS_MAX}.")
    texto_acreedor = valores.get("acreedor_id", "").strip()
    acreedor_id = None
    if texto_acreedor:
        acreedor = entero_de_texto(texto_acreedor)
        if acreedor is None or db.session.get(Acreedor, acreedor) is None:
            raise EfectividadInvalida("acreedor_id", "El acreedor elegido no existe.")
        acreedor_id = int(texto_acreedor)
    filtros = {"desde": desde, "hasta": hasta, "dias": int(texto_dias), "acreedor_id": acreedor_id}
    validar_periodo(desde, hasta, filtros["dias"])
    return filtros


@bp.route("/efectividad")
@rol_requerido("supervisor", "admin")
def efectividad_mensajes():
    acreedores = db.session.scalars(db.select(Acreedor).order_by(Acreedor.nombre)).all()
    try:
        filtros = _filtros(request.args)
    except EfectividadInvalida as error:
        return render_template("mensajes_web/efectividad.html", filas=None, error=error.mensaje,
                               filtros={}, valores=request.args, acreedores=acreedores,
                               dias_min=DIAS_MIN, dias_max=DIAS_MAX), 400
    filas = efectividad(**filtros)
    return render_template("mensajes_web/efectividad.html", filas=filas, error=None,
                           filtros=filtros, valores=request.args, acreedores=acreedores,
                           dias_min=DIAS_MIN, dias_max=DIAS_MAX)
