#!/usr/bin/env python3
"""Peer for `fuse bench setfit` and the SetFit accuracy record: the `setfit` package (torch CPU) on the same data.

Usage: python setfit_peer.py --model models/all-MiniLM-L6-v2 --train T.jsonl --eval E.jsonl [--seed 42]
       [--threads 2] [--num-iterations N]
Trains `SetFitModel.from_pretrained(model)` with SetFit's default `TrainingArguments` (batch 16, 1 epoch, body
learning rate 2e-5, oversampled pairs; `num_iterations` when given) and the seed, then predicts the eval set.
Prints one JSON object: {"peer", "threads", "examples", "pairs", "steps", "stage1_s", "steps_per_s", "total_s",
"accuracy"}. Run with setfit installed beside sentence-transformers (e.g. /work/venv-setfit over /work/venv-llm).
"""
import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from setfit import SetFitModel, Trainer, TrainingArguments  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--train", required=True)
parser.add_argument("--eval", required=True)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--num-iterations", type=int, default=None)
args = parser.parse_args()
torch.set_num_threads(args.threads)


def read(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    return Dataset.from_dict({"text": [r["text"] for r in rows], "label": [r["label"] for r in rows]})


train, evaluation = read(args.train), read(args.eval)
start = time.perf_counter()
model = SetFitModel.from_pretrained(args.model)
training = TrainingArguments(seed=args.seed, num_iterations=args.num_iterations, report_to="none",
                             save_strategy="no", logging_strategy="no", eval_strategy="no")
trainer = Trainer(model=model, args=training, train_dataset=train)
stage1_start = time.perf_counter()
trainer.train_embeddings(*trainer.dataset_to_parameters(train))
stage1 = time.perf_counter() - stage1_start
steps = trainer.st_trainer.state.global_step
trainer.train_classifier(*trainer.dataset_to_parameters(train))
total = time.perf_counter() - start
predicted = model.predict(evaluation["text"])
accuracy = sum(str(p) == str(t) for p, t in zip(predicted, evaluation["label"])) / len(evaluation)
print(json.dumps({
    "peer": "setfit", "threads": args.threads, "examples": len(train), "steps": steps,
    "pairs": steps * 16, "stage1_s": stage1, "steps_per_s": steps / stage1, "total_s": total, "accuracy": accuracy,
}))
