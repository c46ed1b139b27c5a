#!/usr/bin/env bash
# Builds Fuse's libFuzzer targets (Fuzz/, instrumented with -sanitize=fuzzer,address) and runs one or all of them.
#
#   tools/fuzz.sh list                      the targets
#   tools/fuzz.sh build                     build only
#   tools/fuzz.sh TARGET SECONDS [ARGS…]    fuzz TARGET for SECONDS (extra ARGS go to libFuzzer)
#   tools/fuzz.sh all SECONDS [ARGS…]       every target in turn, SECONDS each (smoke run: 60 or less)
#   tools/fuzz.sh smoke [SECONDS]           CI's run: every target SECONDS (default 30) from the seeds alone, with a
#                                           fixed random seed, in .build-fuzz/smoke (the corpora above are untouched)
#   tools/fuzz.sh soak TARGET RUNS          a long run: RUNS executions without the per-input leak check, then a
#                                           leak pass that replays the whole corpus with it (see below)
#   tools/fuzz.sh repro TARGET FILE…        run TARGET once on each FILE (a crash reproducer)
#
# Seeds come from samples/ and Tests/Fixtures (assembled at run time, nothing copied into git), and for targets whose
# inputs are not files of the fixtures (FuzzServeRequests: a route byte and a JSON body) from Fuzz/Seeds/TARGET. The
# working corpus grows in .build-fuzz/corpus/TARGET (git-ignored), crash/leak/timeout/OOM inputs land in
# .build-fuzz/artifacts/TARGET/, and the run's log in .build-fuzz/logs/TARGET.log. Every run is bounded: one input
# may take at most 10 s (-timeout) and the process at most 2 GiB (-rss_limit_mb, -malloc_limit_mb); exceeding
# either is a finding. Leaks are checked after every input (libFuzzer's -detect_leaks); the check at process exit
# is off, since objects the harness builds once for the whole run (loaded tokenizers) are not per-input leaks.
# Every command builds first (seconds when nothing changed), so a run never tests binaries older than the code.
# The per-input leak check re-runs an input and scans the heap whenever it allocated more than it freed, which the
# Swift runtime's caches make common: it costs half or more of a run. `soak` therefore fuzzes without it
# (crashes, ASan reports, timeouts and OOMs are still findings) and then replays every corpus unit, the inputs that
# reached new coverage, with the leak check on.
# Exit status: 0 when no target found anything.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/.build-fuzz"
BIN="$ROOT/Fuzz/.build/release"
TARGETS=(FuzzSafetensors FuzzModelConfig FuzzPreprocessorConfig FuzzTokenizerFiles FuzzTokenize FuzzImage FuzzAudio
         FuzzPluginRegistry FuzzInputLists FuzzIndex FuzzServeRequests)
FX="$ROOT/Tests/Fixtures"

build() {
    # SwiftPM keeps the Fuzz package's build plan when only its path dependency (the main package) gains or loses a
    # source file, and the build then fails with "cannot find 'X' in scope". A changed file list drops the cached plan.
    local list="$ROOT/Fuzz/.build/fuse-source-files" files
    files=$(cd "$ROOT" && find Sources Plugins Fuzz/Sources -type f \( -name '*.swift' -o -name '*.c' -o -name '*.h' \) | sort)
    if [ -d "$ROOT/Fuzz/.build" ] && [ "$files" != "$(cat "$list" 2>/dev/null)" ]; then
        rm -f "$ROOT/Fuzz/.build/release.yaml" "$ROOT/Fuzz/.build/build.db" "$ROOT/Fuzz/.build/release/description.json"
    fi
    # -O keeps Swift's bounds and overflow checks (the main package's release flags use -Ounchecked, which would
    # turn a trap into silent memory corruption); the C shims are instrumented too (-fsanitize=fuzzer-no-link).
    (cd "$ROOT/Fuzz" && swift build -c release -Xswiftc -O -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address)
    printf '%s\n' "$files" > "$list"
}

