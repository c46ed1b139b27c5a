"""How a PyTorch trainer reads the targets `fuse llm fuse` exports, and FuseLLM's loss on them.

Reads every fused-*.safetensors of an export folder (see docs/LLM.md for the layout), rebuilds each sequence's
dense target distribution [T, vocab] (FuseLLM's collator builds the same tensor), runs the base model and prints
λ·L_CLM + (1−λ)·L_fuse per sequence — the numbers tools/reference/llm_ensemble.py writes to training.json for the
fixtures, so this doubles as a check of an export.

Run: /work/venv/bin/python tools/reference/llm_read_export.py EXPORT_FOLDER BASE_MODEL_FOLDER [--lm-loss-weight 0.9]
"""
import argparse
import json
import os

import torch
from safetensors.numpy import load_file
from transformers import AutoModelForCausalLM


def sequences(folder):
    """Yields (input_ids [T], target [T, V] as (step ids, probs) lists) per sequence, in corpus order."""
    with open(os.path.join(folder, "fused.json")) as f:
        export = json.load(f)
    for name in export["shards"]:
        shard = load_file(os.path.join(folder, name))
        seq, step = shard["sequence_offsets"], shard["step_offsets"]
        for s in range(len(seq) - 1):
            first, last = int(seq[s]), int(seq[s + 1])
            steps = [(shard["ids"][step[t]:step[t + 1]], shard["probs"][step[t]:step[t + 1]]) for t in range(first, last)]
            yield shard["input_ids"][first:last], steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("base")
    parser.add_argument("--lm-loss-weight", type=float, default=0.9)
    args = parser.parse_args()
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32).eval()
    vocab = model.config.vocab_size
    for n, (ids, steps) in enumerate(sequences(args.export)):
        ids = torch.from_numpy(ids.astype("int64"))
        target = torch.zeros(len(ids), vocab)
        for t, (step_ids, probs) in enumerate(steps):
            target[t, torch.from_numpy(step_ids.astype("int64"))] = torch.from_numpy(probs)
        with torch.no_grad():
            logits = model(ids[None]).logits[0]
        clm = torch.nn.functional.cross_entropy(logits[:-1], ids[1:]).item()
        fuse = torch.nn.functional.cross_entropy(logits, target, reduction="none").mean().item()
        lam = args.lm_loss_weight
        print(json.dumps({"sequence": n, "clm": clm, "fuse": fuse, "loss": lam * clm + (1 - lam) * fuse}))


if __name__ == "__main__":
    main()
