#!/usr/bin/env bash
# Backs up Agencia: the PostgreSQL database (pg_dump -Fc) and the file store
# (ALMACEN_ARCHIVOS: letters, documents, payment proofs, uploads, expedientes).
#
#   DATABASE_URL=postgresql+psycopg://... ALMACEN_ARCHIVOS=/srv/agencia/archivos \
#     scripts/respaldar.sh [DESTINO]
#
# Writes DESTINO/agencia-<UTC time>/ (DESTINO defaults to $RESPALDO_DESTINO):
#   base.dump        pg_dump custom format
#   archivos.tar     the file store (temporary *.tmp files left out)
#   archivos.sha256  SHA-256 of every file inside archivos.tar (computed from the archive)
#   conteos.tsv      rows per table inside base.dump (what a restore must find)
#   info.txt         when, where from, migration revision, pg_dump version
#   SHA256SUMS       SHA-256 of the files above
# The folder is written as .incompleto-* and renamed when complete, so a folder named
# agencia-* is always a whole backup. Then only the newest $RESPALDO_CONSERVAR (14) are kept.
# The database is dumped before the files are archived: every file a row names is already
# in the store when the dump starts (files are written before their row is committed).
# scripts/restaurar.sh restores and verifies such a folder.
set -euo pipefail
umask 077

RAIZ="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${AGENCIA_PYTHON:-$RAIZ/.venv/bin/python}"
DESTINO="${1:-${RESPALDO_DESTINO:-}}"
CONSERVAR="${RESPALDO_CONSERVAR:-14}"

fallar() { echo "respaldar: $*" >&2; exit 1; }

[ -n "${DATABASE_URL:-}" ] || fallar "falta DATABASE_URL."
[ -n "${ALMACEN_ARCHIVOS:-}" ] || fallar "falta ALMACEN_ARCHIVOS."
[ -n "$DESTINO" ] || fallar "indique la carpeta de destino (argumento o RESPALDO_DESTINO)."
[ -d "$ALMACEN_ARCHIVOS" ] || fallar "ALMACEN_ARCHIVOS ($ALMACEN_ARCHIVOS) no es una carpeta."
[ -x "$PYTHON" ] || fallar "no se encontró Python en $PYTHON (AGENCIA_PYTHON)."
for programa in pg_dump pg_restore psql tar sha256sum; do
  command -v "$programa" >/dev/null || fallar "falta el programa $programa (postgresql-client, tar, coreutils)."
done

# DATABASE_URL (SQLAlchemy) → libpq's PG* variables: the password never appears in `ps`.
entorno="$("$PYTHON" - <<'PY'
import os, shlex, sys
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
if not url.drivername.startswith("postgresql"):
    sys.exit("respaldar: DATABASE_URL no es PostgreSQL: este respaldo usa pg_dump.")
pares = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
         "PGPASSWORD": url.password, "PGDATABASE": url.database,
         "PGSSLMODE": url.query.get("sslmode")}
for nombre, valor in pares.items():
    if valor is not None:
        print(f"export {nombre}={shlex.quote(str(valor))}")
PY
)" || exit 1
eval "$entorno"

mkdir -p "$DESTINO"
marca="$(date -u +%Y%m%dT%H%M%SZ)"
final="$DESTINO/agencia-$marca"
[ ! -e "$final" ] || fallar "ya existe $final."
trabajo="$(mktemp -d "$DESTINO/.incompleto-$marca-XXXX")"
trap 'rm -rf "$trabajo"' EXIT

# Row-level security (migration 0014) is FORCEd on the tenant tables, so the owner is subject
# to it too. A superuser or BYPASSRLS role dumps with row security off (every row, or an
# error); any other role dumps with it on, acting for every acreedor (agencia.todos).
export PGOPTIONS="${PGOPTIONS:-} -c agencia.todos=si"
seguridad=()
exento="$(psql -XAtq -c "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")" \
  || fallar "no se pudo conectar con la base $PGDATABASE."
if [ "$exento" != "t" ]; then
  seguridad=(--enable-row-security)
  echo "Aviso: el usuario no es superusuario ni BYPASSRLS: se respalda con la seguridad por filas activa (agencia.todos)."
fi

echo "Respaldando la base $PGDATABASE…"
pg_dump --format=custom "${seguridad[@]}" --file="$trabajo/base.dump" "$PGDATABASE" \
  || fallar "pg_dump falló."
# Rows per table, read from the dump itself (one line per row in each COPY block).
pg_restore --data-only --file=- "$trabajo/base.dump" | awk '
  dentro && $0 == "\\." { print tabla "\t" filas; dentro = 0; next }
  dentro { filas++; next }
  /^COPY / { tabla = $2; filas = 0; dentro = 1 }
' > "$trabajo/conteos.tsv"
[ -s "$trabajo/conteos.tsv" ] || fallar "el volcado no contiene tablas: ¿se aplicaron las migraciones?"

echo "Respaldando los archivos de $ALMACEN_ARCHIVOS…"
estado=0
tar --create --file="$trabajo/archivos.tar" --directory="$ALMACEN_ARCHIVOS" --sort=name \
  --exclude='*.tmp' --warning=no-file-changed --warning=no-file-removed . || estado=$?
# Status 1: a file was replaced while it was read. Files are replaced by rename, so the
# archive holds one whole version of it; the manifest below is computed from the archive.
[ "$estado" -le 1 ] || fallar "tar falló (estado $estado)."

"$PYTHON" - "$trabajo/archivos.tar" > "$trabajo/archivos.sha256" <<'PY'
import hashlib, sys, tarfile
with tarfile.open(sys.argv[1], "r|") as archivo:
    for miembro in archivo:
        if miembro.isfile():
            suma = hashlib.sha256()
            lector = archivo.extractfile(miembro)
            while bloque := lector.read(1 << 20):
                suma.update(bloque)
            print(f"{suma.hexdigest()}  {miembro.name}")
PY

{
  echo "fecha_utc=$marca"
  echo "equipo=$(hostname)"
  echo "base=$PGDATABASE"
  echo "revision=$(psql -XAtq -c 'SELECT version_num FROM alembic_version' 2>/dev/null || echo '?')"
  echo "pg_dump=$(pg_dump --version)"
  echo "archivos=$(wc -l < "$trabajo/archivos.sha256")"
} > "$trabajo/info.txt"

(cd "$trabajo" && sha256sum base.dump archivos.tar archivos.sha256 conteos.tsv info.txt > SHA256SUMS)
mv "$trabajo" "$final"
trap - EXIT

filas="$(awk -F'\t' '{ s += $2 } END { print s + 0 }' "$final/conteos.tsv")"
echo "Respaldo completo: $final"
echo "  $(wc -l < "$final/conteos.tsv") tablas, $filas filas; $(wc -l < "$final/archivos.sha256") archivos; $(du -sh "$final" | cut -f1)"

# Retention: the newest $CONSERVAR complete backups stay.
if [ "$CONSERVAR" -gt 0 ] 2>/dev/null; then
  find "$DESTINO" -mindepth 1 -maxdepth 1 -type d -name 'agencia-*T*Z' | sort | head -n "-$CONSERVAR" \
    | while read -r viejo; do
        echo "  borrando el respaldo antiguo $viejo"
        rm -rf -- "$viejo"
      done
fi
