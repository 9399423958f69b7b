#!/usr/bin/env bash
# Start clamd on a private unix socket and a loopback TCP port with a given signature directory (tests, local runs).
# Debian package: clamav-daemon (scripts/install-deps installs it). Everything lives under $AIRLOCK_CLAMD_DIR.
# usage: start.sh SIGNATURE_DIR     env: AIRLOCK_CLAMD_DIR (default ${TMPDIR:-/tmp}/airlock-clamd), AIRLOCK_CLAMD_PORT (13310)
# prints: READY socket=<path> tcp=127.0.0.1:<port>
set -euo pipefail
SIGNATURES=$(readlink -f "${1:?usage: start.sh SIGNATURE_DIR}")
DIR=${AIRLOCK_CLAMD_DIR:-${TMPDIR:-/tmp}/airlock-clamd}
PORT=${AIRLOCK_CLAMD_PORT:-13310}
command -v clamd >/dev/null || { echo "clamd: not found; run scripts/install-deps" >&2; exit 1; }
"$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true
mkdir -p "$DIR/tmp"
# The heuristics Airlock relies on (docs/inspection.md): what clamd cannot see must come back as a detection, not as OK.
cat >"$DIR/clamd.conf" <<CONF
Foreground yes
DatabaseDirectory $SIGNATURES
LocalSocket $DIR/clamd.sock
TCPSocket $PORT
TCPAddr 127.0.0.1
TemporaryDirectory $DIR/tmp
LogFile $DIR/clamd.log
User $(id -un)
MaxThreads 8
StreamMaxLength 200M
MaxFileSize 100M
MaxScanSize 100M
MaxRecursion 16
AlertExceedsMax yes
AlertEncryptedArchive yes
AlertEncryptedDoc yes
AlertOLE2Macros yes
AlertBrokenExecutables yes
HeuristicAlerts yes
SelfCheck 1
DisableCache yes
CONF
setsid nohup clamd -c "$DIR/clamd.conf" >"$DIR/clamd.out" 2>&1 </dev/null &
echo $! >"$DIR/clamd.pid"
for _ in $(seq 1 150); do
  if [ -S "$DIR/clamd.sock" ] && python3 - "$DIR/clamd.sock" <<'PY' 2>/dev/null; then
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"zPING\0")
sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
PY
    echo "READY socket=$DIR/clamd.sock tcp=127.0.0.1:$PORT"
    exit 0
  fi
  sleep 0.1
done
echo "clamd did not answer" >&2
tail -n 5 "$DIR/clamd.out" "$DIR/clamd.log" >&2 2>/dev/null || true
exit 1
