"""Peer for `fuse bench encoder`: sentence-transformers' all-MiniLM-L6-v2 encoding sentences (tokenisation
included), batch 32, on CPU.

Reads the sentences (one per line) that Fuse embeds in the same run; prints
{"sentences": N, "sentences_per_second": median, "best": best}.
Usage: python encoder_minilm.py --model models/all-MiniLM-L6-v2 --sentences FILE --threads 2 --repeats 3
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()  # "Loading weights" would clutter the bench's output


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--sentences", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.sentences, encoding="utf-8") as handle:
        sentences = [line.rstrip("\n") for line in handle if line.strip()]
    model = SentenceTransformer(args.model, device="cpu")
    model.encode(sentences[: args.batch], batch_size=args.batch)  # warm-up
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.encode(sentences, batch_size=args.batch, convert_to_numpy=True)
        rates.append(len(sentences) / (time.perf_counter() - start))
    print(json.dumps({"sentences": len(sentences), "sentences_per_second": statistics.median(rates),
                      "best": max(rates)}), flush=True)


if __name__ == "__main__":
    main()
