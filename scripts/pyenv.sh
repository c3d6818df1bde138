#!/usr/bin/env bash
# pyenv.sh: create (or reuse) the Python reference environment of dagworker's real-model tests, a venv
# with the pinned packages of scripts/requirements-ref.txt, and print its python on the last stdout line:
#
#   py=$(bash scripts/pyenv.sh) && "$py" scripts/pyref/embed_ref.py --help
#
# The venv lives at ${DAGWORKER_PYREF_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/pyref-<hash>}, where
# <hash> is taken from the requirements file, so a change of pins makes a new venv. A finished venv holds a
# stamp; one without it (an interrupted install) is made again. Everything but the python path goes to stderr.
# Settings: DAGWORKER_PYREF_VENV (the venv folder), DAGWORKER_PYREF_BASE_PYTHON (default python3, >= 3.11).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
req="$repo/scripts/requirements-ref.txt"
die() { echo "pyenv.sh: error: $*" >&2; exit 1; }

[ -f "$req" ] || die "missing $req"
hash="$(sha256sum "$req" | cut -c1-12)"
venv="${DAGWORKER_PYREF_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/dagworker/pyref-$hash}"
stamp="$venv/.dagworker-pyref"

mkdir -p "$(dirname "$venv")"
# one run at a time per venv: two would race on creating it
if command -v flock >/dev/null 2>&1; then exec 9>"$venv.lock" && flock 9; fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv/bin/python"
  exit 0
fi

base="${DAGWORKER_PYREF_BASE_PYTHON:-python3}"
command -v "$base" >/dev/null 2>&1 || die "$base not found: Python 3.11 or newer is needed (apt-get install python3 python3-venv)"
"$base" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$base is $("$base" -V 2>&1): 3.11 or newer is needed"
"$base" -c 'import venv, ensurepip' 2>/dev/null || die "$base has no venv/ensurepip module (apt-get install python3-venv)"

echo "pyenv.sh: creating $venv from $req" >&2
rm -rf "$venv"
"$base" -m venv "$venv" >&2 || die "python -m venv $venv failed"
"$venv/bin/python" -m pip install --disable-pip-version-check -q --only-binary=:all: -r "$req" >&2 \
  || die "pip install -r $req failed"
"$venv/bin/python" -c 'import numpy, onnxruntime, tokenizers' >&2 || die "the new venv cannot import its packages"
echo "$hash" >"$stamp"
echo "$venv/bin/python"
