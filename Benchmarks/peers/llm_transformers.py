"""Peer for `fuse bench llm`: the same two measurements in Python, in the same run.

extraction  transformers GPT2LMHeadModel (CPU, float32) on the checkpoint `fuse bench llm` wrote, over the same
            random token ids: logits → top-k (torch.topk) and per-sequence metric_ce (cross-entropy on the shifted
            ids), as FuseLLM's logits step computes them. Sequences go in batches of --batch (equal lengths, no
            padding), which is transformers' best case.
alignment   FuseLLM's alignment of a source model's steps to the base tokens (its DTW over edit distances and
            the per-step transform, `transform_step_logits` in tools/reference/llm_fusellm.py, soft mode) with
            `editdistance.eval` as FuseLLM uses it, over the first --align-sequences sequences of the JSON that
            `fuse bench llm` wrote.

Prints one JSON object: {"peer": ..., "results": [{"what": ..., "tokens_per_second": median, "best": ...}]}.
"""
import argparse
import json
import os
import statistics
import sys
import time


def extraction(args):
    import numpy as np
    import torch
    from transformers import GPT2LMHeadModel

    torch.set_num_threads(args.threads)
    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32).eval()
    ids = np.fromfile(args.ids, dtype="<i4").reshape(args.sequences, args.length)
    ids = torch.from_numpy(ids.astype(np.int64))
    vocab = model.config.vocab_size

    def run():
        with torch.inference_mode():
            for start in range(0, args.sequences, args.batch):
                x = ids[start:start + args.batch]
                logits = model(x).logits
                logits.topk(args.top_k, dim=-1)
                ce = torch.nn.functional.cross_entropy(
                    logits[:, :-1].reshape(-1, vocab), x[:, 1:].reshape(-1), reduction="none")
                ce.view(x.shape[0], -1).mean(-1)

    run()
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run()
        rates.append(args.sequences * args.length / (time.perf_counter() - start))
    return {"what": "extraction", "batch": args.batch, "tokens_per_second": statistics.median(rates),
            "best": max(rates)}


def alignment(args):
    import editdistance

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "reference"))
    import llm_fusellm as ref

    ref.levenshtein = editdistance.eval  # FuseLLM's dist_fn calls editdistance.eval
    with open(args.align_json) as f:
        data = json.load(f)
    base_vocab = {t: i for i, t in enumerate(data["base_vocab"])}
    source_vocab = data["source_vocab"]
    mapping = {source_vocab[i].replace(data["source_marker"], data["base_marker"]): data["base_vocab"][b]
               for i, b in enumerate(data["mapping"])}
    sequences = data["sequences"][:args.align_sequences]

    def run():
        for s in sequences:
            ref.transform_step_logits(
                [data["base_vocab"][i] for i in s["base_ids"]], [source_vocab[i] for i in s["source_ids"]],
                base_vocab, source_vocab, s["topk_logits"], s["topk_ids"], data["base_marker"],
                data["source_marker"], data["source_byte_level"], align_type="soft", mapping=mapping)

    tokens = sum(len(s["base_ids"]) for s in sequences)
    rates = []
    for _ in range(max(1, min(args.repeats, 2))):
        start = time.perf_counter()
        run()
        rates.append(tokens / (time.perf_counter() - start))
    return {"what": "alignment", "sequences": len(sequences), "tokens_per_second": statistics.median(rates),
            "best": max(rates)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--ids")
    parser.add_argument("--sequences", type=int)
    parser.add_argument("--length", type=int)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--align-json")
    parser.add_argument("--align-sequences", type=int, default=4)
    args = parser.parse_args()
    results = []
    if args.model:
        results.append(extraction(args))
    if args.align_json:
        results.append(alignment(args))
    import torch
    import transformers
    print(json.dumps({"peer": f"transformers {transformers.__version__} / torch {torch.__version__}",
                      "results": results}))


if __name__ == "__main__":
    main()
