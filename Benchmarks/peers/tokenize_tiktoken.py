"""Peer for `fuse bench tokenize`: tiktoken's encode_ordinary_batch over the corpus lines (Rust, threads).

tiktoken's own encodings cannot be downloaded here, so it runs on a byte-level BPE trained with HF tokenizers
(tools/reference/text_bench_tokenizers.py): each token's rank is its id, which is its merge order, and the split
pattern is GPT-2's, so the ids are comparable with HF's and Fuse's.
Usage: tokenize_tiktoken.py --tokenizer bytelevel32k.json --file CORPUS [--repeat 3] [--threads 2]
"""
import argparse
import json
import os
import sys
import time

import tiktoken

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "reference"))
from text_fixtures import bytes_to_unicode  # noqa: E402  (GPT-2's byte ↔ character table, shared with the fixtures)

GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    spec = json.load(open(args.tokenizer, encoding="utf-8"))
    decoder = {char: byte for byte, char in bytes_to_unicode().items()}
    ranks = {bytes(decoder[c] for c in token): rank for token, rank in spec["model"]["vocab"].items()}
    enc = tiktoken.Encoding(name="fuse-bench-bytelevel", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                            special_tokens={})
    raw = open(args.file, "rb").read()
    lines = raw.decode("utf-8").split("\n")
    times = []
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = enc.encode_ordinary_batch(lines, num_threads=args.threads)
        times.append(time.perf_counter() - start)
    best = sorted(times)[len(times) // 2]
    tokens = sum(len(ids) for ids in result)
    id_sum = sum(sum(ids) for ids in result)
    print(json.dumps({"peer": "tiktoken encode_ordinary_batch", "threads": args.threads, "mb_per_s": len(raw) / best / 1e6,
                      "tokens_per_s": tokens / best, "tokens": tokens, "id_sum": id_sum, "seconds": best}))


if __name__ == "__main__":
    main()
