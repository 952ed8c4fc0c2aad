#!/usr/bin/env bash
# Installs everything the project needs, idempotently, and says exactly what to do where it can't:
#   1. npm packages (npm ci when node_modules is missing or older than package-lock.json)
#   2. Debian packages: Jupyter (notebook, nbconvert, nbclient, ipykernel), the Fashion-MNIST
#      dataset, scikit-learn (reference values), Chromium (browser test of the HTML reports)
#   3. the tslab kernel, registered in the project-local folder .jupyter/ (JUPYTER_PATH points
#      there in our scripts), so nothing outside the project is touched.
# Environment: FMNIST_SKIP_APT=1 skips step 2 (you manage system packages yourself).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. npm packages ---------------------------------------------------------------------
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  # @tensorflow/tfjs-node is optional: its install downloads libtensorflow and fails offline,
  # which npm tolerates; the code then falls back to the wasm backend.
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# --- 2. Debian packages --------------------------------------------------------------------
APT_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
              dataset-fashion-mnist python3-sklearn chromium python3-torch g++ make)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  for p in jupyter chromium; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
fi
if (( ${#missing[@]} > 0 )) && [[ "${FMNIST_SKIP_APT:-0}" != 1 ]]; then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || { say "apt-get update failed (no network?). Install by hand: apt-get install ${missing[*]}"; exit 1; }
    apt-get install -y -q "${missing[@]}" >&2
  else
    say "missing system packages: ${missing[*]}"
    if command -v apt-get >/dev/null 2>&1; then
      say "run as root: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    else
      say "not a Debian system: install Jupyter (pip install notebook nbconvert nbclient ipykernel, or jupyterlab),"
      say "Chromium (for the browser test), scikit-learn (for fixtures), and put the four Fashion-MNIST files in ./data"
      say "(npm run data) or point FASHION_MNIST_DIR at them; then rerun with FMNIST_SKIP_APT=1."
    fi
    exit 1
  fi
fi

bash "$ROOT/scripts/setup-tfjs-node.sh" # tfjs-node's native backend from PyPI's tensorflow-cpu; else one line why, and wasm

# --- 3. tslab kernel ---------------------------------------------------------------------------
# A project-local kernel spec (argv uses absolute paths of this checkout's node and tslab), so the
# kernel runs this project's pinned tslab. JUPYTER_PATH=$ROOT/.jupyter makes Jupyter find it.
KERNEL_DIR="$ROOT/.jupyter/kernels/tslab"
NODE_BIN="$(command -v node)"
SPEC=$(cat <<JSON
{
  "argv": ["$NODE_BIN", "$ROOT/node_modules/tslab/bin/tslab", "kernel", "--config-path", "{connection_file}"],
  "display_name": "TypeScript (tslab)",
  "language": "typescript"
}
JSON
)
if [[ ! -f "$KERNEL_DIR/kernel.json" ]] || [[ "$(cat "$KERNEL_DIR/kernel.json")" != "$SPEC" ]]; then
  mkdir -p "$KERNEL_DIR"
  printf '%s\n' "$SPEC" > "$KERNEL_DIR/kernel.json.tmp" && mv "$KERNEL_DIR/kernel.json.tmp" "$KERNEL_DIR/kernel.json"
  say "registered the tslab kernel in $KERNEL_DIR"
fi

# --- 4. the package links to itself ----------------------------------------------------------
# Notebooks import the compiled package by name (`import { ... } from 'fmnist-cluster'`), which
# resolves through this link to dist/ (built by `npm run build`) from any folder of the project:
# tslab confines TypeScript's rootDir to the notebook's folder, so `../src` imports can't work.
if [[ "$(readlink node_modules/fmnist-cluster 2>/dev/null)" != ".." ]]; then
  ln -sfn .. node_modules/fmnist-cluster
fi
