"""Stage-1 reference: 20 optimisation steps of SetFit's contrastive fine-tuning on a fixed pair list.

The body is Tests/Fixtures/setfit/tiny-bert (dropout 0) wrapped as a SentenceTransformer (Transformer → mean
Pooling → Normalize). The pairs come from setfit's own `ContrastiveDataset` (num_iterations=4 over ten labelled
"sentences" given directly as token ids), taken in order, four per batch, 80 pairs → 20 steps. Each step does
what sentence-transformers' trainer does under SetFit's arguments: `CosineSimilarityLoss` (MSE between the cosine
of the two embeddings and the 0/1 label), backward, `clip_grad_norm_(1.0)` (transformers' `max_grad_norm`),
`torch.optim.AdamW` (β 0.9/0.999, ε 1e-8) with weight decay 0.01 on every tensor but biases and LayerNorms
(transformers' `get_decay_parameter_names`), and `get_linear_schedule_with_warmup` with ceil(0.1 · 20) warm-up
steps. Learning rate 1e-3 (50× SetFit's 2e-5, so that parameters move ~100× the tolerance).
The run is in float64 so the reference is the exact arithmetic.

Writes Tests/Fixtures/setfit/steps.safetensors: the sentences (ids [10, 9] + lengths), their labels, the pair list
(pairs [80, 3]: first, second, label), the per-step losses, learning rates and gradient norms, and final.<name>
for every trained tensor.
Run: /work/venv-setfit/bin/python tools/reference/setfit_steps.py   (setfit installed over /work/venv-llm)
"""
import math
import pathlib
import shutil
import tempfile

import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer, models
from sentence_transformers.losses import CosineSimilarityLoss
from setfit.sampler import ContrastiveDataset
from transformers import BertTokenizerFast, get_linear_schedule_with_warmup

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "Fixtures" / "setfit"
LENGTHS = [5, 2, 9, 4, 7, 3, 6, 8, 2, 5]
LABELS = [0, 1, 2, 0, 1, 2, 0, 1, 2, 2]
BATCH, LEARNING_RATE, WEIGHT_DECAY, WARMUP = 4, 1e-3, 0.01, 0.1


def body(scratch: pathlib.Path, dtype=torch.float64) -> SentenceTransformer:
    for item in (FIXTURES / "tiny-bert").iterdir():
        shutil.copy(item, scratch / item.name)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(5, 61)]
    BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}).save_pretrained(scratch)
    transformer = models.Transformer(str(scratch), max_seq_length=20)
    model = SentenceTransformer(modules=[transformer, models.Pooling(30, pooling_mode="mean"), models.Normalize()])
    return model.to(dtype).train()


def features(rows: list[list[int]]) -> dict[str, torch.Tensor]:
    longest = max(map(len, rows))
    ids = torch.zeros(len(rows), longest, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = torch.tensor(row)
        mask[r, :len(row)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}


def train(sentences, pairs, dtype):
    """The 20 steps; returns the losses, rates, gradient norms and the trained tensors by name."""
    steps = len(pairs) // BATCH
    with tempfile.TemporaryDirectory() as scratch:
        model = body(pathlib.Path(scratch), dtype)
        loss_fn = CosineSimilarityLoss(model)
        named = [(n, p) for n, p in model.named_parameters() if ".pooler." not in n]
        no_decay = [n for n, _ in named if "bias" in n or "LayerNorm" in n]
        optimizer = torch.optim.AdamW([
            {"params": [p for n, p in named if n not in no_decay], "weight_decay": WEIGHT_DECAY},
            {"params": [p for n, p in named if n in no_decay], "weight_decay": 0.0},
        ], lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)
        scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(steps * WARMUP), steps)
        losses, rates, norms = [], [], []
        for step in range(steps):
            batch = pairs[step * BATCH:(step + 1) * BATCH]
            first = features([sentences[a] for a, _, _ in batch])
            second = features([sentences[b] for _, b, _ in batch])
            labels = torch.tensor([label for _, _, label in batch], dtype=dtype)
            optimizer.zero_grad()
            loss = loss_fn([first, second], labels)
            loss.backward()
            norms.append(torch.nn.utils.clip_grad_norm_([p for _, p in named], 1.0).item())
            rates.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        final = {name.split(".", 2)[2]: parameter.detach().double() for name, parameter in named}
    return losses, rates, norms, final


def main() -> None:
    generator = torch.Generator().manual_seed(21)
    sentences = [[2] + torch.randint(5, 61, (n - 2,), generator=generator).tolist() + [3] if n > 2 else [2, 3]
                 for n in LENGTHS]
    names = [f"s{i}" for i in range(len(sentences))]
    dataset = ContrastiveDataset(names, LABELS, multilabel=False, num_iterations=4)
    pairs = [(int(p["sentence_1"][1:]), int(p["sentence_2"][1:]), p["label"]) for p in dataset]
    losses, rates, norms, final = train(sentences, pairs, torch.float64)
    print("losses", [round(x, 5) for x in losses])
    print("grad norms (clipped above 1)", [round(x, 3) for x in norms])
    # torch's own float32 run against its float64 run: the key biases (whose exact gradient is 0, so AdamW
    # turns rounding noise into steps) drift by ~1e-4; every other tensor stays far closer.
    _, _, _, final32 = train(sentences, pairs, torch.float32)
    drift = {name: (final32[name] - value).abs().max().item() for name, value in final.items()}
    for name in sorted(drift, key=drift.get, reverse=True)[:4]:
        print(f"torch float32 vs float64 after 20 steps: {name} {drift[name]:.2e}")
    longest = max(LENGTHS)
    ids = torch.zeros(len(sentences), longest)
    for r, row in enumerate(sentences):
        ids[r, :len(row)] = torch.tensor(row, dtype=torch.float32)
    tensors = {
        "sentences": ids, "lengths": torch.tensor(LENGTHS, dtype=torch.float32),
        "labels": torch.tensor(LABELS, dtype=torch.float32),
        "pairs": torch.tensor(pairs, dtype=torch.float32),
        "losses": torch.tensor(losses), "learning_rates": torch.tensor(rates), "grad_norms": torch.tensor(norms),
    }
    for name, value in final.items():
        tensors["final." + name] = value
    save_file({k: v.contiguous().float() for k, v in tensors.items()}, str(FIXTURES / "steps.safetensors"))


if __name__ == "__main__":
    main()
