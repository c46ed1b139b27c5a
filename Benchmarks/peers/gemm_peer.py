#!/usr/bin/env python3
"""Peer for `fuse bench gemm`: numpy's float32 matmul (numpy's bundled OpenBLAS) on the same shapes.

Usage: python gemm_peer.py [--threads N] [--repeats R]
Prints one JSON object: {"peer": ..., "threads": N, "results": [{"shape", "m", "k", "n", "best", "median"}]}
with GFLOP/s (2·m·n·k / time). The thread count is fixed through OPENBLAS_NUM_THREADS before numpy loads.
"""
import argparse
import json
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--repeats", type=int, default=10)
args = parser.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)

import numpy as np  # noqa: E402  (after the thread variables)

SHAPES = [("1024x1024x1024", 1024, 1024, 1024, False), ("197x768x3072", 197, 768, 3072, True)]
rng = np.random.default_rng(0)
results = []
for label, m, k, n, weight_layout in SHAPES:
    a = rng.standard_normal((m, k), dtype=np.float32)
    # Weights stored [out, in] as Hugging Face does, multiplied transposed, like Fuse's Linear.
    b = rng.standard_normal((n, k), dtype=np.float32) if weight_layout else rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    operand = b.T if weight_layout else b
    np.matmul(a, operand, out=c)  # warm-up
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        np.matmul(a, operand, out=c)
        rates.append(2 * m * n * k / (time.perf_counter() - start) / 1e9)
    results.append(dict(shape=label, m=m, k=k, n=n, best=max(rates), median=statistics.median(rates)))

config = np.show_config(mode="dicts") if "mode" in np.show_config.__code__.co_varnames else {}
blas = config.get("Build Dependencies", {}).get("blas", {}) if isinstance(config, dict) else {}
name = f"numpy {np.__version__} ({blas.get('name', 'BLAS')} {blas.get('version', '')})".replace(" )", ")")
json.dump(dict(peer=name, threads=args.threads, results=results), sys.stdout)
print()
