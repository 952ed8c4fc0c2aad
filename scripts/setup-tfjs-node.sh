#!/usr/bin/env bash
# Makes @tensorflow/tfjs-node load from registry packages only (called by scripts/setup.sh after npm ci).
#
# tfjs-node 4.22's own install script downloads libtensorflow 2.9.1 from Google's storage, which
# answers 403 to everyone (tensorflow/tfjs issue 8742), so package.json's allowScripts denies that
# script and this one does its work from PyPI instead:
#   1. downloads the pinned tensorflow-cpu wheel (pip download, no install, cached), which carries
#      TensorFlow's C API as tensorflow/libtensorflow_cc.so.2 + libtensorflow_framework.so.2 and its
#      headers under tensorflow/include;
#   2. lays them out in node_modules/@tensorflow/tfjs-node/deps/{lib,include} as tfjs-node's
#      binding.gyp expects (-ltensorflow -ltensorflow_framework, rpath $ORIGIN/../../deps/lib) with the
#      deps/lib/libtensorflow.so.2.9.1 marker its scripts/install.js checks;
#   3. builds the N-API binding from source with the node-gyp bundled with npm and Node's installed
#      headers (no download), or reuses the one built before (cached by versions);
#   4. checks that require('@tensorflow/tfjs-node') gives the 'tensorflow' backend.
# Idempotent: a stamp in deps/ records the versions; a second run does nothing.
# Where it cannot (not Linux x86-64, no compiler, no pip, PyPI unreachable) it prints ONE line saying
# why and how to fix it, and exits 0: the code then uses the wasm backend.
# Environment: FMNIST_SKIP_TFJS_NODE=1 skips this step; FMNIST_TFJS_NODE_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/fmnist-cluster/tfjs-node, shared by checkouts) holds the wheel, the
# extracted library and the built binding.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# --- pinned versions ------------------------------------------------------------------------
TFJS_NODE_VERSION=4.22.0
TF_VERSION=2.15.1                   # tensorflow-cpu wheel: C API the 4.22 binding compiles and runs against
TF_WHEEL_PYTHON=3.11                # any CPython tag of that release; only its shared libraries are used
TF_WHEEL_PLATFORM=manylinux_2_17_x86_64
NAPI_BUILD_VERSION=8                # highest N-API version in tfjs-node's package.json binary.napi_versions

PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
CACHE="${FMNIST_TFJS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fmnist-cluster/tfjs-node}"
STAMP_TEXT="tfjs-node $TFJS_NODE_VERSION, tensorflow-cpu $TF_VERSION, napi $NAPI_BUILD_VERSION"
STAMP="$PKG/deps/.fmnist-cluster-stamp"
MODULE_DIR="$PKG/lib/napi-v$NAPI_BUILD_VERSION"

say() { printf 'setup: %s\n' "$*" >&2; }
# One line, then success: setup goes on and the code falls back to the wasm backend.
fallback() { say "tfjs-node not available ($1) -> the wasm backend will be used. $2"; exit 0; }
# shellcheck source=node-gyp-env.sh
source "$ROOT/scripts/node-gyp-env.sh"

[[ "${FMNIST_SKIP_TFJS_NODE:-0}" == 1 ]] && exit 0

# --- 0. preconditions ---------------------------------------------------------------------
if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  fallback "PyPI's tensorflow-cpu libraries are used on Linux x86-64 only, this is $(uname -s) $(uname -m)" \
    "Elsewhere put libtensorflow ${TFJS_NODE_VERSION%%.*}.x in $PKG/deps (see its README) and run 'npm rebuild @tensorflow/tfjs-node'."
fi
if [[ ! -f "$PKG/package.json" ]]; then
  fallback "npm did not install @tensorflow/tfjs-node" "Run 'npm ci' (it is an optionalDependency), then rerun bash scripts/setup.sh."
fi
installed=$(node -p "require('$PKG/package.json').version")
if [[ "$installed" != "$TFJS_NODE_VERSION" ]]; then
  fallback "installed @tensorflow/tfjs-node is $installed, this script is pinned to $TFJS_NODE_VERSION" "Run 'npm ci' to get the version in package-lock.json."
fi
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_TEXT" && -f "$MODULE_DIR/tfjs_binding.node" ]]; then
  exit 0 # done before, with the same versions
fi

# Checks that tfjs-node loads and runs on its native backend, in a fresh process.
verify() {
  (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
    const tf = require('@tensorflow/tfjs-node');
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
    const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])).dataSync();
    if (y.join() !== '1,2,3,4') throw new Error('wrong matMul: ' + y.join());
  ") 2>&1 | tail -3
  return "${PIPESTATUS[0]}"
}

mkdir -p "$CACHE"

