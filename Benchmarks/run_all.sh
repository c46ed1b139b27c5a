#!/usr/bin/env bash
# Runs every `fuse bench` that BENCHMARKS.md reports, each beside its peer in the same run, and keeps the output.
# Usage: Benchmarks/run_all.sh [LOG_DIR]   (from the repository root, after `swift build -c release`)
# Peers: /work/venv/bin/python (torch 2.13, numpy, Pillow, transformers, sentence-transformers) and, for audio,
# /work/venv-audio/bin/python (torch 2.11 + torchaudio 2.11), and for the index /work/venv-index-sys/bin/python
# (Debian python3 -m venv; pip install faiss-cpu sqlite-vec numpy); override with FUSE_PEER_PYTHON /
# FUSE_AUDIO_PEER_PYTHON / FUSE_INDEX_PEER_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=${1:-/tmp/fuse-bench-logs}
mkdir -p "$logs"
fuse=.build/release/fuse
python=${FUSE_PEER_PYTHON:-/work/venv/bin/python}
[ -x "$fuse" ] || { echo "build first: swift build -c release" >&2; exit 1; }
[ -f /tmp/fuse-bench-images/bench_1024x768.png ] || "$python" tools/reference/image_bench_inputs.py /tmp/fuse-bench-images
[ -f /tmp/fuse-bench-audio/hour_16k_mono.wav ] || "$python" Benchmarks/peers/audio_inputs.py /tmp/fuse-bench-audio

run() {
    local name=$1; shift
    echo "== $(date -u +%H:%M:%S) fuse bench $name $*" | tee "$logs/$name.log"
    "$fuse" bench "$name" "$@" 2>&1 | tee -a "$logs/$name.log"
}
run gemm
run attention
run image /tmp/fuse-bench-images/bench_1024x768.png /tmp/fuse-bench-images/bench_1024x768.jpg
run audio /tmp/fuse-bench-audio/hour_16k_mono.wav --seconds 600
cp "$logs/audio.log" "$logs/audio-16k.log"
run audio /tmp/fuse-bench-audio/10min_44k1_stereo.wav
cp "$logs/audio.log" "$logs/audio-44k1.log"
run encoder
# Tokenizers and corpus: tools/reference/text_corpus.py and text_bench_tokenizers.py (outside the repo).
tok=${FUSE_BENCH_TOKENIZERS:-/tmp/fuse-bench}
corpus=${FUSE_BENCH_CORPUS:-/tmp/corpus40.txt}
if [ -f "$corpus" ] && [ -f "$tok/bytelevel32k.json" ]; then
    run tokenize --tokenizer "$tok/bytelevel32k.json" --file "$corpus" --peer-python "$python" --tiktoken
    cp "$logs/tokenize.log" "$logs/tokenize-bytelevel.log"
    run tokenize --tokenizer "$tok/clip.json" --file "$corpus" --peer-python "$python"
    cp "$logs/tokenize.log" "$logs/tokenize-clip.log"
    run tokenize --tokenizer "$tok/minilm.json" --file "$corpus" --peer-python "$python"
    cp "$logs/tokenize.log" "$logs/tokenize-minilm.log"
else
    echo "== tokenize skipped: make $corpus and $tok/*.json first (see docs/TEXT.md)"
fi
run fusion --groups 64 --repeats 3 --peer-python "$python"
run lens --repeats 100 --peer-python "$python"
run llm --peer-python "$python"
# faiss-cpu + sqlite-vec + numpy on a Python whose sqlite3 can load extensions (Debian's python3; see index_peers.py).
run index --peer-python "${FUSE_INDEX_PEER_PYTHON:-/work/venv-index-sys/bin/python}"
# fuse serve under wrk beside infinity-emb (its own venv: it pins transformers 4.x) or sentence-transformers + FastAPI.
if command -v wrk >/dev/null; then
    run serve --peer-python "${FUSE_SERVE_PEER_PYTHON:-$python}"
else
    echo "== serve skipped: apt-get install wrk"
fi
echo "logs in $logs"
