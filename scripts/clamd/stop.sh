#!/usr/bin/env bash
# Stop the clamd started by start.sh (its recorded pid only) and remove its directory.
DIR=${AIRLOCK_CLAMD_DIR:-${TMPDIR:-/tmp}/airlock-clamd}
if [ -f "$DIR/clamd.pid" ]; then
  pid=$(cat "$DIR/clamd.pid")
  if grep -qa clamd "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do grep -qa clamd "/proc/$pid/cmdline" 2>/dev/null || break; sleep 0.1; done
  fi
fi
rm -rf "$DIR"
exit 0
