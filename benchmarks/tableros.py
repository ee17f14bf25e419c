"""Dashboards and the creditor portal on PostgreSQL (DISENO §7, issue 8): p95 ≤ 200 ms with
1,000,000 casos and 5,000,000 gestiones.

Generates, with SQL `INSERT … SELECT generate_series` (a few minutes): 5 acreedores with 4
placement batches each, BENCH_CASOS casos (default 1,000,000; a deudor, a phone and an
obligacion each) over 50 agents, BENCH_GESTIONES gestiones (default 5,000,000) over the last
90 days, 300,000 promises, 200,000 payments with their fee lines, 200,000 stage changes and
300,000 work sessions. Then:

- the rollups (metricas.calculo) for the 90 days and the placement batches, as the nightly
  job computes them — `rollup_dia_s` is the mean time of one day;
- the supervisor's dashboard (GET /tablero/, last 30 days, all acreedores) and the cliente's
  portal home (GET /portal/: portfolio by etapa and aging, recovery curves) as served in
  production: each request in its own context, p95 over BENCH_PAGINAS requests;
- beside them, the same numbers computed by raw aggregate queries over the history (what the
  pages would cost without the rollups): `p95_tablero_crudo_ms`, `p95_portal_crudo_ms`.
"""

import os
import statistics
import sys
import time
from datetime import timedelta

from bandeja import app_en_postgres
from comun import informar
from sqlalchemy import select, text

CASOS = int(os.environ.get("BENCH_CASOS", "1000000"))
GESTIONES = int(os.environ.get("BENCH_GESTIONES", "5000000"))
PAGINAS = int(os.environ.get("BENCH_PAGINAS", "40"))
AGENTES = 50
OBJETIVO_MS = 200.0
CLAVE = "clave-segura-1"


def p95(valores: list[float]) -> float:
    return round(statistics.quantiles(valores, n=20)[18], 2) if len(valores) > 1 else 0.0


