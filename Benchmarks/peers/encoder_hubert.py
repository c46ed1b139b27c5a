"""Peer for `fuse bench encoder --family hubert`: transformers' HubertModel with hubert-base's config (random
weights, fp32) on CPU, over clips of 16 kHz noise.

Prints one JSON line per batch size: {"batch": B, "clips_per_second": median, "best": best}.
Usage: python encoder_hubert.py --threads 2 --batches 1 4 --seconds 10 --repeats 3
"""
import argparse
import json
import statistics
import time

import torch
from transformers import HubertConfig, HubertModel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # hubert-base: 7 convs of 512 (GroupNorm on the first), 768 wide, 12 post-LN layers, positional conv 128 / 16.
    model = HubertModel(HubertConfig()).eval()
    for batch in args.batches:
        clips = torch.randn(batch, 16_000 * args.seconds)
        with torch.inference_mode():
            model(clips)  # warm-up
            rates = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                model(clips)
                rates.append(batch / (time.perf_counter() - start))
        print(json.dumps({"batch": batch, "clips_per_second": statistics.median(rates), "best": max(rates)}),
              flush=True)


if __name__ == "__main__":
    main()
