#!/usr/bin/env bash
# Builds the project's compiled kernels (native/, a Node-API addon: UMAP's layout SGD on several
# threads, the Lanczos loops of its spectral initialisation) with the node-gyp bundled with npm and
# Node's installed headers (called by scripts/setup.sh). Idempotent: a stamp records the sources'
# hash and this CPU's flags (the build uses -march=native), so a second run does nothing and a
# changed source or machine rebuilds.
# Where it cannot build (no compiler, no headers), ONE line says why and how to fix it, and exits 0:
# the TypeScript twins of the kernels (same results, slower) are used. FMNIST_SKIP_NATIVE=1 skips.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/native"
OUT="$DIR/build/Release/fmnist_native.node"
say() { printf 'setup: %s\n' "$*" >&2; }
fallback() { say "compiled kernels not built ($1) -> TypeScript kernels (same results, UMAP about 3x slower). $2"; exit 0; }
# shellcheck source=node-gyp-env.sh
source "$ROOT/scripts/node-gyp-env.sh"

[[ "${FMNIST_SKIP_NATIVE:-0}" == 1 ]] && exit 0

CPU_FLAGS="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m)"
STAMP_TEXT="$(cat "$DIR/binding.gyp" "$DIR"/src/* | sha256sum | cut -c1-16) $(printf '%s' "$CPU_FLAGS" | sha256sum | cut -c1-16)"
STAMP="$DIR/build/.fmnist-stamp"
if [[ -f "$OUT" && "$(cat "$STAMP" 2>/dev/null)" == "$STAMP_TEXT" ]]; then
  exit 0
fi
find_node_gyp cc make python3

say "building the compiled kernels (native/, a few seconds)"
log="$(mktemp)"
if ! (cd "$DIR" && node "$NODE_GYP" rebuild --nodedir="$NODEDIR" --jobs=2 >"$log" 2>&1); then
  rm -f "$OUT"
  fallback "the build failed, log: $log" "Read the log; a C compiler and Node's headers are needed."
fi
if ! node -e "const k = require(process.argv[1]); if (typeof k.umapSgdEpoch !== 'function') process.exit(1)" "$OUT" >>"$log" 2>&1; then
  rm -f "$OUT"
  fallback "the built addon does not load, log: $log" "Delete native/build and rerun bash scripts/setup.sh."
fi
rm -f "$log"
printf '%s' "$STAMP_TEXT" > "$STAMP"
