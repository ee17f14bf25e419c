"""Instant search for staff on PostgreSQL (issue 6, item 8): p95 < 100 ms with 1,000,000 casos.

Generates BENCH_CASOS casos (default 1,000,000), each with its own deudor (a Spanish name
combined from small lists, so names repeat the way they do in a real portfolio), a phone, an
email and one obligacion, over 5 acreedores and 50 agents, with SQL `INSERT … SELECT
generate_series`; VACUUM ANALYZE; then times BENCH_CONSULTAS (default 50) searches of each kind
through the real service (`agencia.casos.busqueda.buscar`, casos loaded for the page):

- nombre_completo: "María Fernanda Gómez Rojas" as stored;
- nombre_parcial: two words, lower case, no accents ("maria rojas");
- nombre_mal_escrito: the full name with one typical mistake (s/z, b/v, y/ll, a missing
  letter); also reports how many found the right caso (pg_trgm similarity). Names repeat in
  a portfolio this size, so for names `encontrados_*` is informative (the caso may be one of
  more than 50 with the same words); unique keys must always find their caso;
- documento, telefono_e164 ("+57 300 123 4567"), telefono_local ("3001234567"), email,
  referencia (other case);
- nombre_agente: a partial name searched by an agent (confined to their casos and teams).

Prints p95 per kind and `p95_busqueda_ms` over all; exits non-zero when that is ≥ 100 ms.
"""

import os
import random
import statistics
import sys
import time

from comun import app_en_postgres, informar
from sqlalchemy import select, text

CASOS = int(os.environ.get("BENCH_CASOS", "1000000"))
CONSULTAS = int(os.environ.get("BENCH_CONSULTAS", "50"))
OBJETIVO_MS = 100.0

NOMBRES = ["María", "José", "Luis", "Ana", "Carlos", "Juan", "Sofía", "Andrés", "Camila",
           "Jorge", "Valentina", "Diego", "Laura", "Felipe", "Daniela", "Sebastián", "Paula",
           "Alejandro", "Natalia", "Ricardo", "Mónica", "Héctor", "Lucía", "Óscar", "Adriana",
           "Julián", "Carolina", "Fernando", "Gloria", "Iván", "Marta", "Raúl", "Beatriz",
           "Tomás", "Isabel", "Manuel", "Patricia", "Ramón", "Elena", "Víctor"]
SEGUNDOS = ["Fernanda", "Alejandra", "Antonio", "Eduardo", "Isabel", "Andrea", "Carlos",
            "José", "Esteban", "Lucía", "Javier", "Inés", "Mauricio", "Ángela", "Rodrigo",
            "Cristina", "Emilio", "Juliana", "Hernán", "Victoria"]
APELLIDOS = ["Gómez", "Rodríguez", "González", "Martínez", "García", "López", "Hernández",
             "Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Díaz", "Morales",
             "Ortiz", "Castro", "Vargas", "Rojas", "Jiménez", "Moreno", "Romero", "Herrera",
             "Medina", "Aguilar", "Guerrero", "Muñoz", "Álvarez", "Ruiz", "Mendoza", "Castillo",
             "Vásquez", "Cárdenas", "Salazar", "Ospina", "Londoño", "Valencia", "Restrepo",
             "Cortés", "Quintero", "Zapata", "Bermúdez", "Villegas", "Arango", "Cifuentes",
             "Benavides", "Velásquez", "Echeverri", "Pineda", "Sepúlveda", "Beltrán", "Duque",
             "Ocampo", "Montoya", "Galeano", "Patiño", "Uribe", "Henao", "Llano", "Yepes"]


def _arreglo(valores: list[str]) -> str:
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in valores) + "])"


