#!/usr/bin/env bash
# Stop or start only the radosgw process of the RGW started by start.sh (objects live in the OSD and survive).
# usage: restart-rgw.sh stop|start|restart     env: AIRLOCK_RGW_DIR, AIRLOCK_RGW_PORT
set -euo pipefail
DIR=${AIRLOCK_RGW_DIR:-${TMPDIR:-/tmp}/airlock-rgw}
PORT=${AIRLOCK_RGW_PORT:-7480}
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
stop() {
  [ -f "$DIR/run/rgw.pid" ] || return 0
  pid=$(cat "$DIR/run/rgw.pid")
  if running "$pid" && grep -qa radosgw "/proc/$pid/cmdline"; then
    # An abrupt stop, like a crash (start.sh disables radosgw's metadata cache, so the watches a killed radosgw
    # leaves behind do not stall its successor).
    kill -KILL "$pid"
    for _ in $(seq 1 100); do running "$pid" || break; sleep 0.05; done
  fi
  rm -f "$DIR/run/rgw.pid"
}
start() {
  setsid nohup radosgw -c "$DIR/ceph.conf" -n client.rgw.airlock -f >>"$DIR/log/rgw.out" 2>&1 </dev/null &
  echo $! >"$DIR/run/rgw.pid"
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 200 ] && return 0
    sleep 0.1
  done
  echo "radosgw did not come back on $PORT" >&2
  return 1
}
case "${1:-}" in
  stop) stop ;;
  start) start ;;
  restart) stop; start ;;
  *) echo "usage: $0 stop|start|restart" >&2; exit 2 ;;
esac