def generar() -> dict:
    from agencia.acreedores.modelos import Acreedor
    from agencia.auth.modelos import Usuario
    from agencia.extensiones import db

    acreedores = []
    for n in range(1, 6):
        acreedor = Acreedor(codigo=f"BANCO{n}", nombre=f"Banco {n}", pais="CO", moneda="COP")
        db.session.add(acreedor)
        acreedores.append(acreedor)
    for n in range(1, AGENTES + 1):
        agente = Usuario(usuario=f"agente{n}", nombre=f"Agente {n}", rol="agente")
        agente.clave_hash = "x"
        db.session.add(agente)
    db.session.flush()
    supervisor = Usuario(usuario="supervisora", nombre="Supervisora", rol="supervisor")
    supervisor.fijar_clave(CLAVE)
    cliente = Usuario(usuario="cliente1", nombre="Cliente Banco 1", rol="cliente",
                      acreedor_id=acreedores[0].id)
    cliente.fijar_clave(CLAVE)
    db.session.add_all([supervisor, cliente])
    db.session.commit()
    agentes = list(db.session.scalars(
        select(Usuario.id).where(Usuario.rol == "agente").order_by(Usuario.id)))
    p = {"n": CASOS, "g": GESTIONES, "a0": acreedores[0].id, "u": agentes}
    # The caso's agent, as a SQL expression of its id (the same in every table).
    agente_de = "(CAST(:u AS int[]))[1 + (({c}) / 7) % 50]"
    sentencias = [
        """INSERT INTO lote_asignacion (id, acreedor_id, archivo, checksum, filas,
               obligaciones_nuevas, obligaciones_actualizadas, casos_nuevos, creado_en)
           SELECT k, :a0 + (k - 1) % 5, 'cartera-' || k || '.csv', md5(k::text) || md5(k::text),
                  :n / 20, :n / 20, 0, :n / 20, now() - ((5 + ((k - 1) / 5) * 30) || ' days')::interval
           FROM generate_series(1, 20) k""",
        """INSERT INTO deudor (id, tipo_documento, numero_documento, nombre, tipo_persona,
               no_contactar, creado_en)
           SELECT g, 'CC', (10000000 + g)::text, 'Deudor ' || g, 'natural', false, now()
           FROM generate_series(1, :n) g""",
        """INSERT INTO contacto (deudor_id, tipo, valor, valido, consentimientos, creado_en)
           SELECT g, 'telefono', '+5730' || lpad(g::text, 8, '0'), true, '["llamada"]', now()
           FROM generate_series(1, :n) g""",
        f"""INSERT INTO caso (id, acreedor_id, deudor_id, lote_id, etapa, agente_id, saldo,
               vencimiento, prioridad, etapa_desde, en_disputa, creado_en, actualizado_en)
           SELECT g, :a0 + g % 5, g, 1 + g % 5 + 5 * ((g / 5) % 4),
                  (ARRAY['prejuridico','negociacion','acuerdo','juridico','pagado'])[1 + g % 5],
                  {agente_de.format(c='g')},
                  (150000 + (g::bigint * 7919) % 25000000)::numeric(14,2),
                  current_date - (5 + (g * 31) % 700), (g::bigint * 2654435761) % 5000,
                  now(), false, now(), now()
           FROM generate_series(1, :n) g""",
        """INSERT INTO obligacion (acreedor_id, caso_id, lote_id, referencia, fecha_vencimiento,
               moneda, capital, intereses, gastos, saldo, saldo_capital, saldo_intereses,
               saldo_gastos, creado_en, actualizado_en)
           SELECT c.acreedor_id, c.id, c.lote_id, 'REF-' || c.id, c.vencimiento, 'COP',
                  c.saldo, 0, 0, c.saldo, c.saldo, 0, 0, now(), now()
           FROM caso c""",
        f"""INSERT INTO gestion (caso_id, usuario_id, canal, direccion, resultado, nota, creado_en)
           SELECT 1 + (g::bigint * 7919) % :n, {agente_de.format(c='1 + (g::bigint * 7919) % :n')},
                  'llamada', 'saliente',
                  (ARRAY['no_contesta','titular_contactado','mensaje_dejado','promesa_pago',
                         'tercero','negativa','no_contesta','volver_llamar','titular_contactado',
                         'no_contesta'])[1 + g % 10],
                  '', now() - ((g % 90) || ' days')::interval - ((g % 36000) || ' seconds')::interval
           FROM generate_series(1, :g) g""",
        f"""INSERT INTO promesa (acreedor_id, caso_id, monto, fecha, estado, monto_pagado,
               creado_por, creado_en)
           SELECT c.acreedor_id, c.id, 100000 + g % 900000, current_date - (g % 90) + 3,
                  (ARRAY['cumplida','incumplida','pendiente'])[1 + g % 3],
                  CASE WHEN g % 3 = 0 THEN 100000 + g % 900000 ELSE 0 END,
                  {agente_de.format(c='c.id')}, now() - ((g % 90) || ' days')::interval
           FROM generate_series(1, 300000) g JOIN caso c ON c.id = 1 + (g::bigint * 104729) % :n""",
        """INSERT INTO pago (acreedor_id, caso_id, monto, fecha, metodo, referencia_bancaria,
               creado_en, moneda, credito, estado, origen, etapa)
           SELECT c.acreedor_id, c.id, 50000 + g % 950000, current_date - (g % 120),
                  'transferencia', 'PAGO-' || g, now(), 'COP', 0, 'aplicado', 'manual',
                  CASE WHEN c.etapa = 'pagado' THEN 'acuerdo' ELSE c.etapa END
           FROM generate_series(1, 200000) g JOIN caso c ON c.id = 1 + (g::bigint * 15485863) % :n""",
        """INSERT INTO honorario (acreedor_id, caso_id, pago_id, tipo, etapa, base, porcentaje,
               monto, moneda, fecha, creado_en)
           SELECT acreedor_id, caso_id, id, 'cargo', etapa, monto, 15, round(monto * 0.15, 2),
                  'COP', fecha, now()
           FROM pago""",
        """INSERT INTO cambio_etapa (caso_id, acreedor_id, desde, hacia, creado_en)
           SELECT c.id, c.acreedor_id, 'prejuridico',
                  (ARRAY['negociacion','acuerdo','juridico'])[1 + g % 3],
                  now() - ((g % 90) || ' days')::interval
           FROM generate_series(1, 200000) g JOIN caso c ON c.id = 1 + (g::bigint * 32452843) % :n""",
        f"""INSERT INTO sesion_trabajo (caso_id, agente_id, inicio, fin, cierre)
           SELECT 1 + (g::bigint * 49979687) % :n,
                  {agente_de.format(c='1 + (g::bigint * 49979687) % :n')},
                  now() - ((g % 90) || ' days')::interval - ((g % 30000) || ' seconds')::interval,
                  now() - ((g % 90) || ' days')::interval - ((g % 30000) || ' seconds')::interval
                    + ((60 + g % 600) || ' seconds')::interval,
                  'agente'
           FROM generate_series(1, 300000) g""",
        "SELECT setval(pg_get_serial_sequence('deudor', 'id'), :n)",
        "SELECT setval(pg_get_serial_sequence('caso', 'id'), :n)",
        "SELECT setval(pg_get_serial_sequence('lote_asignacion', 'id'), 20)",
    ]
    with db.engine.begin() as conexion:
        for sentencia in sentencias:
            conexion.execute(text(sentencia), p)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conexion:
        conexion.execute(text("VACUUM ANALYZE"))
    return {"acreedor_id": acreedores[0].id}


def calcular_rollups() -> float:
    """The nightly job's work for the last 90 days and the placement batches: seconds/day."""
    from agencia.extensiones import db
    from agencia.metricas.calculo import calcular
    from agencia.promesas.servicios import hoy_local

    hoy = hoy_local()
    inicio = time.perf_counter()
    calcular(hoy - timedelta(days=89), hoy)
    db.session.commit()
    return (time.perf_counter() - inicio) / 90


