#!/usr/bin/env bash
# Stop the SeaweedFS started by start.sh, signalling only the pid it recorded (checked to be a `weed server` on this
# directory). weed 4.48 takes 17-27 s to stop on SIGTERM (the filer's gRPC shutdown waits out 15 s); after 30 s it
# gets SIGKILL.
# usage: stop.sh [--wipe]   --wipe kills at once and deletes the directory (a test store: nothing in it is kept)
# env: AIRLOCK_SEAWEEDFS_DIR, AIRLOCK_SEAWEEDFS_PORT (as for start.sh)
DIR=${AIRLOCK_SEAWEEDFS_DIR:-${TMPDIR:-/tmp}/airlock-seaweedfs}
PORT=${AIRLOCK_SEAWEEDFS_PORT:-8333}
SIGNAL=TERM
[ "${1:-}" = "--wipe" ] && SIGNAL=KILL
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
[ -d "$DIR" ] && DIR=$(cd "$DIR" && pwd)
ours=0
if [ -f "$DIR/weed.pid" ]; then
  pid=$(cat "$DIR/weed.pid")
  if running "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "server .*-dir=$DIR/data"; then
    ours=1
    kill "-$SIGNAL" "$pid" 2>/dev/null
    for _ in $(seq 1 300); do running "$pid" || break; sleep 0.1; done
    running "$pid" && kill -KILL "$pid" 2>/dev/null
  elif running "$pid"; then
    echo "seaweedfs: pid $pid is not the weed server of $DIR; left alone" >&2
  fi
  rm -f "$DIR/weed.pid"
fi
# weed leaves its gRPC unix sockets in /tmp, named by port, whatever -dir says.
if [ "$ours" = 1 ]; then
  for port in $((PORT + 2)) $((PORT + 4)) $((PORT + 6)) $((PORT + 7)); do
    for sock in /tmp/seaweedfs-*-grpc-"$port".sock; do [ -S "$sock" ] && rm -f "$sock"; done
  done
fi
[ "${1:-}" = "--wipe" ] && [ -f "$DIR/master.toml" ] && rm -rf "$DIR"
exit 0
