"""Trains fuse-mini's image and audio tokenizers against the frozen all-MiniLM-L6-v2 encoder.

Targets are MiniLM's own sentence embeddings of the captions/transcripts, so images and audio land in the text
space. Loss: symmetric InfoNCE (temperature 0.05) whose targets are softened by caption-caption similarity (so
repeated or near-identical captions in a batch are not treated as negatives), plus a cosine term to the own caption.

To fit in minutes on 2 CPU cores, the main phase keeps a random 32 of the patch tokens per example (FLIP-style
token dropping); a short final phase trains with all tokens, as inference uses them.

    /work/venv/bin/python tools/train_fuse_mini/train.py      # after make_dataset.py
"""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from common import (CACHE, DATA, FuseMini, embed_texts, load_encoder, load_text_tokenizer,  # noqa: E402
                    normalize_fbank, pixel_values_from_uint8)

SEED = 0
TAU, TAU_TARGET, COS_WEIGHT = 0.05, 0.02, 1.0
MAIN = {"steps": 80, "batch": 32, "keep": 32}
FINAL = {"steps": 8, "batch": 12, "keep": None}
LR, WARMUP = 4e-3, 10
CHECKPOINT = CACHE / "fuse-mini-checkpoint.pt"


def load_split(name):
    arrays = np.load(DATA / f"{name}.npz")
    meta = json.loads((DATA / f"{name}.json").read_text())
    return {**{k: arrays[k] for k in arrays.files}, **meta}


def caption_embeddings(bert, captions: list[str]) -> dict[str, torch.Tensor]:
    tok = load_text_tokenizer()
    unique = sorted(set(captions))
    emb = embed_texts(bert, tok, unique)
    return {c: emb[i] for i, c in enumerate(unique)}


def contrastive_loss(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    logits = x @ t.T / TAU
    target = F.softmax(t @ t.T / TAU_TARGET, dim=1)
    nce = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
    return nce + COS_WEIGHT * (1 - (x * t).sum(-1)).mean()


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)
    t0 = time.time()
    model = FuseMini(load_encoder())
    images, audio = load_split("images_train"), load_split("audio_train")
    fb = audio["fbank"].astype(np.float64)
    audio_mean, audio_std = float(fb.mean()), float(fb.std())
    del fb
    caps = caption_embeddings(model.bert, images["captions"] + audio["captions"])
    img_t = torch.stack([caps[c] for c in images["captions"]])
    aud_t = torch.stack([caps[c] for c in audio["captions"]])
    print(f"{len(img_t)} images, {len(aud_t)} audio clips, {len(caps)} captions; audio mean {audio_mean:.4f} "
          f"std {audio_std:.4f}", flush=True)

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.0)
    total = MAIN["steps"] + FINAL["steps"]

    def lr_at(step):
        if step < WARMUP:
            return LR * (step + 1) / WARMUP
        return LR * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (total - WARMUP)))

    def batch(n_items, size):
        return np.sort(rng.choice(n_items, size, replace=False))

    def keep_idx(b, n_tokens, keep):
        if keep is None:
            return None
        return torch.from_numpy(np.stack([np.sort(rng.permutation(n_tokens)[:keep]) for _ in range(b)]))

    log = []
    for step in range(total):
        phase = MAIN if step < MAIN["steps"] else FINAL
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        b = phase["batch"]
        i = batch(len(img_t), b)
        x = pixel_values_from_uint8(images["pixels"][i])
        e = model.embed_image(x, keep_idx(b, 196, phase["keep"]))
        li = contrastive_loss(e, img_t[i])
        opt.zero_grad()
        li.backward()
        opt.step()
        j = batch(len(aud_t), b)
        a = normalize_fbank(torch.from_numpy(audio["fbank"][j].astype(np.float32)), audio_mean, audio_std)
        e = model.embed_audio(a, keep_idx(b, 192, phase["keep"]))
        la = contrastive_loss(e, aud_t[j])
        opt.zero_grad()
        la.backward()
        opt.step()
        log.append({"step": step, "image_loss": li.item(), "audio_loss": la.item(), "seconds": time.time() - t0})
        if step % 10 == 0 or step == total - 1:
            print(f"step {step:4d}  image {li.item():.3f}  audio {la.item():.3f}  {time.time() - t0:.0f}s", flush=True)

    state = {k: v for k, v in model.state_dict().items() if not k.startswith("bert.")}
    torch.save({"state": state, "audio_mean": audio_mean, "audio_std": audio_std, "log": log,
                "train_seconds": time.time() - t0,
                "hyper": {"seed": SEED, "tau": TAU, "tau_target": TAU_TARGET, "cos_weight": COS_WEIGHT,
                          "main": MAIN, "final": FINAL, "lr": LR, "warmup": WARMUP}}, CHECKPOINT)
    print(f"saved {CHECKPOINT} after {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
