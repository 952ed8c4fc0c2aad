#!/usr/bin/env bash
# Keeps notebooks clean in git: registers nbstripout (pinned in requirements.txt, installed into
# .venv) as the `nbstripout` clean filter and `ipynb` diff driver that .gitattributes names for
# *.ipynb. Git then stores and diffs every notebook without outputs, execution counts or
# run-time metadata, while the file on disk keeps what the user saved.
# Usage: scripts/setup-git-filter.sh [REPO_DIR] [PYTHON]
#   REPO_DIR defaults to the project; PYTHON to `.venv/bin/python`, relative, because git runs
#   filters from the top of the working tree: every clone and worktree uses its own .venv.
# Does nothing (one line says why) outside a git checkout, e.g. in an unpacked release tarball.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="${1:-$ROOT}"
PY="${2:-.venv/bin/python}"
if ! command -v git >/dev/null 2>&1 || ! git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
  printf 'setup: %s is not a git checkout: notebooks are not stripped on commit (nothing to do)\n' "$REPO" >&2
  exit 0
fi
want_clean="$PY -m nbstripout --keep-id"
want_diff="$PY -m nbstripout --keep-id -t"
set_config() { [[ "$(git -C "$REPO" config --get "$1" 2>/dev/null)" == "$2" ]] || git -C "$REPO" config "$1" "$2"; }
set_config filter.nbstripout.clean "$want_clean"
set_config filter.nbstripout.smudge cat
set_config diff.ipynb.textconv "$want_diff"
