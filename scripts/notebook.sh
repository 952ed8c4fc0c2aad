#!/usr/bin/env bash
# Opens the notebooks with the project's tslab kernel: JupyterLab when installed, else the classic
# Notebook. Extra arguments go to Jupyter (e.g. --no-browser --port 8899).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JUPYTER_PATH="$ROOT/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export REPORT_SCALE="${REPORT_SCALE:-full}"
cd "$ROOT/notebooks"
extra=()
# Jupyter refuses to run as root unless told to (containers and CI machines often are root).
[[ $(id -u) == 0 ]] && extra+=(--allow-root)
if jupyter lab --version >/dev/null 2>&1; then
  exec jupyter lab --notebook-dir="$ROOT/notebooks" "${extra[@]}" "$@"
fi
exec jupyter notebook --notebook-dir="$ROOT/notebooks" "${extra[@]}" "$@"
