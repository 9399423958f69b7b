#!/usr/bin/env bash
# Installs (or upgrades) Airlock from an unpacked release tarball.
#
#   sudo ./install.sh [--config FILE] [--prefix DIR] [--no-systemd] [--no-user] [--no-start]
#
#   --config FILE  the configuration to install (default: keep the installed one, or install config/airlock.yaml)
#   --prefix DIR   install under DIR instead of / (DIR/usr/local/bin, DIR/etc/airlock, DIR/var/lib/airlock)
#   --no-systemd   do not install, enable or start the systemd units
#   --no-user      do not create the `airlock` service user and group
#   --no-start     install and enable the units, but do not start or restart them
#
# With --prefix DIR --no-systemd --no-user it touches nothing outside DIR.
#
# What it does, in order: checks the runtime libraries (libmagic, libclamav, libcurl, zlib; clamd is optional),
# creates the service user, installs the binary, writes the configuration atomically (temporary file + rename,
# mode 0640, owner root:airlock), validates it with `airlock config check`, and only then installs and enables the
# systemd units. It is idempotent: files that are already identical are left alone. Any failure after the first
# change rolls every change back (files restored, created files and directories removed, a created user deleted).
#
# Exit status: 0 installed (or already up to date), 1 failed and rolled back, 2 usage error, 3 prerequisites
# missing (nothing was changed).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=""
CONFIG_SOURCE=""
SYSTEMD=1
CREATE_USER=1
START=1
SERVICE_USER=airlock

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
die_usage() { echo "install.sh: $1" >&2; usage >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die_usage "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#*=}; shift ;;
    --config) [ $# -ge 2 ] || die_usage "--config needs a file"; CONFIG_SOURCE=$2; shift 2 ;;
    --config=*) CONFIG_SOURCE=${1#*=}; shift ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --no-user) CREATE_USER=0; shift ;;
    --no-start) START=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown option: $1" ;;
  esac
done

if [ -n "$PREFIX" ]; then
  mkdir -p -- "$PREFIX" 2>/dev/null || die_usage "cannot create the prefix $PREFIX"
  PREFIX=$(cd "$PREFIX" && pwd)
  [ "$PREFIX" = / ] && PREFIX=""
fi
if [ -n "$CONFIG_SOURCE" ]; then
  [ -r "$CONFIG_SOURCE" ] || die_usage "cannot read the configuration $CONFIG_SOURCE"
  CONFIG_SOURCE=$(cd "$(dirname "$CONFIG_SOURCE")" && pwd)/$(basename "$CONFIG_SOURCE")
fi

NEW_BINARY=$HERE/bin/airlock
BIN_DIR=$PREFIX/usr/local/bin
ETC_DIR=$PREFIX/etc/airlock
STATE_DIR=$PREFIX/var/lib/airlock
UNIT_DIR=$PREFIX/etc/systemd/system
BINARY=$BIN_DIR/airlock
CONFIG=$ETC_DIR/airlock.yaml
ENV_FILE=$ETC_DIR/airlock.env

log() { echo "install.sh: $*"; }
fail_now() { echo "install.sh: $*" >&2; }

# ---- Prerequisites (nothing changes before they hold) -------------------------------------------------------------
[ -x "$NEW_BINARY" ] || { fail_now "no bin/airlock next to install.sh: run it from the unpacked release"; exit 3; }
for file in config/airlock.yaml systemd/airlock-api.service systemd/airlock-worker.service; do
  [ -f "$HERE/$file" ] || { fail_now "the release is incomplete: $file is missing"; exit 3; }
done
missing=$(ldd "$NEW_BINARY" 2>/dev/null | awk '/not found/ {print $1}')
if [ -n "$missing" ]; then
  fail_now "runtime libraries are missing: $(echo $missing)"
  fail_now "on Debian/Ubuntu: apt-get install libmagic1 libclamav12 libcurl4 zlib1g ca-certificates (libclamav11 on older releases)"
  exit 3
fi
if ! "$NEW_BINARY" --version >/dev/null 2>&1; then
  fail_now "bin/airlock does not run on this machine (wrong architecture?)"
  exit 3
fi
VERSION=$("$NEW_BINARY" --version)
if ! command -v clamd >/dev/null 2>&1 && [ ! -x /usr/sbin/clamd ]; then
  log "note: clamd is not installed; that is fine with scanner.engine: libclamav (the default)"
