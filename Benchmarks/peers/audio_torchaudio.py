"""Peer for `fuse bench audio FILE`: the same three stages with the reference stack, timed in the same run.

decode: soundfile.read(float32) + channel mean; resample: torchaudio.functional.resample (defaults) to 16 kHz;
fbank: torchaudio.compliance.kaldi.fbank, 128 mel, Hanning (AST's settings). torch uses 2 threads (both cores).
Prints one JSON object: milliseconds per 10 s of audio for each stage (median of --repeats runs).
Run with a venv holding a matched torch + torchaudio pair, e.g. /work/venv-audio/bin/python.
"""
import argparse
import json
import statistics
import time

import numpy as np
import soundfile as sf
import torch
import torchaudio.compliance.kaldi as kaldi
import torchaudio.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--repeats", type=int, default=5)
parser.add_argument("--seconds", type=float, default=0, help="use only the first N seconds (0: whole file)")
args = parser.parse_args()
torch.set_num_threads(2)


def timed(fn):
    times, result = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


frames = int(args.seconds * sf.info(args.file).samplerate) if args.seconds > 0 else -1


def decode():
    data, rate = sf.read(args.file, dtype="float32", always_2d=True, frames=frames)
    return data.mean(axis=1, dtype=np.float32), rate


t_decode, (mono, rate) = timed(decode)
duration = len(mono) / rate
wave = torch.from_numpy(mono)[None]
t_resample, wave16 = timed(lambda: F.resample(wave, rate, 16000) if rate != 16000 else wave)
t_fbank, feats = timed(lambda: kaldi.fbank(wave16, window_type="hanning", num_mel_bins=128))
per10 = 10.0 / duration * 1000.0
print(json.dumps({"seconds": duration, "rate": rate, "decode_ms_per_10s": t_decode * per10,
                  "resample_ms_per_10s": t_resample * per10, "fbank_ms_per_10s": t_fbank * per10,
                  "frames": int(feats.shape[0]), "torch": torch.__version__}))
