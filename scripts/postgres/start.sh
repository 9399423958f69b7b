#!/usr/bin/env bash
# A private PostgreSQL server on loopback for tests and local runs: its own data directory, port and socket
# directory, started as the postgres user (initdb refuses to run as root). Debian package: postgresql.
#   env: AIRLOCK_PG_DIR (default $TMPDIR/airlock-pg), AIRLOCK_PG_PORT (default 15432)
#   prints: READY url=postgres://airlock:airlock@127.0.0.1:PORT/airlock
set -euo pipefail
DIR=${AIRLOCK_PG_DIR:-${TMPDIR:-/tmp}/airlock-pg}
PORT=${AIRLOCK_PG_PORT:-15432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
run "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1
# Durability is traded for speed: these servers hold test data only.
run "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
run "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE airlock LOGIN CREATEDB PASSWORD 'airlock'" >/dev/null
run "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE airlock OWNER airlock" >/dev/null
echo "READY url=postgres://airlock:airlock@127.0.0.1:$PORT/airlock"