# Copies seeds for $1 into $2 (once; an existing corpus keeps growing across runs).
seed() {
    local target=$1 dir=$2
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return 0
    local n=0
    add() { for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/seed-$((n++))-$(basename "$f")"; done; return 0; }
    # Prefix each file with selector byte $1 (targets whose first byte picks a format or tokenizer).
    addsel() { local sel=$1; shift; for f in "$@"; do
        [ -f "$f" ] && { printf "\\x$sel"; cat "$f"; } > "$dir/seed-$((n++))-$(basename "$f")"; done; return 0; }
    case $target in
    FuzzSafetensors) add "$FX"/core/safetensors/*.safetensors "$FX"/core/safetensors/sharded/*.safetensors ;;
    FuzzModelConfig) add "$FX"/models/*/config.json "$FX"/core/safetensors/sharded/config.json ;;
    FuzzPreprocessorConfig) add $(find "$FX" -name preprocessor_config.json) ;;
    FuzzTokenizerFiles)
        addsel 00 "$FX"/text/*/tokenizer.json "$FX"/models/bert/tokenizer.json "$FX"/text/unigram/*.tokenizer.json
        { printf '\x01'; cat "$FX/text/bytelevel_bpe/files/vocab.json"; printf '\n%%%%\n'
          cat "$FX/text/bytelevel_bpe/files/merges.txt"; } > "$dir/seed-gpt2"
        { printf '\x02'; cat "$FX/models/bert/vocab.txt"; printf '\n%%%%\n'
          cat "$FX/models/bert/tokenizer_config.json"; } > "$dir/seed-bert"
        gunzip -c "$FX/text/clip/bpe_simple_vocab_16e6.txt.gz" > "$WORK/clip-merges.txt"
        { printf '\x03'; head -c 20000 "$WORK/clip-merges.txt"; } > "$dir/seed-clip"
        { printf '\x04'; head -c 20000 "$WORK/clip-merges.txt" | gzip -c; } > "$dir/seed-clipgz" ;;
    FuzzTokenize)
        local i=0
        for f in "$ROOT"/samples/text/*.txt; do addsel "0$((i++ % 10))" "$f"; done
        python3 -c 'import json,sys
for k,t in enumerate(json.load(open(sys.argv[1]))[:40]):
    open(sys.argv[2]+"/seed-text-%d"%k,"wb").write(bytes([k%10])+(t if isinstance(t,str) else json.dumps(t)).encode())' \
            "$FX/text/texts.json" "$dir" 2>/dev/null || true ;;
    FuzzImage) add "$FX"/image/decode/* "$FX"/image/bad/* ;;
    FuzzAudio)
        # The fixtures' small files (every libsndfile container, not their .f32/.json references); long ones are cut
        # to their first 64 KiB (truncation is an input too).
        for f in "$FX"/audio/files/* "$FX"/audio/bad/* $(ls "$FX"/audio/containers/* | grep -v -E '\.(f32|json)$') \
                 "$FX"/audio/quiet/*.wav "$ROOT"/samples/audio/*; do
            head -c 65536 "$f" > "$dir/seed-$((n++))-$(basename "$f")"; done ;;
    FuzzPluginRegistry)
        printf '{"format": 1, "plugins": [{"name": "npy", "path": "/usr/lib/libnpy.so", "pluginID": "npy", "modality": "tensor", "abiVersion": 1}, {"name": "csv", "path": "/x/libcsv.so", "pluginID": "csv-tabular", "modality": "table", "abiVersion": 1}]}\n' > "$dir/seed-two"
        printf '{"format": 1, "plugins": []}\n' > "$dir/seed-empty" ;;
    FuzzInputLists)
        add "$ROOT"/samples/manifest.jsonl $(find "$FX" -name '*.jsonl')
        printf 'a.png b.txt\n# comment\n\n/abs/c.wav\td.txt\n' > "$dir/seed-plain"
        printf '0/4\nimages/cat.png\n' > "$dir/seed-shard" ;;
    FuzzIndex)
        # A small Fuse index (schema of docs/INDEX.md, 3 rows of 4-d vectors) behind selector bytes 0 and 2, and queries.
        rm -f "$WORK/index.sqlite"
        python3 -c 'import sqlite3,struct,sys
db=sqlite3.connect(sys.argv[1]+"/index.sqlite")
db.executescript("CREATE TABLE fuse_index_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);CREATE TABLE items(path TEXT PRIMARY KEY NOT NULL, modality TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL, hash TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL);CREATE INDEX items_hash ON items(hash);")
db.executemany("INSERT INTO fuse_index_meta VALUES (?,?)",[("format","fuse-index"),("version","1"),("model","m"),("model_path",""),("dimension","4")])
db.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?)",[("/a/%d"%i,"image",1,2,"h%d"%i,"m",struct.pack("<4f",i,1,0,-1)) for i in range(3)])
db.commit()' "$WORK" && for sel in 00 02; do { printf "\\x$sel"; cat "$WORK/index.sqlite"; } > "$dir/seed-index-$sel"; done
        printf '\x01dog\n+\n./pool.jpg\n-\ngrass' > "$dir/seed-query"
        printf '\x03-\na\x00b\n+' > "$dir/seed-query-bad" ;;
    FuzzServeRequests) add "$ROOT"/Fuzz/Seeds/FuzzServeRequests/* ;;
    esac
}

run() {
    local target=$1 seconds=$2; shift 2
    local corpus="$WORK/corpus/$target" artifacts="$WORK/artifacts/$target" log="$WORK/logs/$target.log"
    mkdir -p "$artifacts" "$(dirname "$log")"
    seed "$target" "$corpus"
    echo "== $target: $seconds s (corpus $(ls "$corpus" | wc -l) files)"
    local status=0
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0:leak_check_at_exit=0" \
    "$BIN/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" > "$log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" || true
    grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true
    if [ $status -ne 0 ]; then
        echo "!! $target found something (status $status); see $log and $artifacts"
        grep -E 'ERROR|SUMMARY|Fatal error|Test unit written' "$log" | head -5
    fi
    return $status
}

case "${1:-}" in
list) printf '%s\n' "${TARGETS[@]}" ;;
build) build ;;
repro)
    target=$2; shift 2
    build
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0:leak_check_at_exit=0" "$BIN/$target" -runs=1 "$@" ;;
all)
    build
    seconds=${2:-60}; shift 2 || shift $#
    failed=0
    for t in "${TARGETS[@]}"; do run "$t" "$seconds" "$@" || failed=1; done
    exit $failed ;;
smoke)
    build
    WORK="$ROOT/.build-fuzz/smoke"
    rm -rf "$WORK"
    failed=0
    for t in "${TARGETS[@]}"; do run "$t" "${2:-30}" -seed=1 || failed=1; done
    exit $failed ;;
soak)
    target=$2; runs=$3
    build
    status=0
    run "$target" 86400 -runs="$runs" -detect_leaks=0 || status=$?
    cp "$WORK/logs/$target.log" "$WORK/logs/$target.soak.log"
    if [ $status -eq 0 ]; then
        echo "== $target: leak pass over the corpus"
        run "$target" 86400 -runs=0 -detect_leaks=1 || status=$?
        cp "$WORK/logs/$target.log" "$WORK/logs/$target.leakpass.log"
    fi
    exit $status ;;
"" | -h | --help) sed -n '2,25p' "$0" ;;
*)
    target=$1; seconds=${2:-60}; shift 2 || shift $#
    build
    run "$target" "$seconds" "$@" ;;
esac
