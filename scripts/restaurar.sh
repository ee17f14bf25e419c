#!/usr/bin/env bash
# Restores a backup made by scripts/respaldar.sh into an EMPTY database and an EMPTY file
# store, then verifies it.
#
#   DATABASE_URL=postgresql+psycopg://... ALMACEN_ARCHIVOS=/srv/agencia/archivos \
#     scripts/restaurar.sh /var/backups/agencia/agencia-20260101T020000Z
#   scripts/restaurar.sh --solo-verificar RESPALDO     # checks the backup, touches nothing
#
# 1. The backup: SHA256SUMS, and every file inside archivos.tar against archivos.sha256.
#    Nothing is written before the backup passes.
# 2. The targets: the database has no tables, ALMACEN_ARCHIVOS is missing or empty.
# 3. pg_restore in a single transaction (all or nothing), then the files are extracted.
# 4. Verification: every restored file's SHA-256 against the manifest, the row count of
#    every table against conteos.tsv, and `agencia db current` at the head revision.
# Exits non-zero, saying why, at the first failure.
set -euo pipefail
umask 027

RAIZ="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${AGENCIA_PYTHON:-$RAIZ/.venv/bin/python}"
AGENCIA="${AGENCIA_BIN:-$RAIZ/.venv/bin/agencia}"

fallar() { echo "restaurar: $*" >&2; exit 1; }

solo_verificar=0
if [ "${1:-}" = "--solo-verificar" ]; then solo_verificar=1; shift; fi
[ $# -eq 1 ] || fallar "uso: restaurar.sh [--solo-verificar] CARPETA_DEL_RESPALDO"
RESPALDO="$(cd "$1" 2>/dev/null && pwd)" || fallar "no existe la carpeta $1."
[ -x "$PYTHON" ] || fallar "no se encontró Python en $PYTHON (AGENCIA_PYTHON)."

# ---- 1. The backup --------------------------------------------------------------------
for parte in SHA256SUMS base.dump archivos.tar archivos.sha256 conteos.tsv; do
  [ -f "$RESPALDO/$parte" ] || fallar "respaldo incompleto: falta $parte en $RESPALDO."
done
if ! errores="$(cd "$RESPALDO" && sha256sum --check --quiet --strict SHA256SUMS 2>&1)"; then
  fallar "el respaldo está dañado (la suma SHA-256 no coincide):
$errores"
fi
# Every file inside the archive against the manifest (streamed, nothing extracted).
if ! errores="$("$PYTHON" - "$RESPALDO/archivos.tar" "$RESPALDO/archivos.sha256" <<'PY'
import hashlib, sys, tarfile
esperado = {}
with open(sys.argv[2], encoding="utf-8") as manifiesto:
    for linea in manifiesto:
        suma, _, nombre = linea.rstrip("\n").partition("  ")
        esperado[nombre] = suma
visto = set()
malos = []
with tarfile.open(sys.argv[1], "r|") as archivo:
    for miembro in archivo:
        if not miembro.isfile():
            continue
        suma = hashlib.sha256()
        lector = archivo.extractfile(miembro)
        while bloque := lector.read(1 << 20):
            suma.update(bloque)
        visto.add(miembro.name)
        if miembro.name not in esperado:
            malos.append(f"{miembro.name}: no está en el manifiesto")
        elif esperado[miembro.name] != suma.hexdigest():
            malos.append(f"{miembro.name}: su SHA-256 no coincide con el manifiesto")
malos += [f"{nombre}: falta en archivos.tar" for nombre in sorted(set(esperado) - visto)]
print("\n".join(malos))
sys.exit(1 if malos else 0)
PY
)"; then
  fallar "el respaldo está dañado (archivos.tar no coincide con archivos.sha256):
$errores"
fi
archivos="$(wc -l < "$RESPALDO/archivos.sha256")"
echo "Respaldo íntegro: $RESPALDO ($archivos archivos, $(wc -l < "$RESPALDO/conteos.tsv") tablas)."
[ "$solo_verificar" -eq 0 ] || exit 0

# ---- 2. The targets -------------------------------------------------------------------
[ -n "${DATABASE_URL:-}" ] || fallar "falta DATABASE_URL (la base vacía donde restaurar)."
[ -n "${ALMACEN_ARCHIVOS:-}" ] || fallar "falta ALMACEN_ARCHIVOS (la carpeta vacía donde restaurar)."
[ -x "$AGENCIA" ] || fallar "no se encontró el comando agencia en $AGENCIA (AGENCIA_BIN)."
for programa in pg_restore psql tar; do
  command -v "$programa" >/dev/null || fallar "falta el programa $programa (postgresql-client, tar)."
