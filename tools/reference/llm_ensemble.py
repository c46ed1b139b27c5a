"""Reference outputs for ensemble decoding and for the training loss on the fused targets, computed with
transformers on the committed fixture models of Tests/Fixtures/llm (written by llm_fixtures.py, which this script
does not rerun). Writes Tests/Fixtures/llm/ensemble.json and Tests/Fixtures/llm/training.json.

Ensemble decoding (what `fuse llm generate` does, spelled out with transformers):
- every model encodes the prompt with its own tokenizer; its weight comes from its metric_ce on the prompt
  (mean: equal; mince / avgce / avgce-paper as in llm_fusellm.py);
- each step, every model with a non-zero weight gives its top-k next tokens (torch.topk of the last position's
  logits, full forward pass each step), softmax(top-k / T); a source's ids go into the base vocabulary through
  FuseLLM's MinED vocabulary mapping (exact, else the first base token of minimum edit distance), keeping the first
  (highest) entry of a base id that several of its tokens map to; the weighted probabilities are summed per base id;
- greedy: the most probable base id (lowest id on ties); sampling: a SplitMix64 draw over the ids in ascending order;
- the base model extends its ids with the chosen token; each source re-encodes prompt + decode(generated);
- generation stops at the base model's eos_token_id or after max_tokens.

Training loss (FuseLLM's DistillTrainer with distill_loss_type "ce"): for the base model's logits on a sequence,
L_CLM = mean over t < T-1 of CE(logits[t], ids[t+1]) (transformers' shifted loss) and
L_fuse = mean over all T positions of -sum_v target[t, v] * log_softmax(logits[t])[v] (the attention mask is all
ones), loss = lambda * L_CLM + (1 - lambda) * L_fuse, with the targets of fusion.json.

Run: /work/venv/bin/python tools/reference/llm_ensemble.py
"""
import json
import math
import os
import sys

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
import llm_fusellm as F  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "Tests", "Fixtures", "llm")
MARKERS = {"gpt2-a": "Ġ", "llama-b": "▁", "llama-c": "▁"}
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def unit(self):
        return (self.next() >> 11) / float(1 << 53)


def load(name):
    path = os.path.join(FIX, name)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    tok = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    return {"name": name, "model": model, "tok": tok,
            "by_id": [tok.id_to_token(i) for i in range(tok.get_vocab_size())]}


def logits_of(m, ids):
    with torch.no_grad():
        return m["model"](torch.tensor([ids])).logits[0].double().numpy()


def source_to_base(base, source):
    """FuseLLM's MinED mapping as base ids, by source id."""
    mapping = F.vocab_mapping(source["by_id"], base["by_id"], MARKERS[source["name"]], MARKERS[base["name"]])
    base_ids = base["tok"].get_vocab()
    return [base_ids[mapping[t.replace(MARKERS[source["name"]], MARKERS[base["name"]])]] for t in source["by_id"]]


def weights_for(method, ces):
    if method == "mean":
        return [1.0 / len(ces)] * len(ces)
    if method == "mince":
        rewards = [math.exp(-c) for c in ces]
        best = int(np.argmax(rewards))
        return [1.0 if i == best else 0.0 for i in range(len(ces))]
    if method == "avgce":
        return [float(v) for v in F.softmax([math.exp(-c) for c in ces])]
    return [float(v) for v in F.softmax([-c for c in ces])]


