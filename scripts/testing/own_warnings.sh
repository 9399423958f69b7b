#!/usr/bin/env bash
# own_warnings.sh BUILD_LOG: prints the compiler warnings of a `swift build` log that are Airlock's own (a location
# under this checkout's Sources/ or Tests/, or a macro expansion whose code originates there) and exits 1 if there is
# any. Warnings in dependencies (.build/checkouts) and SwiftPM's own notices are not ours and pass.
# The log must come from a build that compiled our targets afresh (scripts/test touches every source file first, for
# its debug build and for the release build scripts/release then makes and checks): an incremental build prints
# warnings only for the files it recompiles.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
found=$(awk -v root="$ROOT/" '
  function ours(path) { return index(path, root "Sources/") == 1 || index(path, root "Tests/") == 1 }
  /: warning: / {
    pending = ""
    if (ours($0)) { print; next }
    if ($0 ~ /^macro expansion /) pending = $0
    next
  }
  pending != "" && /expanded code originates here/ {
    line = $0; sub(/^[^\/]*/, "", line)
    if (ours(line)) print pending " (" line ")"
    pending = ""
  }
' "${1:?usage: own_warnings.sh BUILD_LOG}" | sort -u)
if [ -n "$found" ]; then
  echo "$found"
  echo "own_warnings: $(wc -l <<<"$found") compiler warning(s) in Sources/ or Tests/: fix them" >&2
  exit 1
fi
echo "own_warnings: no compiler warnings in Sources/ or Tests/"