def generar(casos: int) -> dict:
    from agencia.acreedores.modelos import Acreedor
    from agencia.auth.modelos import Usuario
    from agencia.equipos.modelos import Equipo
    from agencia.extensiones import db

    acreedores = [Acreedor(codigo=f"BANCO{n}", nombre=f"Banco {n}", pais="CO", moneda="COP")
                  for n in range(1, 6)]
    db.session.add_all(acreedores)
    agentes = []
    for n in range(1, 51):
        agente = Usuario(usuario=f"agente{n}", nombre=f"Agente {n}", rol="agente")
        agente.clave_hash = "x"
        agentes.append(agente)
    db.session.add_all(agentes)
    db.session.flush()
    # Agent 1 works one acreedor's portfolio as a team member.
    equipo = Equipo(nombre="Equipo Banco 1")
    equipo.agentes, equipo.acreedores = [agentes[0]], [acreedores[0]]
    db.session.add(equipo)
    db.session.commit()
    a0 = acreedores[0].id
    parametros = {"n": casos, "a0": a0, "u": [a.id for a in agentes]}
    # Independent hashes of g pick each part of the name (names repeat as in real life).
    def parte(lista: list[str], sal: str) -> str:
        return f"{_arreglo(lista)}[1 + abs(hashtext(g || '{sal}')) % {len(lista)}]"

    nombre = (
        f"{parte(NOMBRES, 'n')} || CASE WHEN abs(hashtext(g || 's')) % 3 = 0 THEN '' "
        f"ELSE ' ' || {parte(SEGUNDOS, 'm')} END"
        f" || ' ' || {parte(APELLIDOS, 'p')} || ' ' || {parte(APELLIDOS, 'q')}"
    )
    sentencias = [
        f"""INSERT INTO deudor (id, tipo_documento, numero_documento, nombre, tipo_persona,
               no_contactar, creado_en)
            SELECT g, 'CC', (1000000000 + (g::bigint * 7919) % 900000000)::text || g % 10,
                   {nombre}, 'natural', false, now()
            FROM generate_series(1, :n) g""",
        """INSERT INTO contacto (deudor_id, tipo, valor, valido, consentimientos, creado_en)
           SELECT g, 'telefono', '+573' || lpad(((g::bigint * 48271) % 1000000000)::text, 9, '0'),
                  true, '["llamada", "sms"]', now()
           FROM generate_series(1, :n) g""",
        """INSERT INTO contacto (deudor_id, tipo, valor, valido, consentimientos, creado_en)
           SELECT g, 'email', 'cliente' || g || '@correo' || g % 7 || '.com', true,
                  '["email"]', now()
           FROM generate_series(1, :n) g""",
        """INSERT INTO caso (id, acreedor_id, deudor_id, etapa, agente_id, saldo, vencimiento,
               prioridad, etapa_desde, en_disputa, creado_en, actualizado_en)
           SELECT g, :a0 + g % 5, g,
                  (ARRAY['prejuridico','negociacion','acuerdo','juridico'])[1 + g % 4],
                  (CAST(:u AS int[]))[1 + (g / 7) % 50],
                  (150000 + (g::bigint * 7919) % 25000000)::numeric(14,2),
                  current_date - (5 + (g * 31) % 400), (g::bigint * 2654435761) % 5000,
                  now(), false, now(), now()
           FROM generate_series(1, :n) g""",
        """INSERT INTO obligacion (acreedor_id, caso_id, referencia, fecha_vencimiento, moneda,
               capital, intereses, gastos, saldo, saldo_capital, saldo_intereses, saldo_gastos,
               creado_en, actualizado_en)
           SELECT c.acreedor_id, c.id, 'OB-' || (c.acreedor_id - :a0 + 1) || '-' || c.id,
                  c.vencimiento, 'COP', c.saldo, 0, 0, c.saldo, c.saldo, 0, 0, now(), now()
           FROM caso c""",
        "SELECT setval(pg_get_serial_sequence('deudor', 'id'), :n)",
        "SELECT setval(pg_get_serial_sequence('caso', 'id'), :n)",
    ]
    with db.engine.begin() as conexion:
        for sentencia in sentencias:
            conexion.execute(text(sentencia), parametros)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conexion:
        conexion.execute(text("VACUUM ANALYZE"))
    return {"agente_equipo": agentes[0].id}


