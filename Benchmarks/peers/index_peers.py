#!/usr/bin/env python3
"""Peers for `fuse bench index`: faiss-cpu IndexFlatIP and sqlite-vec's vec0 table on the same vectors.

Reads raw float32 rows written by the bench (--vectors: COUNT x DIM, --queries: 3 warm-up + REPEATS queries), times
insertion, single queries (k = 10) and reports each peer's peak RSS, measured in a child process of its own so the
two peers' memory does not mix. Prints one JSON object per peer per line.
Needs: pip install faiss-cpu sqlite-vec numpy (in a venv outside the repository), on a Python whose sqlite3 module can
load extensions (Debian's /usr/bin/python3 can; pyenv builds often cannot).
"""
import argparse
import json
import multiprocessing as mp
import os
import resource
import sqlite3
import sys
import time

import numpy as np


def load(args):
    vectors = np.fromfile(args.vectors, dtype=np.float32).reshape(args.count, args.dim)
    queries = np.fromfile(args.queries, dtype=np.float32).reshape(-1, args.dim)
    return vectors, queries


def percentiles(times):
    times = sorted(times)
    return times[len(times) // 2] * 1e3, times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_faiss(args, out):
    import faiss
    faiss.omp_set_num_threads(os.cpu_count() or 2)
    vectors, queries = load(args)
    start = time.perf_counter()
    index = faiss.IndexFlatIP(args.dim)
    index.add(vectors)
    insert = time.perf_counter() - start
    del vectors
    for q in queries[:3]:
        index.search(q[None, :], 10)
    times = []
    for q in queries[3:]:
        start = time.perf_counter()
        index.search(q[None, :], 10)
        times.append(time.perf_counter() - start)
    p50, p99 = percentiles(times)
    out.put({"peer": f"faiss {faiss.__version__} FlatIP", "insert_per_s": args.count / insert, "p50_ms": p50,
             "p99_ms": p99, "size_bytes": float(args.count * args.dim * 4), "peak_rss_bytes": float(peak_rss())})


def run_sqlite_vec(args, out):
    import sqlite_vec
    vectors, queries = load(args)
    path = os.path.join(args.folder, "sqlite-vec.sqlite")
    db = sqlite3.connect(path)
    db.enable_load_extension(True)
    sqlite_vec.load(db)
    db.enable_load_extension(False)
    db.execute(f"CREATE VIRTUAL TABLE items USING vec0(embedding float[{args.dim}] distance_metric=cosine)")
    start = time.perf_counter()
    for first in range(0, args.count, 10000):
        chunk = vectors[first:first + 10000]
        with db:
            db.executemany("INSERT INTO items(rowid, embedding) VALUES (?, ?)",
                           ((first + i + 1, row.tobytes()) for i, row in enumerate(chunk)))
    insert = time.perf_counter() - start
    del vectors
    sql = "SELECT rowid, distance FROM items WHERE embedding MATCH ? AND k = 10"
    for q in queries[:3]:
        db.execute(sql, (q.tobytes(),)).fetchall()
    # A full scan per query: at 10^6 rows a handful already gives a stable median.
    repeats = queries[3:] if args.count <= 100000 else queries[3:3 + max(10, len(queries[3:]) // 5)]
    times = []
    for q in repeats:
        start = time.perf_counter()
        db.execute(sql, (q.tobytes(),)).fetchall()
        times.append(time.perf_counter() - start)
    p50, p99 = percentiles(times)
    db.close()
    size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    version = getattr(sqlite_vec, "__version__", "")
    out.put({"peer": f"sqlite-vec {version}".strip(), "insert_per_s": args.count / insert, "p50_ms": p50,
             "p99_ms": p99, "size_bytes": float(size), "peak_rss_bytes": float(peak_rss())})
    os.remove(path)


def main():
    parser = argparse.ArgumentParser()
    for name in ("--vectors", "--queries", "--folder"):
        parser.add_argument(name, required=True)
    parser.add_argument("--dim", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    context = mp.get_context("spawn")
    for target in (run_faiss, run_sqlite_vec):
        queue = context.Queue()
        process = context.Process(target=target, args=(args, queue))
        process.start()
        process.join()
        if process.exitcode != 0:
            print(f"{target.__name__} failed (exit {process.exitcode})", file=sys.stderr)
            continue
        print(json.dumps(queue.get()), flush=True)


if __name__ == "__main__":
    main()
