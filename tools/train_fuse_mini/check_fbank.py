"""Checks common.kaldi_fbank against torchaudio.compliance.kaldi.fbank (AST's arguments).

Run with a Python whose torchaudio imports (torchaudio 2.11 needs torch 2.11), e.g.
    /work/venv-audio/bin/python tools/train_fuse_mini/check_fbank.py
"""
import sys
import wave
from pathlib import Path

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi

sys.path.insert(0, str(Path(__file__).parent))
from common import REPO, kaldi_fbank  # noqa: E402


def read_wav(p: Path) -> torch.Tensor:
    with wave.open(str(p)) as w:
        assert w.getsampwidth() == 2 and w.getframerate() == 16000 and w.getnchannels() == 1
        a = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return torch.from_numpy(a)


signals = {p.name: read_wav(p) for p in sorted((REPO / "samples" / "audio").glob("*.wav")) if p.name != "chirp-stereo.wav"}
g = torch.Generator().manual_seed(0)
signals["noise"] = torch.rand(12345, generator=g) * 2 - 1
signals["short"] = torch.rand(401, generator=g) * 0.1
worst = 0.0
for name, x in signals.items():
    ref = kaldi.fbank(x.unsqueeze(0), htk_compat=True, sample_frequency=16000, use_energy=False,
                      window_type="hanning", num_mel_bins=128, dither=0.0, frame_shift=10, frame_length=25)
    ours = kaldi_fbank(x)
    d = (ref - ours).abs().max().item()
    worst = max(worst, d)
    print(f"{name:16s} frames {ours.shape[0]:4d}  max|diff| {d:.2e}")
print(f"worst {worst:.2e}")
assert worst < 1e-3, "fbank differs from torchaudio"

# Resampling (torchaudio.functional.resample defaults) on the 44.1 kHz / 48 kHz samples.
import soundfile  # noqa: E402,F401  (needs soundfile in this venv)
import torchaudio.functional as AF  # noqa: E402

from common import load_audio, resample  # noqa: E402

for rate in (44100, 48000, 22050, 8000):
    x = torch.rand(rate // 3, generator=g) * 2 - 1
    d = (AF.resample(x[None], rate, 16000)[0] - resample(x, rate, 16000)).abs().max().item()
    print(f"resample {rate} -> 16000  max|diff| {d:.2e}")
    assert d < 1e-5
