#!/usr/bin/env python3
"""Peer for `fuse bench lens`: LENS's forward_tags scoring step in torch, on the same shapes.

As ContextualAI/lens does it: normalise the image features, multiply by the precomputed normalised vocabulary
matrix [D, V], torch.topk(k=5), keep scores >= 0.2. The vocabulary is random unit vectors (cost does not depend on
meaning). Times one image and a batch of 8 (reported per image).

Usage: python lens_scoring.py [--entries N] [--dimensions D ...] [--threads T] [--repeats R]
Prints one JSON object: {"peer": ..., "results": [{"shape", "what", "median_ms", "best_ms"}]}.
"""
import argparse
import json
import statistics
import sys
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--entries", type=int, default=20000)
parser.add_argument("--dimensions", type=int, nargs="+", default=[512, 384])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeats", type=int, default=50)
args = parser.parse_args()
torch.set_num_threads(args.threads)


def forward_tags(image_features, text_weights, k=5, threshold=0.2):
    image_norm = image_features / image_features.norm(dim=-1, keepdim=True)
    scores = (image_norm @ text_weights).float()
    top_scores, top_indexes = scores.topk(k=k, dim=-1)
    return [indexes[scores_row >= threshold].tolist() for scores_row, indexes in zip(top_scores, top_indexes)]


def timed(body, repeats):
    body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times)


results = []
generator = torch.Generator().manual_seed(0)
with torch.inference_mode():
    for dimension in args.dimensions:
        weights = torch.randn(args.entries, dimension, generator=generator)
        weights = (weights / weights.norm(dim=-1, keepdim=True)).T.contiguous()  # [D, V] as LENS stores it
        one = torch.randn(1, dimension, generator=generator)
        eight = torch.randn(8, dimension, generator=generator)
        shape = f"{args.entries}x{dimension}"
        median, best = timed(lambda: forward_tags(one, weights), args.repeats)
        results.append(dict(shape=shape, what="1 image", median_ms=median, best_ms=best))
        median, best = timed(lambda: forward_tags(eight, weights), args.repeats)
        results.append(dict(shape=shape, what="batch of 8 (per image)", median_ms=median / 8, best_ms=best / 8))
json.dump(dict(peer=f"torch {torch.__version__}", results=results), sys.stdout)
print()
