#!/usr/bin/env bash
# Stops the server scripts/postgres/start.sh started and removes its data.   env: AIRLOCK_PG_DIR
DIR=${AIRLOCK_PG_DIR:-${TMPDIR:-/tmp}/airlock-pg}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -d "$DIR/data" ] && [ -n "$BIN" ]; then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1
  else "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1; fi
fi
rm -rf "$DIR"
exit 0
