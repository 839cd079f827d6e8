#!/usr/bin/env bash
# Recomputes fixtures/reference/minilm-reference.json with Python onnxruntime in a private virtualenv.
# Usage: bench/verify/reference.sh [MODEL_DIR] [OUT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model_dir=${1:-${PAPER_ATLAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/paper-atlas}/models/Xenova/all-MiniLM-L6-v2}
out=${2:-$root/fixtures/reference/minilm-reference.json}
venv=${PAPER_ATLAS_VENV:-$root/.cache/venv-verify}
pins="onnxruntime==1.20.1 tokenizers==0.21.0 numpy==2.2.1"
# The marker is written only after the install succeeded: a half-built venv is built anew.
if [ "$(cat "$venv/.paper-atlas-complete" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins
  printf '%s' "$pins" > "$venv/.paper-atlas-complete"
fi
mkdir -p "$(dirname "$out")"
"$venv/bin/python" "$here/reference_embeddings.py" "$model_dir" "$root/fixtures/corpus/regularized-optimization.json" "$out"
