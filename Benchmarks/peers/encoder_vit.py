"""Peer for `fuse bench encoder`: transformers' ViT-B/16 at 224² (random weights, fp32) on CPU.

Prints one JSON line per batch size: {"batch": B, "images_per_second": median, "best": best}.
Usage: python encoder_vit.py --threads 2 --batches 1 8 --repeats 5
"""
import argparse
import json
import statistics
import time

import torch
from transformers import ViTConfig, ViTModel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ViTModel(ViTConfig(), add_pooling_layer=False).eval()  # ViT-B/16: 768 wide, 12 layers, 224², patch 16
    for batch in args.batches:
        pixels = torch.randn(batch, 3, 224, 224)
        with torch.inference_mode():
            model(pixel_values=pixels)  # warm-up
            rates = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                model(pixel_values=pixels)
                rates.append(batch / (time.perf_counter() - start))
        print(json.dumps({"batch": batch, "images_per_second": statistics.median(rates), "best": max(rates)}),
              flush=True)


if __name__ == "__main__":
    main()