def medir_paginas(app, usuario: str, url: str, marca: str) -> list[float]:
    from tests.conftest import ClienteAislado, ingresar

    app.test_client_class = ClienteAislado
    cliente = app.test_client()
    ingresar(cliente, usuario, CLAVE)
    respuesta = cliente.get(url)  # warm-up: templates compiled
    assert respuesta.status_code == 200, (url, respuesta.status_code)
    assert marca in respuesta.get_data(as_text=True), (url, marca)
    tiempos = []
    for _ in range(PAGINAS):
        inicio = time.perf_counter()
        respuesta = cliente.get(url)
        tiempos.append((time.perf_counter() - inicio) * 1000)
        assert respuesta.status_code == 200
    return tiempos


def medir_crudo(consultas: list[str], parametros: dict) -> list[float]:
    """The same figures from the history, without rollups: each sample runs every query."""
    from agencia.extensiones import db

    tiempos = []
    for _ in range(max(5, PAGINAS // 4)):
        inicio = time.perf_counter()
        with db.engine.connect() as conexion:
            for consulta in consultas:
                conexion.execute(text(consulta), parametros).all()
        tiempos.append((time.perf_counter() - inicio) * 1000)
    return tiempos


# The supervisor's agents table for 30 days, from the raw history.
TABLERO_CRUDO = [
    """SELECT usuario_id, count(*), count(*) FILTER (WHERE resultado IN ('titular_contactado',
              'promesa_pago', 'negativa', 'disputa', 'ya_pago')), count(DISTINCT caso_id)
       FROM gestion WHERE creado_en >= :desde GROUP BY usuario_id""",
    """SELECT creado_por, count(*), sum(monto) FROM promesa WHERE creado_en >= :desde
       GROUP BY creado_por""",
    """SELECT c.agente_id, sum(p.monto) FROM pago p JOIN caso c ON c.id = p.caso_id
       WHERE p.fecha >= :dia GROUP BY c.agente_id""",
    """SELECT agente_id, sum(extract(epoch FROM fin - inicio)) FROM sesion_trabajo
       WHERE inicio >= :desde AND fin IS NOT NULL GROUP BY agente_id""",
    """SELECT date_trunc('day', creado_en), count(*) FROM gestion WHERE creado_en >= :desde
       GROUP BY 1""",
]
# The cliente's portfolio by etapa and aging, and its recovery per placement batch.
PORTAL_CRUDO = [
    """SELECT etapa, CASE WHEN current_date - vencimiento <= 30 THEN 1
                          WHEN current_date - vencimiento <= 60 THEN 2
                          WHEN current_date - vencimiento <= 90 THEN 3
                          WHEN current_date - vencimiento <= 180 THEN 4
                          WHEN current_date - vencimiento <= 360 THEN 5 ELSE 6 END,
              count(*), sum(saldo)
       FROM caso WHERE acreedor_id = :acreedor GROUP BY 1, 2""",
    """SELECT c.lote_id, (p.fecha - l.creado_en::date) / 7, sum(p.monto)
       FROM pago p JOIN caso c ON c.id = p.caso_id JOIN lote_asignacion l ON l.id = c.lote_id
       WHERE p.acreedor_id = :acreedor GROUP BY 1, 2""",
    """SELECT lote_id, sum(capital + intereses + gastos) FROM obligacion
       WHERE acreedor_id = :acreedor GROUP BY 1""",
]


def main() -> int:
    from agencia.promesas.servicios import hoy_local
    from agencia.tipos import ahora

    with app_en_postgres() as app:
        inicio = time.perf_counter()
        datos = generar()
        generacion = time.perf_counter() - inicio
        rollup_dia = calcular_rollups()
        hoy = hoy_local()
        desde = hoy - timedelta(days=29)
        tablero = medir_paginas(app, "supervisora",
                                f"/tablero/?desde={desde.isoformat()}&hasta={hoy.isoformat()}",
                                "Agente 1")
        portal = medir_paginas(app, "cliente1", "/portal/", "Banco 1")
        parametros = {"desde": ahora() - timedelta(days=30), "dia": desde,
                      "acreedor": datos["acreedor_id"]}
        tablero_crudo = medir_crudo(TABLERO_CRUDO, parametros)
        portal_crudo = medir_crudo(PORTAL_CRUDO, parametros)

    cifras = {
        "base_datos": "PostgreSQL (privado, durable)",
        "casos": CASOS,
        "gestiones": GESTIONES,
        "generacion_s": round(generacion, 1),
        "rollup_dia_s": round(rollup_dia, 2),
        "p50_tablero_ms": round(statistics.median(tablero), 2),
        "p95_tablero_ms": p95(tablero),
        "p95_tablero_crudo_ms": p95(tablero_crudo),
        "p50_portal_ms": round(statistics.median(portal), 2),
        "p95_portal_ms": p95(portal),
        "p95_portal_crudo_ms": p95(portal_crudo),
    }
    objetivos = {
        "tablero": (cifras["p95_tablero_ms"] <= OBJETIVO_MS, f"p95 ≤ {OBJETIVO_MS:.0f} ms"),
        "portal": (cifras["p95_portal_ms"] <= OBJETIVO_MS, f"p95 ≤ {OBJETIVO_MS:.0f} ms"),
    }
    return informar(cifras, objetivos)


if __name__ == "__main__":
    sys.exit(main())
