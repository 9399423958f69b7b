#!/usr/bin/env bash
# scripts/testing/install_test.sh TARBALL: runs the release's install.sh for real under a private prefix
# (--prefix DIR --no-systemd --no-user): a fresh install, an idempotent second run, a kept operator edit, an upgrade
# whose configuration fails `airlock config check` (must roll back to the exact previous tree), a failing first install
# (must leave nothing), usage errors, and the systemd units verified with systemd-analyze against the installed tree.
set -euo pipefail
TARBALL=${1:?usage: install_test.sh TARBALL}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local description=$1; shift
  if "$@"; then echo "ok   $description"; else echo "FAIL $description"; failures=$((failures + 1)); fi
}
tree_state() {  # every path under $1 with type, mode and content hash
  (cd "$1" && find . -printf '%y %m %p\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

tar -xzf "$TARBALL" -C "$WORK"
RELEASE=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'airlock-*')
check "the tarball holds the binary, config, units, installer and checksums" \
  test -x "$RELEASE/bin/airlock" -a -f "$RELEASE/config/airlock.yaml" -a -f "$RELEASE/systemd/airlock-api.service" \
  -a -f "$RELEASE/systemd/airlock-worker.service" -a -x "$RELEASE/install.sh" -a -f "$RELEASE/SHA256SUMS"
check "the checksums match" bash -c "cd '$RELEASE' && sha256sum --quiet -c SHA256SUMS"
check "the binary does not link the Swift runtime dynamically" bash -c "! ldd '$RELEASE/bin/airlock' | grep -q -E 'libswift|libFoundation'"
check "the tarball is named after the binary's version" bash -c \
  "[ \"\$(basename '$TARBALL')\" = \"airlock-\$('$RELEASE/bin/airlock' --version)-linux-\$(uname -m).tar.gz\" ]"

PASSWD_BEFORE=$(sha256sum /etc/passwd /etc/group)
ROOT=$WORK/root
INSTALL=("$RELEASE/install.sh" --prefix "$ROOT" --no-systemd --no-user)

# A fresh install.
check "a fresh install succeeds" "${INSTALL[@]}"
check "the binary is installed and runs" bash -c "[ \"\$('$ROOT/usr/local/bin/airlock' --version)\" = \"\$('$RELEASE/bin/airlock' --version)\" ]"
check "the configuration is mode 0640" test "$(stat -c %a "$ROOT/etc/airlock/airlock.yaml")" = 640
check "the configuration is the shipped one" cmp -s "$ROOT/etc/airlock/airlock.yaml" "$RELEASE/config/airlock.yaml"
check "the state directory is mode 0750" test "$(stat -c %a "$ROOT/var/lib/airlock")" = 750
check "no temporary files are left beside the configuration" bash -c "! ls -A '$ROOT/etc/airlock' | grep -q '^\\.'"
check "the installed configuration passes config check" bash -c "'$ROOT/usr/local/bin/airlock' config check --config '$ROOT/etc/airlock/airlock.yaml' >/dev/null"

# Idempotent: a second run changes nothing and says so.
BEFORE=$(tree_state "$ROOT")
OUTPUT=$("${INSTALL[@]}")
check "a second run succeeds and changes nothing" test "$(tree_state "$ROOT")" = "$BEFORE"
check "a second run says nothing changed" grep -q "nothing changed" <<<"$OUTPUT"

# An operator's edit of the installed configuration is kept by a plain re-run.
echo "# edited by the operator" >>"$ROOT/etc/airlock/airlock.yaml"
"${INSTALL[@]}" >/dev/null
check "a re-run keeps the operator's configuration" grep -q "edited by the operator" "$ROOT/etc/airlock/airlock.yaml"

# An upgrade with a configuration that fails the check rolls everything back: binary and configuration as before.
printf '\n# an older build\n' >>"$ROOT/usr/local/bin/airlock"   # make the installed binary differ from the release's
sed 's/^    maxScanSize: 100MiB .*/    maxScanSize: 1MiB/' "$RELEASE/config/airlock.yaml" >"$WORK/bad.yaml"
check "the bad configuration really differs" bash -c "! cmp -s '$WORK/bad.yaml' '$RELEASE/config/airlock.yaml'"
BEFORE=$(tree_state "$ROOT")
set +e
ERRORS=$("${INSTALL[@]}" --config "$WORK/bad.yaml" 2>&1 >/dev/null)
STATUS=$?
set -e
check "a failing upgrade exits 1" test "$STATUS" = 1
check "it names the failing key" grep -q "maxScanSize" <<<"$ERRORS"
check "it says it rolled back" grep -q "rolled back" <<<"$ERRORS"
check "the tree is exactly as before the failed upgrade" test "$(tree_state "$ROOT")" = "$BEFORE"

# A first install that fails leaves nothing behind, not even the prefix's subdirectories.
FRESH=$WORK/fresh
set +e
"$RELEASE/install.sh" --prefix "$FRESH" --no-systemd --no-user --config "$WORK/bad.yaml" >/dev/null 2>&1
STATUS=$?
set -e
check "a failing first install exits 1" test "$STATUS" = 1
check "a failing first install leaves the prefix empty" test -z "$(ls -A "$FRESH")"

# Usage errors and an unreadable configuration change nothing.
BEFORE=$(tree_state "$ROOT")
set +e
"${INSTALL[@]}" --bogus >/dev/null 2>&1; BOGUS=$?
"${INSTALL[@]}" --config "$WORK/missing.yaml" >/dev/null 2>&1; MISSING=$?
set -e
check "an unknown option exits 2" test "$BOGUS" = 2
check "a missing configuration exits 2" test "$MISSING" = 2
check "usage errors change nothing" test "$(tree_state "$ROOT")" = "$BEFORE"

# Units under the prefix, rewritten to its paths, verified by systemd (without enabling anything: no systemctl).
UNITS=$WORK/units
"$RELEASE/install.sh" --prefix "$UNITS" --no-user --no-start >/dev/null
check "the units are installed under the prefix" test -f "$UNITS/etc/systemd/system/airlock-api.service" -a -f "$UNITS/etc/systemd/system/airlock-worker.service"
check "the units point at the prefix's binary" grep -q "ExecStart=$UNITS/usr/local/bin/airlock serve" "$UNITS/etc/systemd/system/airlock-api.service"
if command -v systemd-analyze >/dev/null; then
  # Any output is a complaint: shown on stderr, and the check fails. (Not `tee /dev/stderr`: tee truncates what it
  # opens, and when stderr is a CI log file that wiped the log written so far.)
  check "systemd-analyze verify accepts both units" bash -c \
    "out=\$(systemd-analyze verify '$UNITS/etc/systemd/system/airlock-api.service' '$UNITS/etc/systemd/system/airlock-worker.service' 2>&1); [ -z \"\$out\" ] || { printf '%s\\n' \"\$out\" >&2; exit 1; }"
  # The shipped drop-in for a uid per inspector, as an operator installs it next to the worker unit.
  install -D -m 0644 "$RELEASE/systemd/uid-per-inspector.conf" "$UNITS/etc/systemd/system/airlock-worker.service.d/uid-per-inspector.conf"
  check "systemd-analyze verify accepts the worker with the uid-per-inspector drop-in" bash -c \
    "out=\$(systemd-analyze verify '$UNITS/etc/systemd/system/airlock-worker.service' 2>&1); [ -z \"\$out\" ] || { printf '%s\\n' \"\$out\" >&2; exit 1; }"
  rm -r "$UNITS/etc/systemd/system/airlock-worker.service.d"
fi
for setting in "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" "User=airlock" "CapabilityBoundingSet="; do
  check "the API unit sets $setting" grep -qx "$setting" "$UNITS/etc/systemd/system/airlock-api.service"
done

check "nothing outside the prefixes changed (no user, no group)" test "$(sha256sum /etc/passwd /etc/group)" = "$PASSWD_BEFORE"
check "no unit was installed system-wide" test ! -e /etc/systemd/system/airlock-api.service

if [ "$failures" -gt 0 ]; then
  echo "install test: $failures check(s) failed"
  exit 1
fi
echo "install test: all checks passed"