fi
if [ ! -d /var/lib/clamav ] || ! ls /var/lib/clamav/*.c[lv]d >/dev/null 2>&1; then
  log "note: no signature database in /var/lib/clamav yet: run freshclam (package clamav-freshclam) before starting"
fi
if [ "$CREATE_USER" = 1 ] || [ "$SYSTEMD" = 1 ]; then
  [ "$(id -u)" = 0 ] || { fail_now "creating the service user and installing units needs root (or --no-user --no-systemd --prefix DIR)"; exit 3; }
fi
if [ "$SYSTEMD" = 1 ] && [ -z "$PREFIX" ] && ! command -v systemctl >/dev/null 2>&1; then
  fail_now "systemctl not found: use --no-systemd"
  exit 3
fi

# ---- The journal: every change is recorded so that a failure can undo it ------------------------------------------
JOURNAL=()          # entries: "file:PATH:BACKUP" (BACKUP empty when PATH was created), "dir:PATH", "user:NAME"
# Backups of replaced files live beside the install (under the prefix), so that --prefix touches nothing outside it.
BACKUPS=$(mktemp -d "${PREFIX:-${TMPDIR:-/tmp}}/.airlock-install.XXXXXX") || { fail_now "cannot create a temporary directory"; exit 1; }
CHANGED=0
UNITS_CHANGED=0
trap 'rm -rf "$BACKUPS"' EXIT

rollback() {
  local i entry kind rest path backup
  for ((i = ${#JOURNAL[@]} - 1; i >= 0; i--)); do
    entry=${JOURNAL[$i]}
    kind=${entry%%:*}
    rest=${entry#*:}
    case $kind in
      file)
        path=${rest%:*}; backup=${rest##*:}
        if [ -n "$backup" ]; then mv -f -- "$backup" "$path"; else rm -f -- "$path"; fi ;;
      dir) rmdir -- "$rest" 2>/dev/null || true ;;
      user) userdel "$rest" >/dev/null 2>&1 || true; groupdel "$rest" >/dev/null 2>&1 || true ;;
    esac
  done
  if [ "$UNITS_CHANGED" = 1 ] && [ -z "$PREFIX" ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
    systemctl try-restart airlock-api.service airlock-worker.service >/dev/null 2>&1 || true
  fi
}

fail() {
  fail_now "$1"
  rollback
  fail_now "nothing was changed: every step was rolled back"
  exit 1
}

make_dir() {  # make_dir DIR MODE: creates DIR and its missing parents, journaled
  local dir=$1 mode=$2 missing_dirs=() d=$1
  while [ ! -d "$d" ]; do missing_dirs=("$d" "${missing_dirs[@]}"); d=$(dirname "$d"); done
  for d in "${missing_dirs[@]}"; do
    mkdir -m 0755 -- "$d" || fail "cannot create $d"
    JOURNAL+=("dir:$d")
    CHANGED=1
  done
  [ ${#missing_dirs[@]} -eq 0 ] || chmod "$mode" "$dir" || fail "cannot set the mode of $dir"
}

# put_file SOURCE TARGET MODE [GROUP]: atomic (temporary file in TARGET's directory, then rename); a replaced file is
# kept until the install succeeds. Identical content and mode: nothing happens.
put_file() {
  local source=$1 target=$2 mode=$3 group=${4:-} temporary backup=""
  if [ -f "$target" ] && cmp -s "$source" "$target" && [ "$(stat -c %a "$target")" = "${mode#0}" ]; then
    return 0
  fi
  temporary=$(mktemp "$(dirname "$target")/.$(basename "$target").XXXXXX") || fail "cannot write in $(dirname "$target")"
  cat -- "$source" >"$temporary" && chmod "$mode" "$temporary" || { rm -f -- "$temporary"; fail "cannot write $target"; }
  if [ -n "$group" ]; then chown "root:$group" "$temporary" || { rm -f -- "$temporary"; fail "cannot set the owner of $target"; }; fi
  sync -- "$temporary" 2>/dev/null || true
  if [ -e "$target" ]; then
    backup=$BACKUPS/${#JOURNAL[@]}
    cp -p -- "$target" "$backup" || { rm -f -- "$temporary"; fail "cannot back up $target"; }
  fi
  mv -f -- "$temporary" "$target" || { rm -f -- "$temporary"; fail "cannot replace $target"; }
  JOURNAL+=("file:$target:$backup")
  CHANGED=1
  log "installed $target"
}

# ---- Install ------------------------------------------------------------------------------------------------------
log "installing Airlock $VERSION${PREFIX:+ under $PREFIX}"

GROUP=""
if [ "$CREATE_USER" = 1 ]; then
  if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/airlock --no-create-home --shell /usr/sbin/nologin \
      --comment "Airlock upload scanner" "$SERVICE_USER" || fail "cannot create the user $SERVICE_USER"
    JOURNAL+=("user:$SERVICE_USER")
    CHANGED=1
    log "created the system user $SERVICE_USER"
  fi
fi
if [ "$(id -u)" = 0 ] && getent group "$SERVICE_USER" >/dev/null 2>&1; then GROUP=$SERVICE_USER; fi

make_dir "$BIN_DIR" 0755
make_dir "$ETC_DIR" 0750
make_dir "$STATE_DIR" 0750
if [ -n "$GROUP" ]; then
  chown "root:$GROUP" "$ETC_DIR" && chown "$SERVICE_USER:$GROUP" "$STATE_DIR" || fail "cannot set the owners of $ETC_DIR and $STATE_DIR"
fi

put_file "$NEW_BINARY" "$BINARY" 0755

if [ -n "$CONFIG_SOURCE" ]; then
  put_file "$CONFIG_SOURCE" "$CONFIG" 0640 "$GROUP"
elif [ ! -e "$CONFIG" ]; then
  put_file "$HERE/config/airlock.yaml" "$CONFIG" 0640 "$GROUP"
else
  log "keeping the installed configuration $CONFIG"
fi

# Validate before enabling anything: the installed binary reads the installed file, with the secrets of airlock.env
# (which the units load), from the state directory (where relative paths such as the SQLite catalog resolve).
check_output=$(
  cd "$STATE_DIR" || exit 2
  if [ -r "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi
  "$BINARY" config check --config "$CONFIG" 2>&1
) || fail "the configuration $CONFIG does not pass \`airlock config check\`:
$(echo "$check_output" | grep -v ' = ' | sed 's/^/  /')"
log "configuration checked: $CONFIG"

if [ "$SYSTEMD" = 1 ]; then
  make_dir "$UNIT_DIR" 0755
  for unit in airlock-api.service airlock-worker.service; do
    rendered=$BACKUPS/$unit
    sed -e "s|/usr/local/bin/airlock|$BINARY|g" -e "s|/etc/airlock/|$ETC_DIR/|g" -e "s|/var/lib/airlock|$STATE_DIR|g" \
      "$HERE/systemd/$unit" >"$rendered" || fail "cannot render $unit"
    before=${#JOURNAL[@]}
    put_file "$rendered" "$UNIT_DIR/$unit" 0644
    [ ${#JOURNAL[@]} = "$before" ] || UNITS_CHANGED=1
  done
  if [ -z "$PREFIX" ]; then
    if [ "$UNITS_CHANGED" = 1 ]; then systemctl daemon-reload || fail "systemctl daemon-reload failed"; fi
    systemctl enable airlock-api.service >/dev/null || fail "cannot enable airlock-api.service"
    if [ "$START" = 1 ]; then
      if systemctl is-active --quiet airlock-api.service; then
        [ "$CHANGED" = 0 ] || systemctl restart airlock-api.service || fail "airlock-api.service does not restart"
      else
        systemctl start airlock-api.service || fail "airlock-api.service does not start (journalctl -u airlock-api)"
      fi
      if systemctl is-active --quiet airlock-worker.service && [ "$CHANGED" = 1 ]; then
        systemctl restart airlock-worker.service || fail "airlock-worker.service does not restart"
      fi
    fi
  fi
fi

if [ "$CHANGED" = 0 ]; then
  log "Airlock $VERSION is already installed; nothing changed"
else
  log "Airlock $VERSION installed: $BINARY, configuration $CONFIG, state $STATE_DIR"
  [ "$SYSTEMD" = 0 ] || log "units: airlock-api.service (enabled); airlock-worker.service for worker.enabled: false setups"
fi
exit 0
