#!/usr/bin/env bash
# `make run`: migrations, demo data on first run, a private Redis (unless REDIS_URL is set),
# an RQ worker with the scheduler and the web server. Ctrl-C stops all of it; data stays in
# instance/ for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
export AGENCIA_INSTANCIA="${AGENCIA_INSTANCIA:-$PWD/instance}"
PORT="${PORT:-5000}"
mkdir -p "$AGENCIA_INSTANCIA"

# A secret key of this installation, kept so sessions survive a restart.
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s "$AGENCIA_INSTANCIA/secret_key" ] || \
    "$BIN/python" -c 'import secrets; print(secrets.token_hex(32))' > "$AGENCIA_INSTANCIA/secret_key"
  chmod 600 "$AGENCIA_INSTANCIA/secret_key"
  SECRET_KEY="$(cat "$AGENCIA_INSTANCIA/secret_key")"
  export SECRET_KEY
fi

hijos=()
detener() {
  trap - INT TERM EXIT
  echo
  echo "Deteniendo Agencia…"
  for pid in "${hijos[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap detener INT TERM EXIT

if [ -z "${REDIS_URL:-}" ]; then
  REDIS_PORT="${REDIS_PORT:-6390}"
  mkdir -p "$AGENCIA_INSTANCIA/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$AGENCIA_INSTANCIA/redis" \
    --save 60 1 --appendonly yes --logfile "$AGENCIA_INSTANCIA/redis/redis.log" &
  hijos+=($!)
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

# Login attempts are counted across the web workers, in the same Redis.
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-$REDIS_URL}"

"$BIN/agencia" db upgrade
"$BIN/agencia" demo --si-vacia

"$BIN/agencia" worker &
hijos+=($!)
"$BIN/gunicorn" --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --access-logfile - \
  --log-level warning wsgi:app &
hijos+=($!)

sleep 1
cat <<MSG

  Agencia está en http://127.0.0.1:$PORT

  Usuarios de demostración (contraseña: demo1234):
MSG
"$BIN/agencia" usuarios --demo
echo
echo "  Ctrl-C detiene todo; los datos quedan en $AGENCIA_INSTANCIA"
echo

wait -n "${hijos[@]}"
