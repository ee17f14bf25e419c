"""The supervisor's dashboard (/tablero, supervisors and admins; agents get 403, clientes 404)
and the agent's own page (/mi-rendimiento, any staff user, always their own figures).

Every dashboard page and export takes the same filter (desde, hasta, acreedor_id, equipo_id,
agente_id, orden); a bad value answers 400 with the page, its form and the reason.
"Recalcular periodo" queues the rollup job and shows its progress (recalculo.estado polls
the same JSON shape as the letter batches).
"""

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from agencia.acreedores.modelos import Acreedor
from agencia.auth.acceso import personal_requerido, rol_requerido
from agencia.auth.modelos import Usuario
from agencia.casos.modelos import ETAPAS
from agencia.equipos.modelos import Equipo
from agencia.errores import EntradaInvalida
from agencia.exportar import celda_segura
from agencia.extensiones import db
from agencia.formato import numero
from agencia.metricas import servicios
from agencia.metricas import tablero as t
from agencia.metricas.modelos import CalculoMetricas
from agencia.tipos import entero_de_texto

bp = Blueprint("metricas", __name__)
ROLES = ("supervisor", "admin")


def _opciones() -> dict:
    return {
        "acreedores": db.session.scalars(select(Acreedor).order_by(Acreedor.nombre)).all(),
        "equipos": db.session.scalars(select(Equipo).order_by(Equipo.nombre)).all(),
        "agentes_lista": db.session.scalars(
            select(Usuario).where(Usuario.rol == "agente").order_by(Usuario.nombre)).all(),
        "ordenes": t.ORDENES,
        "valores": request.args,
        "formato_numero": numero,
        "etapas": ETAPAS,
    }


def _error(plantilla: str, error: EntradaInvalida, **contexto):
    return render_template(plantilla, filtro=None, error=error.mensaje, **_opciones(),
                           **contexto), 400


@bp.get("/tablero/")
@rol_requerido(*ROLES)
def tablero():
    try:
        filtro = t.leer_filtros(request.args)
    except t.FiltroInvalido as error:
        return _error("metricas/tablero.html", error)
    filas = t.agentes(filtro)
    acreedores, rodamiento = t.por_acreedor(filtro)
    return render_template(
        "metricas/tablero.html", filtro=filtro, parametros=filtro.como_parametros(),
        filas=filas, monedas=t.monedas(filas), tendencia=t.tendencia(filtro),
        por_acreedor=acreedores, rodamiento=rodamiento, ultimo=servicios.ultimo_calculo(),
        laborables=t.dias_laborables(filtro.desde, filtro.hasta), **_opciones())


@bp.get("/tablero/agentes/<int:usuario_id>")
@rol_requerido(*ROLES)
def agente(usuario_id: int):
    usuario = db.session.get(Usuario, usuario_id)
    if usuario is None or usuario.es_cliente:
        abort(404)
    try:
        filtro = t.leer_filtros(request.args)
    except t.FiltroInvalido as error:
        return _error("metricas/agente.html", error, agente=usuario)
    return render_template(
        "metricas/agente.html", filtro=filtro, parametros=filtro.como_parametros(),
        agente=usuario, dias=t.dias_del_agente(usuario.id, filtro), **_opciones())


# ---- exports ---------------------------------------------------------------------------------

def _tabla_agentes(filtro: t.FiltroTablero) -> tuple[list[str], list[list]]:
    filas = t.agentes(filtro)
    monedas = t.monedas(filas)
    encabezado = ["Agente", "Gestiones", "Contactos titular", "Tasa de contacto (%)",
                  "Casos trabajados", "Promesas", "Promesas vencidas", "Promesas cumplidas",
                  "Tasa de cumplimiento (%)", "Horas trabajadas", "Meta de gestiones",
                  "Avance de la meta (%)"]
    for moneda in monedas:
        encabezado += [f"Monto prometido {moneda}", f"Recuperado {moneda}"]
    cuerpo = []
    for f in filas:
        fila = [celda_segura(f.nombre), f.gestiones, f.contactos, f.tasa_contacto, f.casos,
                f.promesas, f.vencidas, f.cumplidas, f.cumplimiento, f.horas,
                f.metas.get("gestiones_dia", 0), f.avance]
        for moneda in monedas:
            fila += [f.prometido.get(moneda, 0), f.recuperado.get(moneda, 0)]
        cuerpo.append(fila)
    return encabezado, cuerpo


def _nombre_archivo(filtro: t.FiltroTablero, extension: str) -> str:
    return f"tablero-{filtro.desde.isoformat()}-{filtro.hasta.isoformat()}.{extension}"


def _descarga(contenido, mimetype: str, nombre: str) -> Response:
    return Response(contenido, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{nombre}"',
        "Cache-Control": "private, no-store"})


