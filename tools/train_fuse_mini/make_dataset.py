"""Generates fuse-mini's training and held-out data into $FUSE_CACHE/fuse-mini-data (outside the repo).

Seeded and reproducible. Held-out split: new renders (seed 2) of the synthetic images, speech by voices never used
in training saying phrases never spoken in training, and sounds from a different seed. Photos are train-only.

    /work/venv/bin/python tools/train_fuse_mini/make_dataset.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import AUDIO_MAX_LENGTH, DATA, clip_processor, kaldi_fbank, pad_or_crop_frames  # noqa: E402
from make_audio import HELDOUT_VOICES, TRAIN_VOICES, make_sounds, make_speech  # noqa: E402
from make_images import make_images  # noqa: E402

SIZES = {"train_images": 6000, "photo_crops": 40, "heldout_images": 600,
         "train_speech": 3000, "train_sounds": 1400, "heldout_speech": 300, "heldout_sounds": 200}


def fbanks(waves) -> tuple[np.ndarray, np.ndarray]:
    feats, lengths = [], []
    for w in waves:
        fb = kaldi_fbank(torch.from_numpy(w))
        lengths.append(min(fb.shape[0], AUDIO_MAX_LENGTH))
        feats.append(pad_or_crop_frames(fb).numpy().astype(np.float16))
    return np.stack(feats), np.array(lengths, np.int32)


def save(name: str, **arrays):
    np.savez(DATA / f"{name}.npz", **{k: v for k, v in arrays.items() if isinstance(v, np.ndarray)})
    meta = {k: v for k, v in arrays.items() if not isinstance(v, np.ndarray)}
    (DATA / f"{name}.json").write_text(json.dumps(meta))


def main():
    DATA.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # tiny FFTs: two threads only add synchronisation (13x slower on a busy machine)
    t0 = time.time()
    if not all((DATA / f"images_{s}.{e}").exists() for s in ("train", "heldout") for e in ("npz", "json")):
        proc = clip_processor()
        x, caps, kinds = make_images(SIZES["train_images"], SIZES["photo_crops"], seed=1, processor=proc)
        save("images_train", pixels=x, captions=caps, kinds=kinds)
        x, caps, kinds = make_images(SIZES["heldout_images"], 0, seed=2, processor=proc)
        save("images_heldout", pixels=x, captions=caps, kinds=kinds)
        print(f"images done in {time.time() - t0:.0f}s", flush=True)

    sw, st = make_speech(SIZES["train_speech"], TRAIN_VOICES, seed=3, exclude=set())
    nw, nt = make_sounds(SIZES["train_sounds"], seed=4)
    f, n = fbanks(sw + nw)
    save("audio_train", fbank=f, frames=n, captions=st + nt, kinds=["speech"] * len(st) + ["sound"] * len(nt))
    hw, ht = make_speech(SIZES["heldout_speech"], HELDOUT_VOICES, seed=5, exclude=set(st))
    hnw, hnt = make_sounds(SIZES["heldout_sounds"], seed=6)
    f, n = fbanks(hw + hnw)
    save("audio_heldout", fbank=f, frames=n, captions=ht + hnt, kinds=["speech"] * len(ht) + ["sound"] * len(hnt))
    print(f"audio done in {time.time() - t0:.0f}s", flush=True)
    (DATA / "sizes.json").write_text(json.dumps(SIZES))


if __name__ == "__main__":
    main()
