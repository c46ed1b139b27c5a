"""Peer for `fuse-bench moe`: transformers' forward pass (CPU, float32) over the same random token ids on the
Mixtral-shaped checkpoint `fuse-bench moe` wrote: logits for every position, in batches of --batch equal-length
sequences (no padding, transformers' best case), under torch.inference_mode.

Prints one JSON object: {"peer": ..., "results": [{"what": "forward", "tokens_per_second": median, "best": ...}]}.
"""
import argparse
import json
import statistics
import time


def main():
    parser = argparse.ArgumentParser()
    for name in ("--model", "--ids"):
        parser.add_argument(name, required=True)
    for name in ("--sequences", "--length", "--batch", "--threads", "--repeats"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args()

    import numpy as np
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(args.threads)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    ids = torch.from_numpy(np.fromfile(args.ids, dtype="<i4").reshape(args.sequences, args.length).astype(np.int64))

    def run():
        with torch.inference_mode():
            for start in range(0, args.sequences, args.batch):
                model(ids[start:start + args.batch], use_cache=False).logits

    run()
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run()
        rates.append(args.sequences * args.length / (time.perf_counter() - start))
    print(json.dumps({"peer": f"transformers {transformers.__version__}, torch {torch.__version__}",
                      "results": [{"what": "forward", "tokens_per_second": statistics.median(rates),
                                   "best": max(rates)}]}))


if __name__ == "__main__":
    main()
