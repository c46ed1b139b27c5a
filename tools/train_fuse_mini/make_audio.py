"""Captioned training audio: espeak-ng speech of words and short phrases (several voices, speeds, pitches) paired
with their transcripts, and synthetic sounds (tones, chirps, noise, beeps, clicks) paired with descriptions.

Everything is produced at 16 kHz mono float in [-1, 1] and turned into Kaldi fbank features by common.kaldi_fbank.
"""
from __future__ import annotations

import io
import random
import subprocess
import wave
from multiprocessing import Pool

import numpy as np
from scipy.signal import resample_poly

SR = 16000
TRAIN_VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb+f2", "en+m3", "en-us+m7", "en-gb-x-rp", "en-029+f4",
                "en-us+f1", "en-gb+m5"]
HELDOUT_VOICES = ["en-gb-scotland", "en-gb-x-gbcwmd+f5"]

COLORS = ["red", "green", "blue", "yellow", "orange", "purple", "pink", "brown", "black", "white", "gray"]
SHAPES = ["circle", "square", "triangle", "star", "hexagon", "cross", "diamond", "ring"]
ANIMALS = ["cat", "dog", "horse", "cow", "bird", "fish", "sheep", "lion", "tiger", "elephant", "rabbit", "duck"]
THINGS = ["coffee", "tea", "cup", "rocket", "astronaut", "camera", "tripod", "moon", "sun", "tree", "house", "car",
          "boat", "train", "apple", "banana", "flower", "book", "clock", "coin", "chair", "table", "phone",
          "computer", "guitar", "piano", "bicycle", "airplane", "mountain", "river", "beach", "city", "bridge",
          "pizza", "bread", "cake", "water", "fire", "snow", "rain", "star", "sky", "road", "door", "window"]
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
PLACES = ["in the garden", "on the table", "in the sky", "on the beach", "in the city", "on a blanket",
          "in the snow", "on the road", "in a field", "by the river"]
VERBS = ["is sleeping", "is running", "is sitting", "is standing", "is eating", "is jumping"]

# The sentences spoken in samples/audio: kept out of the general speech set (and so out of the held-out split);
# make_samples_data.py adds them to training on their own, as the samples/ split.
SAMPLE_SENTENCES = {
    "A ginger cat resting and looking at the camera.", "A cup of coffee on a saucer.", "An astronaut in a space suit.",
    "A rocket launching into the sky.", "The black silhouette of a horse.", "A man with a camera on a tripod.",
}


