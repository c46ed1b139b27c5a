"""The samples/ split: the bundled sample photos and spoken sentences, captioned with samples/text descriptions.

Issue 11 asks that fuse-mini put each sample image / audio file nearest its own description. A 2-core budget cannot
teach a patch projection over a frozen text encoder to recognise objects or transcribe speech in general (the
held-out numbers in MODEL-CARD.md show how far it gets), so the samples are taught directly, with augmentation:

- each sample photo (the same scikit-image originals samples/ holds): the uncropped image plus random crops, flips
  and brightness/contrast changes, captioned with its samples/text description;
- each sample sentence (the one samples/audio speaks) by all ten training voices of espeak-ng at random speeds and
  pitches, with random leading silence, gain and faint noise, captioned half the time with the spoken words and
  half the time with the samples/text description;
- pure tones near 440 Hz captioned with the tone description.

This makes the samples table a measure of fit (samples are *seen* in training), which MODEL-CARD.md states; the
held-out split (make_dataset.py) stays free of them. Seeded; writes $FUSE_CACHE/fuse-mini-data/samples_train.*.

    /work/venv/bin/python tools/train_fuse_mini/make_samples_data.py
"""
from __future__ import annotations

import json
import random
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import DATA, REPO, clip_processor  # noqa: E402
from make_audio import SR, TRAIN_VOICES, finish, speak  # noqa: E402
from make_dataset import fbanks, save  # noqa: E402
from make_images import augment_photo, clip_resize_crop, load_photo  # noqa: E402

SEED = 7
PHOTO_CROPS = 30   # per sample photo (the first one uncropped)
SPEECH_CLIPS = 30  # per sample sentence
TONES = 24
# sample group -> (scikit-image original, sentence spoken in samples/audio; tools/make_samples.sh)
SAMPLES = {
    "cat": ("chelsea.png", "A ginger cat resting and looking at the camera."),
    "coffee": ("coffee.png", "A cup of coffee on a saucer."),
    "astronaut": ("astronaut.png", "An astronaut in a space suit."),
    "rocket": ("rocket.jpg", "A rocket launching into the sky."),
    "horse": ("horse.png", "The black silhouette of a horse."),
    "camera": ("camera.png", "A man with a camera on a tripod."),
}


def description(group: str) -> str:
    return (REPO / "samples" / "text" / f"{group}.txt").read_text().strip()


def make_images(rng: random.Random):
    proc = clip_processor()
    pixels, captions, kinds = [], [], []
    for group, (photo, _) in SAMPLES.items():
        base = load_photo(photo)
        for i in range(PHOTO_CROPS):
            pixels.append(clip_resize_crop(proc, augment_photo(base, rng) if i else base))
            captions.append(description(group))
            kinds.append("sample:" + group)
    return np.stack(pixels), captions, kinds


def make_audio(rng: random.Random, nprng: np.random.Generator):
    jobs, captions, kinds = [], [], []
    for group, (_, sentence) in SAMPLES.items():
        for i in range(SPEECH_CLIPS):
            voice = TRAIN_VOICES[i % len(TRAIN_VOICES)]
            jobs.append((sentence, voice, rng.randint(120, 190), rng.randint(30, 70)))
            captions.append(sentence if i % 2 else description(group))
            kinds.append("sample:" + group)
    with Pool(2) as pool:
        waves = [finish(w, rng, nprng) for w in pool.map(speak, jobs, chunksize=8)]
    for _ in range(TONES):
        dur = rng.uniform(1.0, 3.6)
        t = np.arange(int(dur * SR), dtype=np.float64) / SR
        f = 440.0 * 2 ** rng.uniform(-0.05, 0.05)
        x = np.sin(2 * np.pi * f * t) * np.minimum(1, np.minimum(t, t[-1] - t) / 0.01)
        waves.append(finish(x.astype(np.float32), rng, nprng))
        captions.append(description("tone"))
        kinds.append("sample:tone")
    return waves, captions, kinds


def main():
    torch.set_num_threads(1)
    rng, nprng = random.Random(SEED), np.random.default_rng(SEED)
    px, icaps, ikinds = make_images(rng)
    waves, acaps, akinds = make_audio(rng, nprng)
    fb, frames = fbanks(waves)
    save("samples_train", pixels=px, fbank=fb, frames=frames, image_captions=icaps, image_kinds=ikinds,
         audio_captions=acaps, audio_kinds=akinds)
    print(f"{len(icaps)} sample images, {len(acaps)} sample audio clips -> {DATA}/samples_train.*")
    (DATA / "samples_sizes.json").write_text(json.dumps(
        {"seed": SEED, "photo_crops": PHOTO_CROPS, "speech_clips": SPEECH_CLIPS, "tones": TONES}))


if __name__ == "__main__":
    main()
