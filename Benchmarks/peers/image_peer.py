"""Peer for `fuse bench image`: Pillow + numpy, and transformers' CLIPImageProcessor (Pillow backend), timed
on the same files in the same run. Prints one JSON object per file and stage: {"file", "stage", "ms"} with
the median milliseconds per image.

Stages:
  decode      Image.open(p).convert("RGB") → np.asarray (uint8 HWC)
  pillow+np   decode, resize shortest edge 224 bicubic, centre crop 224, /255, normalize (numpy float32 CHW)
  transformers decode, CLIPImageProcessor()(image) (the reference pipeline)
"""
import argparse
import json
import statistics
import time

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32).reshape(3, 1, 1)


def decode(path):
    return np.asarray(Image.open(path).convert("RGB"))


def pillow_numpy(path, size=224):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    target = (size, new_long) if w <= h else (new_long, size)
    im = im.resize(target, Image.Resampling.BICUBIC)
    left, top = (target[0] - size) // 2, (target[1] - size) // 2
    arr = np.asarray(im.crop((left, top, left + size, top + size)), dtype=np.float32).transpose(2, 0, 1)
    return (arr * np.float32(1 / 255) - MEAN) / STD


def median_ms(fn, path, repeats):
    fn(path)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    import transformers
    transformers.logging.set_verbosity_error()
    from transformers import CLIPImageProcessor
    processor = CLIPImageProcessor()

    def hf(path):
        return processor(Image.open(path), return_tensors="np")["pixel_values"]

    for path in args.files:
        for stage, fn in (("decode", decode), ("pillow+np", pillow_numpy), ("transformers", hf)):
            print(json.dumps({"file": path, "stage": stage, "ms": median_ms(fn, path, args.repeats)}), flush=True)


if __name__ == "__main__":
    main()