def generate(models, maps, prompt, max_tokens, method, seed, temperature, top_k):
    base = models[0]
    prompt_ids = base["tok"].encode(prompt).ids
    ids = [m["tok"].encode(prompt).ids for m in models]
    ces = [F.metric_ce(logits_of(m, i), i) if len(i) > 1 else math.inf for m, i in zip(models, ids)]
    weights = weights_for(method, ces)
    rng = SplitMix64(seed if seed is not None else 0)
    eos = base["model"].config.eos_token_id
    generated = []
    while len(generated) < max_tokens:
        merged = {}
        for m_index, (m, i) in enumerate(zip(models, ids)):
            if weights[m_index] <= 0:
                continue
            last = torch.from_numpy(logits_of(m, i)[-1]).float()
            values, top = torch.topk(last, k=min(top_k, last.numel()))
            probs = F.softmax(values.double().numpy() / temperature)
            seen = set()
            for tid, p in zip(top.tolist(), probs):
                b = tid if m_index == 0 else maps[m_index - 1][tid]
                if b not in seen:
                    seen.add(b)
                    merged[b] = merged.get(b, 0.0) + weights[m_index] * float(p)
        entries = sorted(merged.items())
        if seed is None:
            best = entries[0]
            for e in entries:
                if e[1] > best[1]:
                    best = e
            nxt = best[0]
        else:
            u = rng.unit() * sum(p for _, p in entries)
            nxt = entries[-1][0]
            for tid, p in entries:
                u -= p
                if u < 0:
                    nxt = tid
                    break
        generated.append(nxt)
        if nxt == eos or len(generated) == max_tokens:
            break
        ids[0] = prompt_ids + generated
        text = prompt + base["tok"].decode(generated, skip_special_tokens=False)
        for m_index in range(1, len(models)):
            ids[m_index] = models[m_index]["tok"].encode(text).ids
    return {"ids": generated, "text": base["tok"].decode(generated), "weights": weights}


def main():
    names = ["gpt2-a", "llama-b", "llama-c"]
    loaded = {n: load(n) for n in names}
    cases = []
    settings = [
        (["gpt2-a", "llama-b", "llama-c"], "mean", None, 1.0),
        (["gpt2-a", "llama-b", "llama-c"], "mince", None, 1.0),
        (["gpt2-a", "llama-b", "llama-c"], "avgce", 7, 1.0),
        (["gpt2-a", "llama-b", "llama-c"], "avgce-paper", 2026, 0.7),
        (["llama-b", "gpt2-a"], "mean", None, 1.0),
        (["llama-b", "gpt2-a"], "mean", 11, 1.5),
    ]
    for models_names, method, seed, temperature in settings:
        models = [loaded[n] for n in models_names]
        maps = [source_to_base(models[0], s) for s in models[1:]]
        out = generate(models, maps, "The base model", 16, method, seed, temperature, 10)
        cases.append({"models": models_names, "prompt": "The base model", "max_tokens": 16, "method": method,
                      "seed": seed, "temperature": temperature, "top_k": 10, **out})
        print(models_names, method, seed, out["ids"], repr(out["text"]))
    with open(os.path.join(FIX, "ensemble.json"), "w") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False, indent=1)

    with open(os.path.join(FIX, "fusion.json")) as f:
        fusion = json.load(f)
    with open(os.path.join(FIX, "reference.json")) as f:
        reference = json.load(f)
    lam = 0.9  # FuseLLM's scripts: --lm_loss_weight 0.9
    losses = []
    for case_index, case in enumerate(fusion["cases"]):
        base = loaded[case["base"]]
        vocab = base["model"].config.vocab_size
        for method in ("mince", "avgce"):
            for n, text in enumerate(case["texts"]):
                ids = reference["models"][case["base"]]["texts"][n]["ids"]
                logits = torch.from_numpy(logits_of(base, ids))
                target = torch.zeros(len(ids), vocab, dtype=torch.float64)
                for t, row in enumerate(text[method]):
                    target[t, row["ids"]] = torch.tensor(row["probs"], dtype=torch.float64)
                clm = torch.nn.functional.cross_entropy(logits[:-1], torch.tensor(ids[1:])).item()
                fuse = torch.nn.functional.cross_entropy(logits, target, reduction="none").mean().item()
                losses.append({"case": case_index, "method": method, "text": n, "lm_loss_weight": lam,
                               "clm": clm, "fuse": fuse, "loss": lam * clm + (1 - lam) * fuse})
    with open(os.path.join(FIX, "training.json"), "w") as f:
        json.dump({"losses": losses}, f, indent=1)
    print(len(losses), "loss records")


if __name__ == "__main__":
    main()
