#!/usr/bin/env bash
# The cluster smoke test (docs/CLUSTER.md, "Cluster smoke test"): brings up a one-node Slurm cluster on this machine
# (Debian's slurm-wlm and munge, loopback only, every file under one scratch folder), then
#   1. probes which SLURM_ARRAY_* variables Slurm sets for a few --array forms and which shard fuse takes from each;
#   2. submits docs/CLUSTER.md's job array (the script is read from the document, its /shared paths pointed at the
#      samples and the model) over copies of samples/, kills one task's fuse with SIGKILL once it has written part of
#      its shard, requeues that task (scontrol requeue) and waits for the array;
#   3. submits the same array again (every task --resume's a finished shard);
# and after 2 and 3 checks that the merged shard outputs hold the same records as one `fuse` run over the whole list
# on this machine: the same inputs, once each, equal fields and embeddings within 1e-6 (a settings header line is
# skipped). Exits non-zero on any mismatch; stops the daemons it started on every exit.
#
# Usage (as root, after `apt-get install slurm-wlm munge`, `tools/setup_models.sh` and a `swift build`):
#   tools/cluster-smoke.sh
# Environment: FUSE (the binary; default .build/release/fuse, else .build/debug/fuse), TASKS (array tasks, default 2),
# COPIES (copies of each sample in the list, default 10: 210 files, more than one 64-group chunk per task),
# WORK (scratch folder, default a new /tmp/fuse-cluster-smoke.*; kept when KEEP=1), PORT (slurmctld's port, default
# 16817; slurmd takes PORT+1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUSE=${FUSE:-}
if [ -z "$FUSE" ]; then
    for candidate in "$ROOT/.build/release/fuse" "$ROOT/.build/debug/fuse"; do
        [ -x "$candidate" ] && { FUSE=$candidate; break; }
    done