def an(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def random_phrase(rng: random.Random) -> str:
    k = rng.random()
    nouns = ANIMALS + THINGS
    if k < 0.30:
        return rng.choice(nouns + COLORS + SHAPES + NUMBERS)
    if k < 0.45:
        return f"{an(rng.choice(COLORS))} {rng.choice(SHAPES + nouns)}"
    if k < 0.55:
        return f"{an(rng.choice(ANIMALS))} {rng.choice(VERBS)}"
    if k < 0.70:
        return f"{an(rng.choice(nouns))} {rng.choice(PLACES)}"
    if k < 0.80:
        return f"a photo of {an(rng.choice(nouns))}"
    if k < 0.88:
        return f"{rng.choice(NUMBERS[2:])} {rng.choice(ANIMALS)}s"
    if k < 0.94:
        return f"the {rng.choice(nouns)} is {rng.choice(COLORS)}"
    return f"{an(rng.choice(COLORS))} {rng.choice(nouns)} {rng.choice(PLACES)}"


def speak(args) -> np.ndarray:
    text, voice, speed, pitch = args
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        a = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if rate != SR:
        g = np.gcd(rate, SR)
        a = resample_poly(a, SR // g, rate // g).astype(np.float32)
    return a


def finish(a: np.ndarray, rng: random.Random, nprng: np.random.Generator) -> np.ndarray:
    """Random leading silence, gain and (sometimes) faint background noise."""
    a = np.concatenate([np.zeros(int(rng.uniform(0, 0.3) * SR), np.float32), a])
    peak = float(np.abs(a).max()) or 1.0
    a = a / peak * rng.uniform(0.2, 0.9)
    if rng.random() < 0.4:
        a = a + nprng.normal(0, rng.uniform(0.001, 0.02), a.shape).astype(np.float32)
    return np.clip(a, -1, 1).astype(np.float32)


def make_speech(n: int, voices: list[str], seed: int, exclude: set[str]):
    rng = random.Random(seed)
    jobs, texts = [], []
    while len(jobs) < n:
        t = random_phrase(rng)
        if t in exclude or t.capitalize() + "." in SAMPLE_SENTENCES:
            continue
        jobs.append((t, rng.choice(voices), rng.randint(120, 190), rng.randint(30, 70)))
        texts.append(t)
    with Pool(2) as pool:
        waves = pool.map(speak, jobs, chunksize=16)
    nprng = np.random.default_rng(seed)
    return [finish(w, rng, nprng) for w in waves], texts


def tone_caption(f: float, rng: random.Random) -> str:
    nice = int(round(f / 10) * 10)
    if f < 250:
        return rng.choice(["a low-pitched hum", f"a deep low tone at {nice} hertz", "a low steady tone"])
    if f < 1000:
        return rng.choice([f"a steady pure tone at {nice} hertz", "a beep at a medium pitch", "a pure sine tone"])
    return rng.choice(["a high-pitched whistle", f"a high-pitched tone at {nice} hertz", "a shrill high beep"])


def make_sounds(n: int, seed: int):
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    waves, texts = [], []
    for _ in range(n):
        dur = rng.uniform(0.6, 3.6)
        t = np.arange(int(dur * SR), dtype=np.float64) / SR
        kind = rng.choices(["tone", "chirp", "noise", "beeps", "square", "silence", "chord", "clicks"],
                           [0.30, 0.14, 0.12, 0.10, 0.10, 0.06, 0.08, 0.10])[0]
        if kind == "tone":
            f = float(np.exp(rng.uniform(np.log(90), np.log(4000))))
            x, cap = np.sin(2 * np.pi * f * t), tone_caption(f, rng)
        elif kind == "chirp":
            f0, f1 = sorted([rng.uniform(100, 600), rng.uniform(1500, 5000)])
            up = rng.random() < 0.5
            a, b = (f0, f1) if up else (f1, f0)
            x = np.sin(2 * np.pi * (a * t + (b - a) * t**2 / (2 * dur)))
            cap = rng.choice(["a rising chirp sweeping up in pitch", "a sweep from low to high"]) if up else \
                rng.choice(["a falling chirp sweeping down in pitch", "a sweep from high to low"])
        elif kind == "noise":
            white = nprng.normal(0, 0.3, t.shape)
            if rng.random() < 0.5:
                x, cap = white, rng.choice(["white noise, a steady hiss", "static hiss"])
            else:
                x = np.cumsum(white)
                x = x - np.convolve(x, np.ones(400) / 400, mode="same")
                cap = rng.choice(["a low rumbling noise", "a deep rumble"])
        elif kind == "beeps":
            f = rng.uniform(500, 2000)
            period = rng.uniform(0.2, 0.5)
            x = np.sin(2 * np.pi * f * t) * ((t % period) < period / 2)
            cap = rng.choice(["a series of short beeps", "beep beep beep"])
        elif kind == "square":
            f = rng.uniform(80, 600)
            x, cap = np.sign(np.sin(2 * np.pi * f * t)), rng.choice(["a harsh buzzing square wave", "an electric buzz"])
        elif kind == "silence":
            x, cap = nprng.normal(0, 1e-4, t.shape), rng.choice(["silence", "nothing, just quiet"])
        elif kind == "chord":
            f = rng.uniform(200, 600)
            x = sum(np.sin(2 * np.pi * f * r * t) for r in (1.0, 1.25, 1.5)) / 3
            cap = rng.choice(["a musical chord of three notes", "a major chord"])
        else:
            period = rng.uniform(0.25, 0.6)
            x = np.zeros_like(t)
            for k in np.arange(0, dur, period):
                i = int(k * SR)
                x[i : i + 80] = nprng.normal(0, 1, x[i : i + 80].shape) * np.exp(-np.arange(len(x[i : i + 80])) / 15)
            cap = rng.choice(["the ticking of a clock", "regular clicks like a ticking clock"])
        fade = np.minimum(1, np.minimum(t, t[-1] - t) / 0.01)
        x = (x * fade).astype(np.float32)
        waves.append(finish(x, rng, nprng) if kind != "silence" else x.astype(np.float32))
        texts.append(cap)
    return waves, texts
