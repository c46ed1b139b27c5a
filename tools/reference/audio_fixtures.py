"""Generates the audio fixtures under Tests/Fixtures/audio from the reference implementations.

References: soundfile (libsndfile) for decoding, torchaudio.functional.resample (defaults: sinc_interp_hann,
lowpass_filter_width 6, rolloff 0.99), torchaudio.compliance.kaldi.fbank, transformers' ASTFeatureExtractor and a
torch Conv2d laid out as in ASTEmbeddings, and ImageBind's audio recipe (data.py: resample to 16 kHz, 3 clips x 2 s
from pytorchvideo's ConstantClipsPerVideoSampler, per-clip mean removal, htk_compat fbank, 204 frames, Normalize).

Run with a venv holding a matched torch + torchaudio pair (torchaudio does not import next to torch 2.13+cpu):
    /work/venv-audio/bin/python tools/reference/audio_fixtures.py
Needs espeak-ng on PATH (Debian package) for the speech clip.
"""
import json
import math
import os
import struct
import subprocess
import tempfile
from fractions import Fraction

import numpy as np
import soundfile as sf
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi
import torchaudio.functional as AF

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "audio")
FILES = os.path.join(ROOT, "files")
REF = os.path.join(ROOT, "ref")
os.makedirs(FILES, exist_ok=True)
os.makedirs(REF, exist_ok=True)
manifest = {"versions": {"torch": torch.__version__, "torchaudio": torchaudio.__version__,
                         "libsndfile": sf.__libsndfile_version__}}


def f32(name, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(os.path.join(REF, name))
    return name


def speech(rate=22050):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "speech.wav")
        subprocess.run(["espeak-ng", "-w", path, "-s", "170", "Fuse embeds every sound."],
                       check=True)
        data, sr = sf.read(path, dtype="float32")
    assert sr == rate, sr
    return data


def tone_chirp(rate, seconds, stereo=False):
    t = np.arange(int(rate * seconds)) / rate
    chirp = 0.5 * np.sin(2 * np.pi * (100 * t + 0.5 * (rate / 2.5 - 100) / seconds * t * t))
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    left = chirp.astype(np.float32)
    if not stereo:
        return left
    return np.stack([left, tone.astype(np.float32)], axis=1)


# ---- decoding: formats x rates x channel counts; expected = soundfile's float32, channels averaged ----
rng = np.random.default_rng(7)
decode_cases = []
formats = [
    ("pcm_u8", "WAV", "PCM_U8", "wav"), ("pcm16", "WAV", "PCM_16", "wav"), ("pcm24", "WAV", "PCM_24", "wav"),
    ("pcm32", "WAV", "PCM_32", "wav"), ("float", "WAV", "FLOAT", "wav"), ("double", "WAV", "DOUBLE", "wav"),
    ("extensible", "WAVEX", "PCM_16", "wav"), ("flac", "FLAC", "PCM_16", "flac"), ("ogg", "OGG", "VORBIS", "ogg"),
    ("aiff", "AIFF", "PCM_16", "aiff"),
]
rates = [8000, 22050, 44100, 48000]
for i, (tag, container, subtype, ext) in enumerate(formats):
    rate = rates[i % len(rates)]
    stereo = i % 2 == 1
    data = tone_chirp(rate, 0.12, stereo)
    name = f"{tag}_{rate // 1000}k_{'stereo' if stereo else 'mono'}.{ext}"
    sf.write(os.path.join(FILES, name), data, rate, format=container, subtype=subtype)
    decoded, sr = sf.read(os.path.join(FILES, name), dtype="float32", always_2d=True)
    mono = decoded.mean(axis=1, dtype=np.float32)
    decode_cases.append({"file": name, "rate": sr, "channels": decoded.shape[1], "frames": decoded.shape[0],
                         "expected": f32(name + ".f32", mono)})

# speech (espeak-ng at 22.05 kHz) stored as FLAC; clipping (a tone driven past full scale) as 16-bit WAV at 44.1 kHz.
speech22 = speech()
sf.write(os.path.join(FILES, "speech_22k.flac"), speech22, 22050, format="FLAC", subtype="PCM_16")
loud = np.clip(1.8 * tone_chirp(44100, 0.3), -1, 1)
sf.write(os.path.join(FILES, "clipping_44k.wav"), loud, 44100, subtype="PCM_16")
silence = np.zeros((4800, 2), dtype=np.float32)
sf.write(os.path.join(FILES, "silence_48k_stereo.wav"), silence, 48000, subtype="PCM_16")
sf.write(os.path.join(FILES, "one_sample_16k.wav"), np.array([0.25], dtype=np.float32), 16000, subtype="PCM_16")
sf.write(os.path.join(FILES, "short_16k.wav"), tone_chirp(16000, 0.015), 16000, subtype="PCM_16")  # 240 < 400
for name in ["speech_22k.flac", "clipping_44k.wav", "silence_48k_stereo.wav", "one_sample_16k.wav", "short_16k.wav"]:
    decoded, sr = sf.read(os.path.join(FILES, name), dtype="float32", always_2d=True)
    decode_cases.append({"file": name, "rate": sr, "channels": decoded.shape[1], "frames": decoded.shape[0],
                         "expected": f32(name + ".f32", decoded.mean(axis=1, dtype=np.float32))})
