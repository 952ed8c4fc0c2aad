#!/usr/bin/env bash
# Opens the notebooks in JupyterLab (the project's .venv, made by scripts/setup.sh) with the
# project's tslab kernel. JupyterLab serves the project folder and opens its file browser in
# notebooks/, so reports/notebooks/ (the executed copies of `npm run report`) is one click away
# (the folder icon above the file list, then reports/). Extra arguments go to JupyterLab
# (e.g. --no-browser --port 8899).
# The scale comes from REPORT_SCALE (default: the report's full scale); every notebook's first
# cell says which scale it runs at and what that costs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JUPYTER_PATH="$ROOT/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
JUPYTER="$ROOT/.venv/bin/jupyter"
if [[ ! -x "$JUPYTER" ]]; then
  echo "notebook: $ROOT/.venv has no Jupyter: run 'bash scripts/setup.sh' first (npm run notebook does)." >&2
  exit 1
fi
echo "notebook: scale '${REPORT_SCALE:-full}' (REPORT_SCALE=smoke npm run notebook for small, quick runs); kernel 'TypeScript (tslab)'" >&2
extra=()
# Jupyter refuses to run as root unless told to (containers and CI machines often are root).
[[ $(id -u) == 0 ]] && extra+=(--allow-root)
cd "$ROOT"
exec "$JUPYTER" lab --ServerApp.root_dir="$ROOT" --LabApp.default_url=/lab/tree/notebooks \
  --MappingKernelManager.default_kernel_name=tslab "${extra[@]}" "$@"
