#!/usr/bin/env bash
# Pre-release only: rebuilds the single initial migration from the models.
# Once a database is in production, add new revisions with `agencia db migrate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migraciones/versions/0001_esquema_inicial.py
AGENCIA_INSTANCIA="$tmp" DATABASE_URL="sqlite:///$tmp/m.db" .venv/bin/agencia db migrate -m "esquema inicial" --rev-id 0001 >/dev/null
rm -rf "$tmp"
echo "migraciones/versions/0001_esquema_inicial.py regenerada"