fi
TASKS=${TASKS:-2}
COPIES=${COPIES:-10}
PORT=${PORT:-16817}
MODEL="$ROOT/models/fuse-mini"
say() { printf '[cluster-smoke %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (the daemons run as root here)"
for tool in munged slurmctld slurmd sbatch scontrol squeue sinfo python3; do
    command -v "$tool" >/dev/null || fail "$tool missing: apt-get install slurm-wlm munge python3"
done
[ -n "$FUSE" ] && [ -x "$FUSE" ] || fail "no fuse binary: swift build (or set FUSE=path)"
[ -f "$MODEL/config.json" ] && [ -f "$MODEL/encoder.safetensors" ] || fail "no $MODEL: run tools/setup_models.sh"

WORK=${WORK:-$(mktemp -d /tmp/fuse-cluster-smoke.XXXXXX)}
mkdir -p "$WORK"/{munge,state,spool,log,data,run,probe,bin}
STARTED=()
cleanup() {
    local status=$?
    if [ -f "$WORK/slurm.conf" ] && [ -f "$WORK/slurmctld.pid" ]; then
        SLURM_CONF="$WORK/slurm.conf" scancel --quiet --user=root 2>/dev/null || true
        sleep 1
    fi
    for pidfile in "${STARTED[@]}"; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- munge: its own key and socket, so nothing system-wide is touched -------------------------------------------
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
STARTED+=("$WORK/munge/munged.pid")
munged --force --key-file="$WORK/munge/munge.key" --socket="$WORK/munge/munge.socket" \
       --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/munged.seed"
for _ in $(seq 50); do [ -S "$WORK/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$WORK/munge/munge.socket" ] || fail "munged did not start (see $WORK/log/munged.log)"

# --- Slurm: one node, this host on 127.0.0.1, no cgroups (we may be inside a container) -------------------------
HOST=$(hostname -s)
MEMORY=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
cat > "$WORK/slurm.conf" <<EOF
ClusterName=fusesmoke
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
PlugStackConfig=$WORK/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=3600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$MEMORY State=UNKNOWN
PartitionName=smoke Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
: > "$WORK/plugstack.conf"
export SLURM_CONF="$WORK/slurm.conf"
STARTED+=("$WORK/slurmd.pid" "$WORK/slurmctld.pid")
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do sinfo -h -o %t 2>/dev/null | grep -qx idle && break; sleep 0.2; done
sinfo -h -o %t | grep -qx idle || fail "the node did not come up idle: $(sinfo 2>&1) (see $WORK/log)"
say "Slurm $(sinfo -V | awk '{print $2}') up: node $HOST, $(nproc) CPUs, ${MEMORY} MB, ports $PORT/$((PORT + 1)), work $WORK"

# The job's state for each array task: "ID STATE" lines (`scontrol show job` keeps finished tasks for MinJobAge).
states() { scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*/\1 \2/p' | sort -n; }
# Waits until every task of job $1 has finished; fails after $2 seconds.
wait_array() {
    local job=$1 limit=$2 start=$SECONDS
    while squeue -h -j "$job" -o %i 2>/dev/null | grep -q .; do
        [ $((SECONDS - start)) -lt "$limit" ] || fail "job $job still running after ${limit}s: $(squeue -j "$job")"
        sleep 1
    done
}
submit() { sbatch --parsable "$@" | cut -d';' -f1; }
# The fuse process Slurm runs for task $2 of array $1, found by its name and its environment in /proc (scontrol
# listpids needs a step; a batch script has none).
task_fuse_pid() {
    local dir environment
    for dir in /proc/[0-9]*; do
        [ "$(cat "$dir/comm" 2>/dev/null)" = fuse ] || continue
        environment=$(tr '\0' '\n' 2>/dev/null < "$dir/environ") || continue
        if grep -qx "SLURM_ARRAY_JOB_ID=$1" <<< "$environment" && grep -qx "SLURM_ARRAY_TASK_ID=$2" <<< "$environment"; then
            echo "${dir#/proc/}"
        fi
    done
}

# --- 1. which variables Slurm sets, and the shard fuse takes from them --------------------------------------------
ln -sf "$FUSE" "$WORK/bin/fuse"
export PATH="$WORK/bin:$PATH"
printf '%s\n' "$ROOT/samples/text/cat.txt" > "$WORK/probe/list.txt"
cat > "$WORK/probe/probe.sbatch" <<'EOF'
#!/bin/bash
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --output=task-%a.log
env | grep '^SLURM_ARRAY_TASK' | sort | tr '\n' ' '; echo
fuse --model "$MODEL_DIR" --inputs-from list.txt --out "out-${SLURM_ARRAY_TASK_ID}.jsonl" --quiet > /dev/null || true
EOF
for array in 1-4 0-30:10 5-17:4 6 1,2,7; do
    dir="$WORK/probe/$(echo "$array" | tr ',:' '_s')"
    mkdir -p "$dir"
    cp "$WORK/probe/probe.sbatch" "$WORK/probe/list.txt" "$dir/"
    job=$(cd "$dir" && MODEL_DIR="$MODEL" submit --array="$array" --chdir="$dir" probe.sbatch)
    wait_array "$job" 300
    say "probe --array=$array:"
    for log in $(ls -v "$dir"/task-*.log); do
        printf '    %s\n' "$(head -1 "$log" | sed 's/SLURM_ARRAY_TASK_//g')" "  → $(grep -E '^(shard|Error)' "$log" | head -1)"
    done
done

# --- 2. docs/CLUSTER.md's job array over copies of the samples ----------------------------------------------------
for file in "$ROOT"/samples/images/* "$ROOT"/samples/audio/* "$ROOT"/samples/text/*; do
    for copy in $(seq -w 1 "$COPIES"); do cp "$file" "$WORK/data/c$copy-$(basename "$file")"; done
done
ls "$WORK"/data/* | sort > "$WORK/all-files.txt"
FILES=$(wc -l < "$WORK/all-files.txt")
# The document's first sbatch script, with its /shared paths pointed here.
awk '/^## Slurm job array/ { section = 1 } section && /^```sh/ { inside = 1; next } inside && /^```/ { exit }
     inside { print }' "$ROOT/docs/CLUSTER.md" \
    | sed -e "s|/shared/models/fuse-mini|$MODEL|g" -e "s|/shared/lists/all-files.txt|$WORK/all-files.txt|g" \
    > "$WORK/run/embed.sbatch"
grep -q -- '--inputs-from' "$WORK/run/embed.sbatch" || fail "no sbatch script found in docs/CLUSTER.md"
mkdir -p "$WORK/run/logs"
say "single-machine reference run over $FILES files"
start=$SECONDS
(cd "$WORK" && env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX \
    fuse --model "$MODEL" --inputs-from "$WORK/all-files.txt" --out "$WORK/single.jsonl" --quiet > "$WORK/single.log")
SINGLE_SECONDS=$((SECONDS - start))
say "single run: $(grep -c . "$WORK/single.jsonl") lines in ${SINGLE_SECONDS}s"

# Compares the merged shard outputs with the single run: the same records (by their inputs), once each; every field
# equal and the embeddings within 1e-6 (a first line that is a settings header, no "embedding" key, is skipped).
compare() {
    python3 - "$WORK/single.jsonl" "$@" <<'EOF'
import json, sys
def key(record):
    return "\n".join(record["inputs"])
lines = {}  # each record's line as written, by its inputs
def records(path):
    out = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if "embedding" not in record:
                if number == 1:
                    continue  # a settings header
                sys.exit(f"{path}:{number}: a line without an embedding")
            lines.setdefault(path, {})[key(record)] = line.rstrip("\n")
            out.append(record)
    return out
single = records(sys.argv[1])
merged = [r for path in sys.argv[2:] for r in records(path)]
keys = [key(r) for r in merged]
problems = []
if len(set(keys)) != len(keys):
    problems.append(f"{len(keys) - len(set(keys))} duplicate records in the shards")
by_key = {key(r): r for r in merged}
missing = [k for k in (key(r) for r in single) if k not in by_key]
extra = set(by_key) - {key(r) for r in single}
if missing: problems.append(f"{len(missing)} records missing from the shards, e.g. {missing[0]}")
if extra: problems.append(f"{len(extra)} records only in the shards, e.g. {sorted(extra)[0]}")
worst, identical, compared = 0.0, 0, 0
for r in single:
    m = by_key.get(key(r))
    if m is None:
        continue
    compared += 1
    a, b = dict(r), dict(m)
    ea, eb = a.pop("embedding"), b.pop("embedding")
    for timing in ("seconds", "elapsed", "time"):
        a.pop(timing, None); b.pop(timing, None)
    if a != b:
        problems.append(f"{key(r)}: fields differ: {a} vs {b}")
    if len(ea) != len(eb):
        problems.append(f"{key(r)}: embedding sizes {len(ea)} vs {len(eb)}")
        continue
    d = max(abs(x - y) for x, y in zip(ea, eb))
    worst = max(worst, d)
    identical += ea == eb
if worst > 1e-6:
    problems.append(f"embeddings differ by up to {worst:.3g} (> 1e-6)")
single_lines = lines[sys.argv[1]]
same_lines = sum(1 for path in sys.argv[2:] for k, line in lines.get(path, {}).items() if single_lines.get(k) == line)
print(f"    {len(single)} single-run records, {len(merged)} in {len(sys.argv) - 2} shard files; {compared} compared: "
      f"{identical} embeddings bit-identical (largest difference {worst:.3g}), {same_lines} lines byte-identical")
for p in problems[:10]:
    print("MISMATCH:", p)
sys.exit(1 if problems else 0)
EOF
}
shard_outputs() { ls "$WORK"/run/out/part-*.jsonl; }

VICTIM=2
say "submitting the job array: sbatch --array=1-$TASKS embed.sbatch (task $VICTIM will be killed and requeued)"
start=$SECONDS
JOB=$(cd "$WORK/run" && submit --array="1-$TASKS" embed.sbatch)
# Kill task $VICTIM's fuse once its partial output (.part-N.jsonl.partial, or whatever else beside part-N.jsonl the
# run is writing) holds records: its first chunk of 64.
in_progress() {
    find "$WORK/run/out" -maxdepth 1 -type f -name "*part-$VICTIM.jsonl*" ! -name "part-$VICTIM.jsonl" \
        -exec cat {} + 2>/dev/null | grep -c '"embedding"' || true
}
killed=0
while [ $((SECONDS - start)) -lt 1800 ]; do
    if [ "$(in_progress)" -ge 1 ]; then
        for pid in $(task_fuse_pid "$JOB" "$VICTIM"); do
            before=$(in_progress)
            kill -KILL "$pid" && killed=1
            say "task $VICTIM: killed its fuse (pid $pid) with $before records in its partial output, $((SECONDS - start))s after submission"
        done
        [ "$killed" = 1 ] && break
    fi
    [ -f "$WORK/run/out/part-$VICTIM.jsonl" ] && fail "task $VICTIM finished before it could be killed (raise COPIES)"
    sleep 0.2
done
[ "$killed" = 1 ] || fail "task $VICTIM never started writing"
for _ in $(seq 120); do
    state=$(states "$JOB" | awk -v t="$VICTIM" '$1 == t { print $2 }')
    case "$state" in FAILED|COMPLETED|CANCELLED|NODE_FAIL) break ;; esac
    sleep 0.5
done
say "task $VICTIM after the kill: $state"
[ "$state" = FAILED ] || fail "task $VICTIM is $state after SIGKILL, expected FAILED"
scontrol requeue "${JOB}_${VICTIM}"
say "task $VICTIM requeued: $(states "$JOB" | awk -v t="$VICTIM" '$1 == t { print $2 }')"
wait_array "$JOB" 3600
RUN1_SECONDS=$((SECONDS - start))
say "array $JOB finished in ${RUN1_SECONDS}s: $(states "$JOB" | tr '\n' ' ')"
[ "$(states "$JOB" | awk '$2 == "COMPLETED"' | wc -l)" = "$TASKS" ] || fail "not every task completed"
grep -h '^shard' "$WORK"/run/logs/fuse-"$JOB"_*.log | sort | sed 's/^/    /'
[ "$(grep -h '^shard' "$WORK"/run/logs/fuse-"$JOB"_*.log | cut -d' ' -f2 | sort -u | wc -l)" = "$TASKS" ] \
    || fail "the tasks did not take $TASKS different shards"
say "task $VICTIM's log:"
grep -E '^(shard|model|Error|[0-9]+ outputs|.*skipped|.*resum)' "$WORK/run/logs/fuse-${JOB}_$VICTIM.log" | sed 's/^/    /' || true
compare $(shard_outputs) || fail "run 1: the merged shards differ from the single run"
md5sum $(shard_outputs) > "$WORK/run1.md5"

# --- 3. the same array again: every shard is complete, --resume adds nothing --------------------------------------
start=$SECONDS
JOB2=$(cd "$WORK/run" && submit --array="1-$TASKS" embed.sbatch)
wait_array "$JOB2" 1800
RUN2_SECONDS=$((SECONDS - start))
say "second array $JOB2 finished in ${RUN2_SECONDS}s: $(states "$JOB2" | tr '\n' ' ')"
grep -h 'outputs\? written' "$WORK"/run/logs/fuse-"$JOB2"_*.log | sed 's/^/    /'
[ "$(states "$JOB2" | awk '$2 == "COMPLETED"' | wc -l)" = "$TASKS" ] || fail "not every task of the second array completed"
compare $(shard_outputs) || fail "run 2: the merged shards differ from the single run"
if md5sum --quiet -c "$WORK/run1.md5" > /dev/null 2>&1; then
    say "second array left every shard file byte-identical"
else
    say "second array rewrote shard files (records still equal):"; md5sum -c "$WORK/run1.md5" | sed 's/^/    /' || true
fi
say "PASS: $FILES files, $TASKS tasks; single run ${SINGLE_SECONDS}s, array with kill + requeue ${RUN1_SECONDS}s, resubmitted array ${RUN2_SECONDS}s"
