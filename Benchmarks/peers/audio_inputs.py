"""Writes the inputs for `fuse bench audio`: the speech clips in samples/audio (espeak-ng, 16 kHz mono) repeated
with short gaps of quiet noise into
  hour_16k_mono.wav     one hour, 16 kHz mono PCM-16 (no resampling needed: the AST/CLAP input rate)
  10min_44k1_stereo.wav ten minutes, 44.1 kHz stereo PCM-16 (exercises decode of two channels and resampling)

Run: /work/venv/bin/python Benchmarks/peers/audio_inputs.py [OUTPUT_DIR]   (default /tmp/fuse-bench-audio)
"""
import glob
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

root = Path(__file__).resolve().parents[2]
out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fuse-bench-audio")
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
clips = [sf.read(path, dtype="float32")[0] for path in sorted(glob.glob(str(root / "samples/audio/*.wav")))
         if sf.info(path).samplerate == 16000 and sf.info(path).channels == 1]
if not clips:
    sys.exit("no 16 kHz mono clips in samples/audio")


def speech(seconds: float, rate: int) -> np.ndarray:
    """Clips (resampled linearly to `rate`) separated by 0.3 s of quiet noise, cut to `seconds`."""
    pieces, total, index = [], 0, 0
    want = int(seconds * rate)
    while total < want:
        clip = clips[index % len(clips)]
        if rate != 16000:
            positions = np.arange(int(len(clip) * rate / 16000)) * (16000 / rate)
            clip = np.interp(positions, np.arange(len(clip)), clip).astype(np.float32)
        gap = (rng.standard_normal(int(0.3 * rate)) * 1e-3).astype(np.float32)
        pieces += [clip, gap]
        total += len(clip) + len(gap)
        index += 1
    return np.concatenate(pieces)[:want]


sf.write(out / "hour_16k_mono.wav", speech(3600, 16000), 16000, subtype="PCM_16")
left = speech(600, 44100)
stereo = np.stack([left, np.roll(left, 441) * 0.8], axis=1)
sf.write(out / "10min_44k1_stereo.wav", stereo, 44100, subtype="PCM_16")
print(out / "hour_16k_mono.wav", out / "10min_44k1_stereo.wav")