done
entorno="$("$PYTHON" - <<'PY'
import os, shlex, sys
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
if not url.drivername.startswith("postgresql"):
    sys.exit("restaurar: DATABASE_URL no es PostgreSQL: este respaldo se restaura con pg_restore.")
pares = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
         "PGPASSWORD": url.password, "PGDATABASE": url.database,
         "PGSSLMODE": url.query.get("sslmode")}
for nombre, valor in pares.items():
    if valor is not None:
        print(f"export {nombre}={shlex.quote(str(valor))}")
PY
)" || exit 1
eval "$entorno"

# Counting under FORCEd row-level security (migration 0014) needs to act for every acreedor.
export PGOPTIONS="${PGOPTIONS:-} -c agencia.todos=si"
sql() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
tablas="$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')")" \
  || fallar "no se pudo conectar con la base $PGDATABASE."
[ "$tablas" -eq 0 ] || fallar "la base $PGDATABASE no está vacía ($tablas relaciones en public): \
restaure en una base recién creada (createdb)."
if [ -e "$ALMACEN_ARCHIVOS" ]; then
  [ -d "$ALMACEN_ARCHIVOS" ] || fallar "ALMACEN_ARCHIVOS ($ALMACEN_ARCHIVOS) no es una carpeta."
  [ -z "$(ls -A "$ALMACEN_ARCHIVOS")" ] || fallar "ALMACEN_ARCHIVOS ($ALMACEN_ARCHIVOS) no está vacía."
fi

# ---- 3. Restore -----------------------------------------------------------------------
echo "Restaurando la base en $PGDATABASE…"
# Extension comments are left out: only the extension's owner (a superuser) may set them,
# and the application's role restores (pg_trgm is a trusted extension it may create).
lista="$(mktemp)"
trap 'rm -f "$lista"' EXIT
pg_restore --list "$RESPALDO/base.dump" | grep -v ' COMMENT - EXTENSION ' > "$lista"
pg_restore --dbname="$PGDATABASE" --single-transaction --exit-on-error --no-owner --no-acl \
  --use-list="$lista" "$RESPALDO/base.dump" || fallar "pg_restore falló: la base quedó vacía (una sola transacción)."

echo "Restaurando los archivos en $ALMACEN_ARCHIVOS…"
mkdir -p "$ALMACEN_ARCHIVOS"
tar --extract --file="$RESPALDO/archivos.tar" --directory="$ALMACEN_ARCHIVOS" \
  --no-same-owner --no-same-permissions || fallar "tar no pudo extraer los archivos."

# ---- 4. Verify ------------------------------------------------------------------------
if [ "$archivos" -gt 0 ] && ! errores="$(cd "$ALMACEN_ARCHIVOS" && sha256sum --check --quiet --strict "$RESPALDO/archivos.sha256" 2>&1)"; then
  fallar "los archivos restaurados no coinciden con el manifiesto:
$errores"
fi

consulta="$(awk -F'\t' '{ printf "%sSELECT %d, count(*) FROM %s", (NR > 1 ? " UNION ALL " : ""), NR, $1 }' \
  "$RESPALDO/conteos.tsv")"
reales="$(sql "SELECT c FROM ($consulta) AS t(n, c) ORDER BY n")" \
  || fallar "no se pudieron contar las filas restauradas."
diferencias="$(paste "$RESPALDO/conteos.tsv" <(printf '%s\n' "$reales") \
  | awk -F'\t' '$2 != $3 { print "  " $1 ": respaldo " $2 ", restaurada " $3 }')"
[ -z "$diferencias" ] || fallar "las filas restauradas no coinciden con el respaldo:
$diferencias"

actual="$("$AGENCIA" db current 2>/dev/null)" || fallar "\`agencia db current\` falló sobre la base restaurada."
case "$actual" in
  *"(head)"*) ;;
  *) fallar "la base restaurada no está en la última migración (\`agencia db current\`: ${actual:-nada}).
Si el respaldo es de una versión anterior, ejecute \`agencia db upgrade\`." ;;
esac

filas="$(awk -F'\t' '{ s += $2 } END { print s + 0 }' "$RESPALDO/conteos.tsv")"
clave() { awk -F'\t' -v t="public.$1" '$1 == t { print $2 }' "$RESPALDO/conteos.tsv"; }
echo "Restauración verificada:"
echo "  $(wc -l < "$RESPALDO/conteos.tsv") tablas y $filas filas, iguales al respaldo" \
     "(caso $(clave caso), pago $(clave pago), documento $(clave documento), auditoria $(clave auditoria))"
echo "  $archivos archivos con su SHA-256"
echo "  migración: $(printf '%s' "$actual" | tail -n 1)"
echo "Falta: \`agencia auditoria verificar\` (cadena de auditoría) antes de abrir el servicio."