@bp.get("/tablero/exportar.csv")
@rol_requerido(*ROLES)
def exportar_csv():
    try:
        filtro = t.leer_filtros(request.args)
    except t.FiltroInvalido as error:
        return _error("metricas/tablero.html", error)
    encabezado, cuerpo = _tabla_agentes(filtro)
    salida = io.StringIO()
    escritor = csv.writer(salida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(encabezado)
    escritor.writerows(cuerpo)
    return _descarga("\ufeff" + salida.getvalue(), "text/csv; charset=utf-8",
                     _nombre_archivo(filtro, "csv"))


@bp.get("/tablero/exportar.xlsx")
@rol_requerido(*ROLES)
def exportar_xlsx():
    from openpyxl import Workbook

    try:
        filtro = t.leer_filtros(request.args)
    except t.FiltroInvalido as error:
        return _error("metricas/tablero.html", error)
    libro = Workbook(write_only=True)
    hoja = libro.create_sheet("Agentes")
    encabezado, cuerpo = _tabla_agentes(filtro)
    hoja.append(encabezado)
    for fila in cuerpo:
        hoja.append(fila)
    diario = libro.create_sheet("Diario")
    diario.append(["Fecha", "Agente", "Acreedor", "Moneda", "Gestiones", "Contactos titular",
                   "Casos trabajados", "Promesas", "Monto prometido", "Promesas vencidas",
                   "Promesas cumplidas", "Recuperado", "Horas trabajadas"])
    for fecha, agente_nombre, acreedor, moneda, m in t.filas_diarias(filtro):
        diario.append([fecha, celda_segura(agente_nombre), celda_segura(acreedor), moneda,
                       m.gestiones, m.contactos_titular, m.casos_trabajados, m.promesas,
                       m.monto_prometido, m.promesas_vencidas, m.promesas_cumplidas,
                       m.recuperado, round(m.segundos_trabajados / 3600, 2)])
    salida = io.BytesIO()
    libro.save(salida)
    return _descarga(
        salida.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _nombre_archivo(filtro, "xlsx"))


# ---- recomputing the rollups -----------------------------------------------------------------

@bp.post("/tablero/recalcular")
@rol_requerido(*ROLES)
def recalcular():
    desde, hasta = request.form.get("desde", ""), request.form.get("hasta", "")
    try:
        filtro = t.leer_filtros({"desde": desde, "hasta": hasta})
        calculo = servicios.solicitar_calculo(filtro.desde, filtro.hasta, current_user.id)
        db.session.commit()
    except EntradaInvalida as error:  # FiltroInvalido or servicios.PeriodoInvalido
        db.session.rollback()
        return _error("metricas/tablero.html", error)
    except servicios.CalculoSinCola as aviso:
        db.session.rollback()
        flash(str(aviso), "info")
        return redirect(url_for("metricas.tablero", desde=desde, hasta=hasta))
    return redirect(url_for("metricas.recalculo", calculo=calculo.id))


def _calculo() -> CalculoMetricas:
    valor = request.args.get("calculo", "")
    numero = entero_de_texto(valor)
    calculo = db.session.get(CalculoMetricas, numero) if numero is not None else None
    return calculo or abort(404)


def _estado(calculo: CalculoMetricas) -> dict:
    """The JSON shape app.js polls (estado "lista" ends the polling)."""
    dias = (calculo.hasta - calculo.desde).days + 1
    mensajes = {
        "pendiente": "En cola: empezará en un momento.",
        "calculando": f"Calculando: {calculo.dias_hechos} de {dias} días.",
        "listo": f"Listo: {dias} días calculados.",
        "error": f"El cálculo falló: {calculo.error or 'error desconocido'}.",
    }
    return {
        "estado": "lista" if calculo.estado == "listo" else calculo.estado,
        "progreso": servicios.progreso(calculo),
        "mensaje": mensajes.get(calculo.estado, calculo.estado),
        "url": url_for("metricas.tablero", desde=calculo.desde.isoformat(),
                       hasta=calculo.hasta.isoformat()),
    }


@bp.get("/tablero/recalculo")
@rol_requerido(*ROLES)
def recalculo():
    calculo = _calculo()
    return render_template("metricas/recalculo.html", calculo=calculo, estado=_estado(calculo))


@bp.get("/tablero/recalculo/estado.json")
@rol_requerido(*ROLES)
def recalculo_estado():
    return _estado(_calculo()), 200, {"Cache-Control": "no-store"}


# ---- goals -----------------------------------------------------------------------------------

def _pagina_metas(error: str | None = None, codigo: int = 200):
    defecto, propias = t.todas_las_metas()
    agentes = db.session.scalars(select(Usuario).where(
        Usuario.rol == "agente", Usuario.activo.is_(True)).order_by(Usuario.nombre)).all()
    return render_template("metricas/metas.html", defecto=defecto, propias=propias,
                           agentes=agentes, campos=t.CAMPOS_META, maximo=t.META_MAXIMA,
                           error=error, valores=request.form if error else None,
                           editable=current_user.rol == "admin"), codigo


@bp.get("/tablero/metas")
@rol_requerido(*ROLES)
def metas():
    return _pagina_metas()


@bp.post("/tablero/metas")
@rol_requerido("admin")
def guardar_metas():
    agentes = db.session.scalars(select(Usuario).where(
        Usuario.rol == "agente", Usuario.activo.is_(True))).all()
    try:
        cambios = t.guardar_metas(request.form, agentes, current_user.id)
    except t.FiltroInvalido as error:
        db.session.rollback()
        return _pagina_metas(error.mensaje, 400)
    db.session.commit()
    flash("Metas guardadas." if cambios else "No hubo cambios en las metas.", "ok")
    return redirect(url_for("metricas.metas"))


# ---- the agent's own page --------------------------------------------------------------------

@bp.get("/mi-rendimiento")
@personal_requerido
def mi_rendimiento():
    hoy = t.hoy_local()
    # The last 30 days the rollups hold (up to yesterday; today is counted live above).
    filtro = t.FiltroTablero(desde=hoy - timedelta(days=t.DIAS_POR_DEFECTO),
                             hasta=hoy - timedelta(days=1))
    vivo = t.hoy_en_vivo(current_user.id)
    metas_dia = t.metas_de(current_user.id)
    return render_template(
        "metricas/mi_rendimiento.html", hoy=vivo, metas=metas_dia,
        avances={"gestiones": t.avance(vivo["gestiones"], metas_dia["gestiones_dia"]),
                 "contactos": t.avance(vivo["contactos"], metas_dia["contactos_dia"]),
                 "promesas": t.avance(vivo["promesas"], metas_dia["promesas_dia"])},
        dias=t.dias_del_agente(current_user.id, filtro), formato_numero=numero)
