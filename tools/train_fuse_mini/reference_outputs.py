"""Saves the Python reference model's outputs on a few samples/ files to Tests/Fixtures/fuse-mini/, so the Swift
runtime can be tested against them without Python.

Tests/Fixtures/fuse-mini/reference.safetensors (F32), tensors named <case>.<what>:
    <case>.pixel_values  [3, 224, 224]  CLIPImageProcessor output (image cases with full intermediates)
    <case>.features      [384, 128]     normalised fbank, padded/cropped to max_length frames (audio cases)
    <case>.tokens        [N, 384]       tokenizer output = encoder input: LayerNorm(patches @ W^T + b + positions)
    <case>.embedding     [384]          final unit-length embedding
    text.embeddings      [7, 384]       the samples/text descriptions, in manifest.json's "texts" order
    text.ids, text.mask  [7, T]         their BERT WordPiece ids and attention mask (padded batch), as F32
Tests/Fixtures/fuse-mini/manifest.json lists the cases, their sample file, and the similarity table.

    /work/venv/bin/python tools/train_fuse_mini/reference_outputs.py   # after export.py (needs models/fuse-mini)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).parent))
from common import REPO, audio_input  # noqa: E402
from reference_model import ReferenceModel  # noqa: E402

OUT = REPO / "Tests" / "Fixtures" / "fuse-mini"
# Every sample image and audio file; intermediates for one image and one audio keep the fixtures small.
FULL = {"images/cat.png", "audio/cat.wav"}
CASES = [(p.name.replace("-", "_").replace(".", "_"), f"{p.parent.name}/{p.name}", f"{p.parent.name}/{p.name}" in FULL)
         for d in ("images", "audio") for p in sorted((REPO / "samples" / d).iterdir())
         if p.suffix in (".png", ".jpg", ".wav", ".flac")]


@torch.no_grad()
def main():
    torch.set_num_threads(2)
    model = ReferenceModel.from_folder(REPO / "models" / "fuse-mini")
    tensors, cases = {}, []
    for name, rel, full in CASES:
        path = REPO / "samples" / rel
        if rel.startswith("images/"):
            x = model.image_pixel_values(path)
            tokens = model.model.image(x)
            emb = model.embed_pixels(x)[0]
            kind = "image"
            if full:
                tensors[f"{name}.pixel_values"] = x[0]
        else:
            x = model.audio_input_features(path)
            tokens = model.model.audio(audio_input(x))
            emb = model.embed_features(x)[0]
            kind = "audio"
            if full:
                tensors[f"{name}.features"] = x[0]
        if full:
            tensors[f"{name}.tokens"] = tokens[0]
        tensors[f"{name}.embedding"] = emb
        cases.append({"name": name, "file": f"samples/{rel}", "modality": kind, "intermediates": full})
    texts = sorted((REPO / "samples" / "text").glob("*.txt"))
    strings = [t.read_text().strip() for t in texts]
    tensors["text.embeddings"] = model.embed_texts(strings)
    enc = model.tokenizer(strings, padding=True, truncation=True, max_length=256, return_tensors="pt")
    tensors["text.ids"] = enc["input_ids"].to(torch.float32)  # exact in F32 (ids < 2^24)
    tensors["text.mask"] = enc["attention_mask"].to(torch.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous().to(torch.float32) for k, v in tensors.items()}, str(OUT / "reference.safetensors"))
    manifest = {
        "reference": "tools/train_fuse_mini/reference_outputs.py (PyTorch 2.13, transformers CLIPImageProcessor "
                     "Pillow backend, Kaldi fbank equal to torchaudio)",
        "model": "models/fuse-mini with models/all-MiniLM-L6-v2 (tools/setup_models.sh)",
        "suggested_tolerance": {"pixel_values": 1e-5, "features": 1e-4, "tokens": 1e-4, "embedding": 1e-4},
        "cases": cases,
        "texts": [f"samples/text/{t.name}" for t in texts],
    }
    evaluation = REPO / "models" / "fuse-mini" / "evaluation.json"
    if evaluation.exists():
        s = json.loads(evaluation.read_text())["samples"]
        manifest["sample_table"] = {"own_first": s["own_first"], "inputs": s["inputs"],
                                    "nearest": {r["input"]: r["nearest"] for r in s["rows"]},
                                    "group": {r["input"]: r["group"] for r in s["rows"]}}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:28s} {p.stat().st_size:>9d} bytes")


if __name__ == "__main__":
    main()
