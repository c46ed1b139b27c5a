#!/usr/bin/env python3
"""Peer for `fuse bench attention`: torch's scaled_dot_product_attention (CPU, fp32 or bf16) on the same shapes.

Usage: python attention_peer.py [--threads N] [--repeats R] [--dtype fp32|bf16]
Prints one JSON object {"peer", "threads", "results": [{"shape", "best_ms", "median_ms"}]}. Inputs are laid out
[batch, seq, heads·dim] as Fuse's are, and transposed to torch's [batch, heads, seq, dim] as views (as HF models do);
the key padding mask is a boolean mask broadcast over heads and queries.
"""
import argparse
import json
import statistics
import sys
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeats", type=int, default=10)
parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
args = parser.parse_args()
dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
torch.set_num_threads(args.threads)

# (label, batch, heads, length, head_dim, padded keys in the second half of the batch, causal)
SHAPES = [("minilm b32 h12 s128 d32 pad", 32, 12, 128, 32, 32, False),
          ("vit b8 h12 s197 d64", 8, 12, 197, 64, 0, False),
          ("clip-text b32 h8 s77 d64 causal", 32, 8, 77, 64, 0, True),
          ("sentences b32 h12 s24 d32 pad", 32, 12, 24, 32, 8, False)]
results = []
with torch.inference_mode():
    for label, b, h, s, d, pad, causal in SHAPES:
        g = torch.Generator().manual_seed(0)
        q, k, v = (torch.randn(b, s, h * d, generator=g).to(dtype) for _ in range(3))
        keep = torch.ones(b, s, dtype=torch.bool)
        keep[b // 2:, s - pad:] = False
        mask = keep.view(b, 1, 1, s)
        if causal:
            mask = mask & torch.ones(s, s, dtype=torch.bool).tril().view(1, 1, s, s)

        def run():
            qt, kt, vt = (t.view(b, s, h, d).transpose(1, 2) for t in (q, k, v))
            out = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, attn_mask=mask)
            return out.transpose(1, 2).reshape(b, s, h * d)

        run()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1e3)
        results.append(dict(shape=label, best_ms=min(times), median_ms=statistics.median(times)))
json.dump(dict(peer=f"torch {torch.__version__} SDPA {args.dtype}", threads=args.threads, results=results), sys.stdout)
print()
