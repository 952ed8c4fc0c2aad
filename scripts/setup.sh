#!/usr/bin/env bash
# Installs everything the project needs, idempotently, and says exactly what to do where it can't:
#   1. npm packages (npm ci when node_modules is missing or older than package-lock.json)
#   2. Debian packages: the Fashion-MNIST dataset, scikit-learn and PyTorch (reference values and
#      benchmark twins), Chromium (browser tests), g++/make (tfjs-node's binding), python3-venv
#      where the Python lacks venv
#   3. the project-local Python virtual environment .venv from PyPI: JupyterLab 4, Notebook 7,
#      nbclient/nbconvert, plotly's notebook renderer, umap-learn, nbstripout (pins: requirements.txt +
#      constraints.txt), and our nbconvert template python/fmnist_nbconvert (HTML exports that draw
#      offline, the default of JupyterLab's File → Save and Export Notebook As → HTML); then tfjs-node's native backend built against PyPI's tensorflow-cpu
#      (scripts/setup-tfjs-node.sh; where it cannot, one line says why and wasm is used), and the
#      project's compiled kernels (scripts/setup-native.sh, native/; else their TypeScript twins)
#   4. the tslab kernel, registered in the project-local folder .jupyter/ (JUPYTER_PATH points
#      there in our scripts), so nothing outside the project is touched.
#   5. the package's link to itself (node_modules/fmnist-cluster), and nbstripout as the git filter
#      of *.ipynb (scripts/setup-git-filter.sh): outputs never reach git.
# Environment: FMNIST_SKIP_APT=1 skips step 2 (you manage system packages yourself);
#              FMNIST_PYTHON=/path/to/python3 chooses the Python that creates .venv (>= 3.9).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. npm packages ---------------------------------------------------------------------
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json || package.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  # @tensorflow/tfjs-node is installed without its own install script (allowScripts: its download of
  # libtensorflow answers 403); step 3 builds it from PyPI's tensorflow-cpu, or the code uses wasm.
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# --- 2. Debian packages --------------------------------------------------------------------
APT_PACKAGES=(dataset-fashion-mnist python3-sklearn chromium python3-torch g++ make)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
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
      say "not a Debian system: install Chromium (for the browser tests), scikit-learn (for fixtures),"
      say "and put the four Fashion-MNIST files in ./data"
      say "(npm run data) or point FASHION_MNIST_DIR at them; then rerun with FMNIST_SKIP_APT=1."
    fi
    exit 1
  fi
fi

# --- 3. Python virtual environment (.venv) from PyPI ------------------------------------------
# Installed (incrementally) only when requirements.txt, constraints.txt or python/ change (their hash is stamped in .venv).
VENV="$ROOT/.venv"
PY_STAMP="$( { cat requirements.txt constraints.txt; find python -type f ! -path '*/build/*' ! -path '*.egg-info*' ! -path '*__pycache__*' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)"
if [[ "$(cat "$VENV/.fmnist-stamp" 2>/dev/null)" != "$PY_STAMP" ]]; then
  BASE_PY="${FMNIST_PYTHON:-$(command -v python3 || true)}"
  [[ -n "$BASE_PY" ]] || { say "no python3 found: install Python >= 3.9 (or set FMNIST_PYTHON) and rerun"; exit 1; }
  if ! "$BASE_PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [[ "$BASE_PY" == /usr/bin/python3 ]] && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 && "${FMNIST_SKIP_APT:-0}" != 1 ]]; then
      say "installing python3-venv (Debian's Python lacks venv)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
    else
      say "$BASE_PY cannot create virtual environments: install its venv module (Debian: apt-get install python3-venv) or set FMNIST_PYTHON"
      exit 1
    fi
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating the Python environment .venv (JupyterLab, nbclient, nbconvert, plotly, umap-learn; pinned)"
    "$BASE_PY" -m venv "$VENV"
  else
    say "updating the Python environment .venv to requirements.txt / constraints.txt"
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r requirements.txt -c constraints.txt >&2 \
    || { say "pip could not install requirements.txt (no access to PyPI?). Fix that, or see environment.md for using your own JupyterLab"; exit 1; }
  # Our nbconvert template and its Jupyter config (no dependencies of its own beyond nbconvert),
  # built with the pinned setuptools of requirements.txt (no build isolation: nothing unpinned).
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input --no-build-isolation --no-deps --force-reinstall ./python/fmnist_nbconvert >&2 \
    || { say "pip could not install python/fmnist_nbconvert (the HTML export template)"; exit 1; }
  rm -rf python/fmnist_nbconvert/build python/fmnist_nbconvert/*.egg-info
  printf '%s\n' "$PY_STAMP" > "$VENV/.fmnist-stamp"
fi

bash "$ROOT/scripts/setup-tfjs-node.sh" # tfjs-node's native backend from PyPI's tensorflow-cpu; else one line why, and wasm
bash "$ROOT/scripts/setup-native.sh"     # our compiled kernels (native/); else one line why, and their TypeScript twins

# --- 4. tslab kernel ---------------------------------------------------------------------------
# A project-local kernel spec (argv uses absolute paths of this checkout's node and tslab), so the
# kernel runs this project's pinned tslab; scripts/tslab-preload.cjs adds the restart hint and
# message-first errors (src/notebook/kernel-hints.ts). JUPYTER_PATH=$ROOT/.jupyter makes Jupyter find it.
KERNEL_DIR="$ROOT/.jupyter/kernels/tslab"
NODE_BIN="$(command -v node)"
SPEC=$(cat <<JSON
{
  "argv": ["$NODE_BIN", "--require", "$ROOT/scripts/tslab-preload.cjs", "$ROOT/node_modules/tslab/bin/tslab", "kernel", "--config-path", "{connection_file}"],
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

# plotly.js for figures in the classic Notebook (JupyterLab / Notebook 7 use plotly's renderer);
# its server serves <JUPYTER_PATH>/nbextensions/ and our notebooks' loader fetches it from there.
PLOTLY_JS="$ROOT/node_modules/plotly.js-dist-min/plotly.min.js"
NBEXT="$ROOT/.jupyter/nbextensions/fmnist-cluster"
if [[ -f "$PLOTLY_JS" ]] && ! cmp -s "$PLOTLY_JS" "$NBEXT/plotly.min.js"; then
  mkdir -p "$NBEXT" && cp "$PLOTLY_JS" "$NBEXT/plotly.min.js.tmp" && mv "$NBEXT/plotly.min.js.tmp" "$NBEXT/plotly.min.js"
fi

# --- 5. the package links to itself ----------------------------------------------------------
# Notebooks import the compiled package by name (`import { ... } from 'fmnist-cluster'`), which
# resolves through this link to dist/ (built by `npm run build`) from any folder of the project:
# tslab confines TypeScript's rootDir to the notebook's folder, so `../src` imports can't work.
if [[ "$(readlink node_modules/fmnist-cluster 2>/dev/null)" != ".." ]]; then
  ln -sfn .. node_modules/fmnist-cluster
fi

# --- 6. notebooks stay clean in git -------------------------------------------------------------
bash "$ROOT/scripts/setup-git-filter.sh"
