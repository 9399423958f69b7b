#!/usr/bin/env bash
# Stop the Ceph RGW started by start.sh, signalling only the pids it recorded (rgw, then osd, then mon).
# usage: stop.sh [--wipe]   --wipe kills at once and deletes the directory (the data is in RAM anyway)
DIR=${AIRLOCK_RGW_DIR:-${TMPDIR:-/tmp}/airlock-rgw}
SIGNAL=TERM
[ "${1:-}" = "--wipe" ] && SIGNAL=KILL
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
for name in rgw osd mon; do
  file="$DIR/run/$name.pid"
  [ -f "$file" ] || continue
  pid=$(cat "$file")
  if running "$pid" && grep -qaE 'radosgw|ceph-osd|ceph-mon' "/proc/$pid/cmdline" 2>/dev/null; then
    kill "-$SIGNAL" "$pid" 2>/dev/null
    for _ in $(seq 1 150); do running "$pid" || break; sleep 0.1; done
    running "$pid" && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$file"
done
[ "${1:-}" = "--wipe" ] && rm -rf "$DIR"
exit 0
