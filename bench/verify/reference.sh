#!/usr/bin/env bash
# Recomputes fixtures/reference/minilm-reference.json with Python onnxruntime in a private virtualenv.
# Usage: bench/verify/reference.sh [MODEL_DIR] [OUT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model_dir=${1:-${PAPER_ATLAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/paper-atlas}/models/Xenova/all-MiniLM-L6-v2}
out=${2:-$root/fixtures/reference/minilm-reference.json}
venv=${PAPER_ATLAS_VENV:-$root/.cache/venv-verify}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet onnxruntime==1.20.1 tokenizers==0.21.0 numpy==2.2.1
fi
mkdir -p "$(dirname "$out")"
"$venv/bin/python" "$here/reference_embeddings.py" "$model_dir" "$root/fixtures/corpus/regularized-optimization.json" "$out"
