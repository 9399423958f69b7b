#!/usr/bin/env bash
# Start a throwaway single-node Ceph RGW (S3) on loopback for Airlock's tests and local runs.
#
# One monitor, one memstore OSD (objects live in RAM and vanish on stop), one radosgw with the beast frontend; no
# manager, no cephx between daemons (S3 SigV4 checking in radosgw is unaffected). Everything lives under $AIRLOCK_RGW_DIR
# and is wiped on every start. Debian packages: radosgw ceph-mon ceph-osd (scripts/install-deps installs them).
#
# env: AIRLOCK_RGW_DIR (default ${TMPDIR:-/tmp}/airlock-rgw), AIRLOCK_RGW_PORT (7480), AIRLOCK_RGW_MON_PORT (13300),
#      AIRLOCK_RGW_ACCESS_KEY, AIRLOCK_RGW_SECRET_KEY, AIRLOCK_RGW_OTHER_ACCESS_KEY, AIRLOCK_RGW_OTHER_SECRET_KEY
# The radosgw process alone can be restarted (data lives in the OSD): scripts/ceph-rgw/restart-rgw.sh.
# prints: READY endpoint=... on success; exits non-zero with the daemons' log tails otherwise.
set -euo pipefail
DIR=${AIRLOCK_RGW_DIR:-${TMPDIR:-/tmp}/airlock-rgw}
PORT=${AIRLOCK_RGW_PORT:-7480}
MON_PORT=${AIRLOCK_RGW_MON_PORT:-13300}
ACCESS_KEY=${AIRLOCK_RGW_ACCESS_KEY:-AKIAIOSFODNN7EXAMPLE}
SECRET_KEY=${AIRLOCK_RGW_SECRET_KEY:-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}
CONF=$DIR/ceph.conf
HERE=$(cd "$(dirname "$0")" && pwd)

fail() {
  echo "ceph-rgw: $*" >&2
  for log in "$DIR"/log/*; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 8 "$log" >&2; }; done
  "$HERE/stop.sh" >/dev/null 2>&1 || true
  exit 1
}
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
# Run a daemon in the foreground of its own session and record its pid.
launch() { local name=$1; shift; setsid nohup "$@" -f >"$DIR/log/$name.out" 2>&1 </dev/null & echo $! >"$DIR/run/$name.pid"; }
wait_for() { local what=$1 tries=$2; shift 2; for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.5; done; fail "$what"; }

for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool ceph curl; do
  command -v "$bin" >/dev/null || { echo "ceph-rgw: '$bin' not found; run scripts/install-deps" >&2; exit 1; }
done
for name in rgw osd mon; do
  if [ -f "$DIR/run/$name.pid" ] && running "$(cat "$DIR/run/$name.pid")"; then
    echo "ceph-rgw: already running under $DIR (scripts/ceph-rgw/stop.sh first)" >&2; exit 1
  fi
done
rm -rf "$DIR"
mkdir -p "$DIR"/{mon/a,osd/0,run,log,rgw,crash}
FSID=$(cat /proc/sys/kernel/random/uuid)
MON_ADDR="[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$((MON_PORT + 1))]"

cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = $MON_ADDR
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
# with auth none the messenger must not insist on secure mode
ms mon client mode = crc
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
keyring = $DIR/keyring
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 2
mon data avail crit = 1
# fast pool creation: radosgw creates several pools on first start
paxos propose interval = 0.05
paxos min wait = 0.01
[mon]
mon data = $DIR/mon/\$id
[osd]
osd data = $DIR/osd/\$id
osd objectstore = memstore
memstore device bytes = 4294967296
osd crush update on start = true
[client.rgw.airlock]
# tcp_nodelay: without it small responses wait for delayed ACKs (~50 ms)
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $DIR/rgw
ms mon client mode = crc
rgw dns name =
log file = $DIR/log/rgw.log
# No metadata cache, so no cache-invalidation notifies: a restarted radosgw (outage tests) would otherwise wait
# 10-30 s on every bucket operation for the RADOS watches its killed predecessor left behind.
rgw cache enabled = false
CONF

CEPH="timeout 20 ceph -c $CONF --connect-timeout 10"
monmaptool --create --fsid "$FSID" --addv a "$MON_ADDR" "$DIR/monmap" >/dev/null
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
launch mon ceph-mon -c "$CONF" -i a
wait_for "monitor did not start" 60 bash -c "$CEPH mon stat >/dev/null 2>&1"

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
[ "$($CEPH osd new "$OSD_UUID")" = 0 ] || fail "unexpected OSD id"
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.out" 2>&1 || fail "OSD mkfs failed"
launch osd ceph-osd -c "$CONF" -i 0
wait_for "OSD did not come up" 120 bash -c "$CEPH osd stat -f json 2>/dev/null | grep -q '\"num_up_osds\":1'"

launch rgw radosgw -c "$CONF" -n client.rgw.airlock
rgw_up() {
  running "$(cat "$DIR/run/rgw.pid")" || fail "radosgw exited"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 200 ]
}
wait_for "radosgw is not answering on port $PORT" 240 rgw_up
timeout 60 radosgw-admin -c "$CONF" user create --uid=airlock --display-name=airlock \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null || fail "user creation failed"
# A second account, so tests can see AccessDenied on buckets they do not own.
timeout 60 radosgw-admin -c "$CONF" user create --uid=other --display-name=other \
  --access-key="${AIRLOCK_RGW_OTHER_ACCESS_KEY:-AKIAOTHEREXAMPLE0000}" --secret-key="${AIRLOCK_RGW_OTHER_SECRET_KEY:-otherSecretKeyForAirlockTests0000000000}" >/dev/null \
  || fail "second user creation failed"

# One real SigV4 round trip (curl signs; radosgw requires x-amz-content-sha256), which also makes radosgw create its
# bucket index and data pools now rather than during a test's first CreateBucket.
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
signed() { curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
  -H "x-amz-content-sha256: $EMPTY" "$@"; }
PROBE="http://127.0.0.1:$PORT/airlock-probe-$$"
[ "$(signed -X PUT "$PROBE")" = 200 ] || fail "signed CreateBucket failed"
[ "$(signed -X DELETE "$PROBE")" = 204 ] || fail "signed DeleteBucket failed"
echo "READY endpoint=http://127.0.0.1:$PORT access_key=$ACCESS_KEY dir=$DIR"
