"""Demo data: users of every role, three acreedores in two countries, a few thousand casos
loaded through the placement importer, a month of past gestiones, acuerdos and payments,
strategies, and jurídico (a referral rule, a referral to approve, two court procesos).

`agencia demo` calls `cargar_demo()`; `make run` does it on the first start (`--si-vacia`).
Running it again adds nothing that already exists (users and acreedores are found by their
code; the generated placements are recognised by their checksum).
"""

import hashlib
import json
import random
from collections import Counter

from sqlalchemy import func, select

from agencia.acreedores.modelos import Acreedor
from agencia.asignaciones.servicios import importar_filas
from agencia.auditoria.servicios import registrar
from agencia.auth.modelos import Usuario
from agencia.auth.servicios import crear_usuario
from agencia.demo import datos
from agencia.demo.estrategias import sembrar_estrategias
from agencia.demo.generador import Generador
from agencia.demo.gestiones import registrar_gestiones_pasadas
from agencia.demo.juridico import sembrar_juridico
from agencia.demo.negociacion import sembrar_negociacion
from agencia.extensiones import db

CLAVE_DEMO = datos.CLAVE_DEMO
USUARIOS_DEMO = datos.USUARIOS_DEMO
SEMILLA = 2026
# Share of a Colombian acreedor's deudores that also owe the previous Colombian acreedor.
COMPARTIDOS = 0.08


def hay_datos() -> bool:
    """Whether the database already has an acreedor (then `--si-vacia` skips the demo)."""
    return db.session.scalar(select(Acreedor.id).limit(1)) is not None


def _acreedor(datos_acreedor: dict) -> Acreedor:
    codigo = datos_acreedor["codigo"]
    acreedor = db.session.scalar(select(Acreedor).where(Acreedor.codigo == codigo))
    if acreedor is None:
        campos = ("codigo", "nombre", "nit", "pais", "moneda", "zona_horaria")
        acreedor = Acreedor(**{c: datos_acreedor[c] for c in campos})
        db.session.add(acreedor)
        db.session.flush()
        registrar("acreedor.crear", "acreedor", acreedor.id, acreedor_id=acreedor.id,
                  despues={c: datos_acreedor[c] for c in campos})
    return acreedor


def _usuarios() -> dict[str, Usuario]:
    usuarios = {}
    for usuario, nombre, rol, acreedor_codigo in USUARIOS_DEMO:
        existente = db.session.scalar(select(Usuario).where(Usuario.usuario == usuario))
        usuarios[usuario] = existente or crear_usuario(
            usuario, nombre, rol, CLAVE_DEMO, acreedor_codigo=acreedor_codigo,
            email=f"{usuario}@agencia.example",
        )
    return usuarios


def _reparto(casos: int) -> list[int]:
    """Casos per acreedor by their share; the last one takes the rounding remainder."""
    cuotas = [int(casos * a["parte"]) for a in datos.ACREEDORES_DEMO[:-1]]
    return cuotas + [casos - sum(cuotas)]


EQUIPO_DEMO = "Equipo de cobranza"


def cargar_demo(casos: int = 3000) -> str:
    """Loads the demo and commits; returns a summary in Spanish to print."""
    acreedores = {a["codigo"]: _acreedor(a) for a in datos.ACREEDORES_DEMO}
    usuarios = _usuarios()
    admin_id = usuarios["admin"].id
    _equipo(usuarios, list(acreedores.values()))
    generador = Generador(SEMILLA)
    lotes, reportes, anteriores = [], [], []
    for datos_acreedor, cantidad in zip(datos.ACREEDORES_DEMO, _reparto(casos), strict=True):
        acreedor = acreedores[datos_acreedor["codigo"]]
        compartidos = []
        if datos_acreedor["pais"] == "CO" and anteriores:
            compartidos = anteriores[: int(cantidad * COMPARTIDOS)]
        filas = generador.cartera(datos_acreedor, cantidad, compartidos)
        if datos_acreedor["pais"] == "CO":
            anteriores = list({f["numero_documento"]: f for f in filas}.values())
        numeradas = [(linea, fila) for linea, fila in enumerate(filas, start=2)]
        suma = hashlib.sha256(json.dumps(filas, sort_keys=True).encode()).hexdigest()
        reporte = importar_filas(
            acreedor, numeradas, f"demo-{acreedor.codigo.lower()}.csv", suma,
            todo_o_nada=True, usuario_id=admin_id,
        )
        if not reporte.importado:  # a bug in the generator, not a user error: say so loudly
            raise RuntimeError(reporte.como_texto())
        reportes.append(reporte)
        if reporte.importado_antes_en is None:
            lotes.append(reporte.lote_id)

    gestiones = registrar_gestiones_pasadas(lotes, random.Random(SEMILLA), max(10, casos // 6))
    if lotes:  # a first load (not a rerun): negotiation and payments on the new casos
        sembrar_negociacion(list(acreedores.values()), usuarios, random.Random(SEMILLA))
    sembrar_estrategias(list(acreedores.values()), admin_id)
    sembrar_juridico(list(acreedores.values()), usuarios)
    db.session.commit()
    return _resumen(acreedores, reportes, gestiones)


def _equipo(usuarios: dict, acreedores: list[Acreedor]) -> None:
    """One team with every demo agent on every demo acreedor, led by the supervisor, so
    supervisors can reassign any caso between the agents."""
    from agencia.equipos.modelos import Equipo

    if db.session.scalar(select(Equipo).where(Equipo.nombre == EQUIPO_DEMO)):
        return
    equipo = Equipo(nombre=EQUIPO_DEMO, supervisor_id=usuarios["supervisor"].id)
    equipo.agentes = [u for u in usuarios.values() if u.rol == "agente"]
    equipo.acreedores = acreedores
    db.session.add(equipo)
    db.session.flush()


def _resumen(acreedores: dict[str, Acreedor], reportes, gestiones: int) -> str:
    from agencia.casos.modelos import Caso

    por_acreedor = Counter(dict(db.session.execute(
        select(Caso.acreedor_id, func.count()).group_by(Caso.acreedor_id)).all()))
    lineas = ["Datos de demostración cargados."]
    for acreedor in acreedores.values():
        lineas.append(f"  {acreedor.codigo:<12} {acreedor.nombre} ({acreedor.pais}, "
                      f"{acreedor.moneda}): {por_acreedor[acreedor.id]} casos")
    nuevos = sum(r.casos_nuevos for r in reportes)
    obligaciones = sum(r.obligaciones_nuevas for r in reportes)
    lineas.append(f"  En esta carga: {nuevos} casos nuevos, {obligaciones} obligaciones nuevas, "
                  f"{gestiones} gestiones.")
    lineas.append(f"  Usuarios (contraseña «{CLAVE_DEMO}»): "
                  + ", ".join(usuario for usuario, *_ in USUARIOS_DEMO))
    return "\n".join(lineas)
