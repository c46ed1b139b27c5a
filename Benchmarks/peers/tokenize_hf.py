"""Peer for `fuse bench tokenize`: Hugging Face tokenizers' encode_batch over the corpus lines (Rust, all cores).

Prints one JSON line: MB/s, tokens/s, and the token count and id sum (so Fuse can check it produced the same ids).
Usage: tokenize_hf.py --tokenizer tokenizer.json --file CORPUS [--repeat 3] [--threads 2]
"""
import argparse
import json
import os
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true"
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(args.tokenizer)
    tok.no_padding()
    tok.no_truncation()
    raw = open(args.file, "rb").read()
    lines = raw.decode("utf-8").split("\n")
    times = []
    encodings = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        encodings = tok.encode_batch(lines, add_special_tokens=False)
        times.append(time.perf_counter() - start)
    best = sorted(times)[len(times) // 2]
    tokens = sum(len(e.ids) for e in encodings)
    id_sum = sum(sum(e.ids) for e in encodings)
    print(json.dumps({"peer": "HF tokenizers encode_batch", "threads": args.threads, "mb_per_s": len(raw) / best / 1e6,
                      "tokens_per_s": tokens / best, "tokens": tokens, "id_sum": id_sum, "seconds": best}))


if __name__ == "__main__":
    main()