# --- 1. the tensorflow-cpu wheel ------------------------------------------------------------
LIBDIR="$CACHE/libtensorflow-$TF_VERSION"
if [[ ! -f "$LIBDIR/.complete" ]]; then
  wheel=$(ls "$CACHE"/wheels/tensorflow_cpu-"$TF_VERSION"-*.whl 2>/dev/null | head -1 || true)
  if [[ -z "$wheel" ]]; then
    PY=""
    for p in python3 /usr/bin/python3 python; do
      if command -v "$p" >/dev/null 2>&1 && "$p" -m pip --version >/dev/null 2>&1; then PY="$p"; break; fi
    done
    [[ -n "$PY" ]] || fallback "no python with pip to download the tensorflow-cpu wheel from PyPI" "Install pip (apt-get install python3-pip) and rerun bash scripts/setup.sh."
    say "downloading tensorflow-cpu==$TF_VERSION from PyPI (about 230 MB, once; only its C library is used)"
    mkdir -p "$CACHE/wheels"
    if ! "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version "$TF_WHEEL_PYTHON" --platform "$TF_WHEEL_PLATFORM" \
        -d "$CACHE/wheels" "tensorflow-cpu==$TF_VERSION" >"$CACHE/pip.log" 2>&1; then
      fallback "pip could not download tensorflow-cpu==$TF_VERSION, see $CACHE/pip.log" "Check access to PyPI and rerun bash scripts/setup.sh."
    fi
    rm -f "$CACHE/pip.log"
    wheel=$(ls "$CACHE"/wheels/tensorflow_cpu-"$TF_VERSION"-*.whl | head -1)
  fi
  # Extract the two libraries and the C API headers (tensorflow/c, its tstring and tsl includes).
  tmp="$LIBDIR.tmp-$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! "${PY:-python3}" - "$wheel" "$tmp" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
inc = "tensorflow/include/"
keep = ("tensorflow/c/", "tensorflow/core/platform/", "tsl/c/", "tsl/platform/", "xla/tsl/c/", "xla/tsl/platform/")
found = set()
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name in libs:
            dest = os.path.join(out, "lib", os.path.basename(name))
            found.add(name)
        elif name.startswith(inc) and name.endswith(".h") and name[len(inc):].startswith(keep):
            dest = os.path.join(out, "include", name[len(inc):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.chmod(dest, 0o755 if dest.endswith(".2") else 0o644)
missing = libs - found
if missing:
    sys.exit(f"{wheel} has no {', '.join(sorted(missing))}")
PY
  then
    rm -rf "$tmp"
    fallback "the tensorflow-cpu wheel could not be unpacked" "Delete $CACHE/wheels and rerun bash scripts/setup.sh."
  fi
  touch "$tmp/.complete"
  rm -rf "$LIBDIR"
  mv "$tmp" "$LIBDIR"
fi

# --- 2. deps/ as tfjs-node's binding.gyp and install.js expect --------------------------------
# Hard links when the cache is on the same file system (no extra 600 MB), else copies.
place() { ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }
rm -rf "$PKG/deps"
mkdir -p "$PKG/deps/lib"
place "$LIBDIR/lib/libtensorflow_cc.so.2" "$PKG/deps/lib/libtensorflow_cc.so.2"
place "$LIBDIR/lib/libtensorflow_framework.so.2" "$PKG/deps/lib/libtensorflow_framework.so.2"
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"                 # -ltensorflow (link time)
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so" # -ltensorflow_framework
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2.9.1"           # install.js: "already downloaded"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so.2.9.1"
cp -r "$LIBDIR/include" "$PKG/deps/include"

# --- 3. the binding ---------------------------------------------------------------------------
BUILT="$CACHE/binding-tfjs-node-$TFJS_NODE_VERSION-tf-$TF_VERSION-napi-$NAPI_BUILD_VERSION/tfjs_binding.node"
mkdir -p "$MODULE_DIR"
if [[ -f "$BUILT" ]]; then
  cp -f "$BUILT" "$MODULE_DIR/tfjs_binding.node"
else
  find_node_gyp g++ make python3
  say "building @tensorflow/tfjs-node's binding against TensorFlow $TF_VERSION (node-gyp, about a minute, once)"
  log="$CACHE/build-$$.log"
  if ! (cd "$PKG" && node "$NODE_GYP" rebuild --nodedir="$NODEDIR" --jobs=2 \
          --module_name=tfjs_binding --module_path="$MODULE_DIR" --napi_build_version="$NAPI_BUILD_VERSION" >"$log" 2>&1); then
    rm -rf "$MODULE_DIR"
    fallback "the binding did not compile (log: $log)" "Read the log; a compiler (g++) and Node's headers are needed."
  fi
  rm -f "$log"
  rm -rf "$PKG/build"
  mkdir -p "$(dirname "$BUILT")"
  cp -f "$MODULE_DIR/tfjs_binding.node" "$BUILT.tmp-$$" && mv "$BUILT.tmp-$$" "$BUILT"
fi

# --- 4. check -----------------------------------------------------------------------------------
if ! out=$(verify); then
  rm -rf "$MODULE_DIR" # so that require() fails fast and the wasm backend is chosen
  fallback "the built binding does not load: $(printf '%s' "$out" | tr '\n' ' ')" "Delete $CACHE and rerun bash scripts/setup.sh."
fi
printf '%s' "$STAMP_TEXT" > "$STAMP"
say "tfjs-node $TFJS_NODE_VERSION loads with TensorFlow $TF_VERSION's C library from PyPI (backend 'tensorflow')"