ERRORES = [("z", "s"), ("s", "z"), ("v", "b"), ("b", "v"), ("ll", "y"), ("y", "ll"),
           ("c", "s"), ("á", "a"), ("é", "e"), ("í", "i"), ("ó", "o")]


def mal_escrito(nombre: str, azar: random.Random) -> str:
    """One typical mistake in one word (letters swapped for their sound-alike, or one lost)."""
    palabras = nombre.split()
    orden = list(range(len(palabras)))
    azar.shuffle(orden)
    for i in orden:
        palabra = palabras[i]
        for buscado, puesto in azar.sample(ERRORES, len(ERRORES)):
            posicion = palabra.lower().find(buscado, 1)
            if posicion > 0:
                palabras[i] = palabra[:posicion] + puesto + palabra[posicion + len(buscado):]
                return " ".join(palabras)
    largo = max(range(len(palabras)), key=lambda j: len(palabras[j]))
    palabra = palabras[largo]
    palabras[largo] = palabra[:len(palabra) // 2] + palabra[len(palabra) // 2 + 1:]
    return " ".join(palabras)


def sin_tildes(texto: str) -> str:
    from agencia.casos.busqueda import normalizar

    return normalizar(texto)


def consultas(casos: int, azar: random.Random) -> dict[str, list[tuple[str, int]]]:
    """For each kind, (text, id of the caso it must find)."""
    from agencia.casos.modelos import Caso, Obligacion
    from agencia.deudores.modelos import Contacto, Deudor
    from agencia.extensiones import db

    ids = azar.sample(range(1, casos + 1), CONSULTAS)
    filas = {
        fila.id: fila for fila in db.session.execute(
            select(Caso.id, Deudor.nombre, Deudor.numero_documento, Obligacion.referencia)
            .join(Deudor, Deudor.id == Caso.deudor_id)
            .join(Obligacion, Obligacion.caso_id == Caso.id).where(Caso.id.in_(ids)))
    }
    contactos = {}
    for deudor_id, tipo, valor in db.session.execute(
            select(Contacto.deudor_id, Contacto.tipo, Contacto.valor)
            .where(Contacto.deudor_id.in_(ids))):
        contactos[(deudor_id, tipo)] = valor
    tipos: dict[str, list[tuple[str, int]]] = {k: [] for k in (
        "nombre_completo", "nombre_parcial", "nombre_mal_escrito", "documento",
        "telefono_e164", "telefono_local", "email", "referencia")}
    for caso_id in ids:
        fila = filas[caso_id]
        palabras = fila.nombre.split()
        telefono = contactos[(caso_id, "telefono")]  # +573xxxxxxxxx; deudor id == caso id
        local = telefono[3:]
        tipos["nombre_completo"].append((fila.nombre, caso_id))
        tipos["nombre_parcial"].append((sin_tildes(f"{palabras[0]} {palabras[-2]}"), caso_id))
        tipos["nombre_mal_escrito"].append((mal_escrito(fila.nombre, azar), caso_id))
        tipos["documento"].append((fila.numero_documento, caso_id))
        tipos["telefono_e164"].append(
            (f"+57 {local[:3]} {local[3:6]} {local[6:]}", caso_id))
        tipos["telefono_local"].append((local, caso_id))
        tipos["email"].append((contactos[(caso_id, "email")].upper(), caso_id))
        tipos["referencia"].append((fila.referencia.lower(), caso_id))
    db.session.rollback()
    return tipos


def medir(tipos, agente_equipo: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    from agencia.casos.busqueda import buscar
    from agencia.extensiones import db

    for q, _ in list(tipos.values())[0][:5]:  # warm-up
        buscar(q)
        db.session.rollback()
    tiempos: dict[str, list[float]] = {}
    aciertos: dict[str, int] = {}
    for tipo, lista in tipos.items():
        tiempos[tipo], aciertos[tipo] = [], 0
        for q, caso_id in lista:
            inicio = time.perf_counter()
            resultado = buscar(q)
            tiempos[tipo].append((time.perf_counter() - inicio) * 1000)
            encontrado = caso_id in [c.id for c in resultado.casos]
            aciertos[tipo] += encontrado
            if not encontrado and os.environ.get("BENCH_EXPLICAR"):
                print(f"no encontrado ({tipo}): {q!r}", file=sys.stderr)
            db.session.rollback()
    # An agent's search: confined to their casos and their team's acreedor.
    tiempos["nombre_agente"], aciertos["nombre_agente"] = [], 0
    for q, _ in tipos["nombre_parcial"]:
        inicio = time.perf_counter()
        resultado = buscar(q, agente_id=agente_equipo)
        tiempos["nombre_agente"].append((time.perf_counter() - inicio) * 1000)
        aciertos["nombre_agente"] += bool(resultado.casos)
        db.session.rollback()
    return tiempos, aciertos


def p95(valores: list[float]) -> float:
    return round(statistics.quantiles(valores, n=20)[18], 2) if len(valores) > 1 else 0.0


def main() -> int:
    from agencia.casos.busqueda import trigramas_disponibles

    azar = random.Random(6)
    with app_en_postgres() as app:
        inicio = time.perf_counter()
        datos = generar(CASOS)
        generacion = time.perf_counter() - inicio
        with app.test_request_context():  # no agent in this request: staff scope by default
            trigramas = trigramas_disponibles()
            tipos = consultas(CASOS, azar)
            tiempos, aciertos = medir(tipos, datos["agente_equipo"])
            if os.environ.get("BENCH_EXPLICAR"):
                explicar(tipos)

    todos = [t for lista in tiempos.values() for t in lista]
    cifras = {
        "base_datos": "PostgreSQL (privado, durable)",
        "pg_trgm": "sí" if trigramas else "no",
        "casos": CASOS,
        "generacion_s": round(generacion, 1),
        "consultas": len(todos),
        "p50_busqueda_ms": round(statistics.median(todos), 2),
        "p95_busqueda_ms": p95(todos),
        "max_busqueda_ms": round(max(todos), 2),
    }
    for tipo, lista in tiempos.items():
        cifras[f"p95_{tipo}_ms"] = p95(lista)
    for tipo, n in aciertos.items():
        cifras[f"encontrados_{tipo}"] = f"{n}/{len(tiempos[tipo])}"
    # Names repeat (thousands of "María ... Rojas"): only unique keys must find their caso.
    exactos = [t for t in tipos if not t.startswith("nombre")]
    objetivos = {
        "busqueda": (cifras["p95_busqueda_ms"] < OBJETIVO_MS,
                     f"p95 < {OBJETIVO_MS} ms con {CASOS} casos, todos los tipos"),
        "exactitud": (all(aciertos[t] == len(tipos[t]) for t in exactos),
                      "cada búsqueda exacta encuentra su caso"),
    }
    return informar(cifras, objetivos)


def explicar(tipos) -> None:
    """EXPLAIN ANALYZE of the name search, to see the indexes at work."""
    from agencia.casos import busqueda
    from agencia.extensiones import db

    for tipo in ("nombre_completo", "nombre_parcial", "nombre_mal_escrito"):
        q = tipos[tipo][0][0]
        aproximada = tipo == "nombre_mal_escrito"
        stmt = busqueda._por_nombre(busqueda.normalizar(q).split(), True, aproximada).limit(51)
        compilado = stmt.compile(dialect=db.engine.dialect)
        print(f"-- {tipo}: {q}")
        with db.engine.connect() as conexion:
            conexion.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', "
                                  f"'{busqueda.UMBRAL_PALABRA}', true)"))
            for (linea,) in conexion.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS) {compilado}", compilado.params):
                print(linea)


if __name__ == "__main__":
    sys.exit(main())