manifest["decode"] = decode_cases

# ---- bad input ----
bad = os.path.join(ROOT, "bad")
os.makedirs(bad, exist_ok=True)
with open(os.path.join(bad, "not_audio.wav"), "wb") as fh:
    fh.write(b"this is plain text, not a RIFF file\n" * 4)
good = open(os.path.join(FILES, "pcm16_22k_stereo.wav"), "rb").read()
open(os.path.join(bad, "truncated_header.wav"), "wb").write(good[:30])
sf.write(os.path.join(bad, "zero_frames.wav"), np.zeros((0,), dtype=np.float32), 16000, subtype="PCM_16")
nan = tone_chirp(16000, 0.05)
nan[100] = np.nan
nan[200] = np.inf
sf.write(os.path.join(bad, "nan_float.wav"), nan, 16000, subtype="FLOAT")
manifest["nan_frame"] = 100


def patched(rate=None, channels=None):
    """A canonical 44-byte-header PCM16 WAV with its fmt fields overwritten (an absurd header)."""
    blob = bytearray(open(os.path.join(FILES, "one_sample_16k.wav"), "rb").read())
    assert blob[12:16] == b"fmt "
    if channels is not None:
        struct.pack_into("<H", blob, 22, channels)
    if rate is not None:
        struct.pack_into("<I", blob, 24, rate)
    return bytes(blob)


open(os.path.join(bad, "rate_3hz.wav"), "wb").write(patched(rate=3))
open(os.path.join(bad, "rate_2ghz.wav"), "wb").write(patched(rate=2_000_000_000))
open(os.path.join(bad, "channels_1000.wav"), "wb").write(patched(channels=1000) + b"\0" * 4000)

# ---- resampling: torchaudio.functional.resample defaults, on the decoded fixture files ----
resample_cases = []
for name, target in [("pcm_u8_8k_mono.wav", 16000), ("pcm16_22k_stereo.wav", 16000), ("pcm24_44k_mono.wav", 16000),
                     ("pcm32_48k_stereo.wav", 16000), ("speech_22k.flac", 16000), ("clipping_44k.wav", 16000),
                     ("float_8k_mono.wav", 44100), ("one_sample_16k.wav", 48000), ("short_16k.wav", 22050)]:
    decoded, sr = sf.read(os.path.join(FILES, name), dtype="float32", always_2d=True)
    mono = torch.from_numpy(decoded.mean(axis=1, dtype=np.float32))[None]
    out = AF.resample(mono, sr, target)[0].numpy()
    resample_cases.append({"file": name, "from": sr, "to": target,
                           "expected": f32(f"resample_{name}_{target}.f32", out)})
manifest["resample"] = resample_cases

# ---- fbank: raw 16 kHz inputs (resampled speech, chirp + tone, silence, clipped) and option sets ----
speech16 = AF.resample(torch.from_numpy(speech22)[None], 22050, 16000)[0].numpy()
inputs = {
    "speech16k": speech16,
    "chirp16k": tone_chirp(16000, 1.0),
    "silence16k": np.zeros(8000, dtype=np.float32),
    "clipped16k": np.clip(2.5 * tone_chirp(16000, 0.5), -1, 1).astype(np.float32),
    "chirp8k": tone_chirp(8000, 0.6),
}
for key, value in inputs.items():
    f32(f"input_{key}.f32", value)
option_sets = {
    "ast": dict(window_type="hanning", num_mel_bins=128),
    "imagebind": dict(window_type="hanning", num_mel_bins=128, htk_compat=True, use_energy=False, dither=0.0),
    "default_energy": dict(use_energy=True),
    "htk_hamming_reflect": dict(window_type="hamming", htk_compat=True, use_energy=True, snip_edges=False,
                                num_mel_bins=40),
    "blackman_magnitude_linear": dict(window_type="blackman", blackman_coeff=0.40, round_to_power_of_two=False,
                                      use_power=False, use_log_fbank=False, num_mel_bins=30),
    "rectangular_plain": dict(window_type="rectangular", preemphasis_coefficient=0.0, remove_dc_offset=False,
                              raw_energy=False, energy_floor=0.0, use_energy=True, subtract_mean=True,
                              low_freq=60.0, high_freq=-400.0, num_mel_bins=64),
    "vtln": dict(vtln_warp=0.9, num_mel_bins=40, frame_length=20.0, frame_shift=8.0),
    "povey_8k": dict(sample_frequency=8000.0, num_mel_bins=40, high_freq=3800.0),
}
fbank_cases = []
for opt_name, opts in option_sets.items():
    keys = ["chirp8k"] if opts.get("sample_frequency") == 8000.0 else [
        k for k in inputs if k != "chirp8k"] if opt_name in ("ast", "imagebind") else ["speech16k", "chirp16k"]
    for key in keys:
        out = kaldi.fbank(torch.from_numpy(inputs[key])[None], **opts)
        fbank_cases.append({"input": f"input_{key}.f32", "options": opts, "shape": list(out.shape),
                            "expected": f32(f"fbank_{opt_name}_{key}.f32", out.numpy())})
manifest["fbank"] = fbank_cases
# Reference refusal: shorter than one frame.
try:
    kaldi.fbank(torch.zeros(1, 399))
    raise SystemExit("torchaudio accepted a signal shorter than one frame")
except AssertionError:
    manifest["fbank_short_refused"] = True

# ---- AST: ASTFeatureExtractor (torchaudio path) + a Conv2d laid out as ASTEmbeddings ----
from transformers import ASTFeatureExtractor  # noqa: E402

ast_cases = []
torch.manual_seed(0)
conv = torch.nn.Conv2d(1, 8, kernel_size=(16, 16), stride=(10, 10))
f32("ast_conv_weight.f32", conv.weight.detach().numpy())  # [8, 1, 16, 16]
f32("ast_conv_bias.f32", conv.bias.detach().numpy())
for max_length, name in [(300, "pad"), (100, "crop")]:
    config = {"do_normalize": True, "feature_extractor_type": "ASTFeatureExtractor", "feature_size": 1,
              "max_length": max_length, "mean": -4.2677393, "num_mel_bins": 128, "padding_side": "right",
              "padding_value": 0.0, "return_attention_mask": False, "sampling_rate": 16000, "std": 4.5689974}
    folder = os.path.join(ROOT, f"ast_{name}")
    os.makedirs(folder, exist_ok=True)
    json.dump(config, open(os.path.join(folder, "preprocessor_config.json"), "w"), indent=2)
    extractor = ASTFeatureExtractor.from_pretrained(folder)
    values = extractor(speech16, sampling_rate=16000, return_tensors="pt")["input_values"]  # [1, T, 128]
    # ASTEmbeddings: input_values.unsqueeze(1).transpose(2, 3) -> [1, 1, freq, time]; conv; flatten(2).transpose(1, 2)
    with torch.no_grad():
        tokens = conv(values.unsqueeze(1).transpose(2, 3)).flatten(2).transpose(1, 2)[0]
    ast_cases.append({"folder": f"ast_{name}", "input": "input_speech16k.f32", "shape": list(values.shape[1:]),
                      "values": f32(f"ast_{name}_values.f32", values[0].numpy()),
                      "tokens_shape": list(tokens.shape), "tokens": f32(f"ast_{name}_conv.f32", tokens.numpy())})
manifest["ast"] = ast_cases


# ---- ImageBind's audio recipe (data.py load_and_transform_audio_data), re-stated with torchaudio ----
def imagebind(waveform, sr, clips=3, clip_seconds=2, frames=204, mean=-4.268, std=9.138):
    waveform = torch.from_numpy(waveform)[None]
    if sr != 16000:
        waveform = AF.resample(waveform, orig_freq=sr, new_freq=16000)
        sr = 16000
    duration = waveform.size(1) / sr
    max_start = Fraction(max(duration - clip_seconds, 0))
    uniform = Fraction(max_start, max(clips - 1, 1))
    out = []
    for i in range(clips):
        start = uniform * i
        end = start + clip_seconds
        clip = waveform[:, int(start * sr): int(end * sr)]
        clip = clip - clip.mean()
        fb = kaldi.fbank(clip, htk_compat=True, sample_frequency=sr, use_energy=False, window_type="hanning",
                         num_mel_bins=128, dither=0.0, frame_length=25, frame_shift=10).transpose(0, 1)
        p = frames - fb.size(1)
        fb = torch.nn.functional.pad(fb, (0, p), mode="constant", value=0) if p > 0 else fb[:, :frames]
        out.append(((fb - mean) / std)[None])
    return torch.stack(out)  # [clips, 1, 128, frames]


ib_cases = []
long_speech = np.concatenate([speech22, 0.1 * tone_chirp(22050, 1.2), speech22])  # > 2 s: clips spread
sf.write(os.path.join(FILES, "long_22k.flac"), long_speech, 22050, format="FLAC", subtype="PCM_16")
long_speech = sf.read(os.path.join(FILES, "long_22k.flac"), dtype="float32")[0]
for name, wave, sr in [("speech_22k.flac", speech22, 22050), ("long_22k.flac", long_speech, 22050)]:
    spec = imagebind(wave, sr)
    with torch.no_grad():
        tokens = conv(spec).flatten(2).transpose(1, 2)  # ImageBind's stem: Conv2d(1, D, 16, stride 10), same order
    entry = {"name": name, "rate": sr, "shape": list(spec.shape),
             "values": f32(f"imagebind_{name}_values.f32", spec.numpy()),
             "tokens_shape": list(tokens.shape), "tokens": f32(f"imagebind_{name}_conv.f32", tokens.numpy())}
    ib_cases.append(entry)
manifest["imagebind"] = ib_cases

json.dump(manifest, open(os.path.join(ROOT, "manifest.json"), "w"), indent=1)
total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
print(f"fixtures: {total / 1e6:.2f} MB")
