"""Fixtures for Kaldi fbank parity where most mel bins sit at or near the log floor (issue 17, "quiet bands").

A pure tone leaves every mel bin far from it at log(float32 epsilon) = -15.94 or within a few units of it; a float32
FFT's rounding and any difference in how the mel energies are formed and floored show there and nowhere else.
Inputs (float32, written as FLOAT WAV where they are files so decoding is exact and no quantisation noise lifts the
floor: the 2.5 s sine written as 16-bit PCM is 1.80 away in log-mel from the float sine, with 5,108 fewer of its
31,744 bins at the floor, so a reference fed the synthesised array and Fuse fed a 16-bit file of it disagree by far
more than any fbank difference; compare both on the decoded file):
  sine440_16k       0.3 * sin(2 pi 440 t), 16 kHz mono, 1.2 s (the issue's 2.5 s case is stationary: shortened)
  silence_tone_16k  0.3 s of digital silence, 0.3 s of a 1 kHz tone (amplitude 0.3), 0.3 s of silence
  bandnoise_16k     seeded Gaussian noise band-limited to 300-800 Hz (FFT mask), rms 0.1, 0.8 s
  tones_44k_stereo  file: 0.3 sin 440 Hz + 0.3 sin 660 Hz on both channels (660 Hz phase-shifted on the right),
                    44.1 kHz stereo, 0.3 s, decoded by soundfile, averaged, resampled by torchaudio
References: torchaudio.compliance.kaldi.fbank with ASTFeatureExtractor's settings (float32 and float64 input: their
difference is the float32 rounding floor, recorded in the manifest), ASTFeatureExtractor's input_values (128 mel,
max_length 128) and the
same ASTEmbeddings-ordered Conv2d audio_fixtures.py writes (ast_conv_weight.f32), and the embedding level: the
tiny random AST of Tests/Fixtures/models/ast (models_ast.py; 32 mel, 40 frames) run by transformers on its own
ASTFeatureExtractor's output (pooler_output), with the pooler's float32-vs-float64-features distance. No download.
Writes Tests/Fixtures/audio/quiet/ (manifest.json, *.f32, *.wav).

torchaudio 2.11's compiled extension does not load next to torch 2.13+cpu, but compliance.kaldi and
functional.resample are pure Python over torch. In the venv, move torchaudio/lib/*.so aside (torchaudio then imports
without its extension) and run:
    /work/venv-audio/bin/python tools/reference/audio_quiet_bands.py
"""
import json
import os

import numpy as np
import soundfile as sf
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi
import torchaudio.functional as AF
import transformers
from transformers import ASTFeatureExtractor, ASTModel

HERE = os.path.dirname(os.path.abspath(__file__))
AUDIO = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "audio")
ROOT = os.path.join(AUDIO, "quiet")
os.makedirs(ROOT, exist_ok=True)
AST_OPTIONS = dict(window_type="hanning", num_mel_bins=128)  # ASTFeatureExtractor's kaldi.fbank call, rest default


def f32(name, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(os.path.join(ROOT, name))
    return name


def sine(freq, rate, seconds, amplitude=0.3, phase=0.0):
    t = np.arange(int(round(rate * seconds))) / rate
    return amplitude * np.sin(2 * np.pi * freq * t + phase)


def band_noise(rate, seconds, low, high, rms, seed):
    n = int(rate * seconds)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    spectrum[(freqs < low) | (freqs > high)] = 0
    x = np.fft.irfft(spectrum, n)
    return x * (rms / np.sqrt(np.mean(x * x)))


signals = {
    "sine440_16k": sine(440, 16000, 1.2),
    "silence_tone_16k": np.concatenate([np.zeros(4800), sine(1000, 16000, 0.3), np.zeros(4800)]),
    "bandnoise_16k": band_noise(16000, 0.8, 300, 800, 0.1, seed=17),
}
signals = {k: v.astype(np.float32) for k, v in signals.items()}

# The stereo 44.1 kHz file: decoded and mixed as the decode fixtures are, then torchaudio's resample to 16 kHz.
left = sine(440, 44100, 0.3) + sine(660, 44100, 0.3)
right = sine(440, 44100, 0.3) + sine(660, 44100, 0.3, phase=0.5)
stereo_name = "tones_44k_stereo.wav"
sf.write(os.path.join(ROOT, stereo_name), np.stack([left, right], 1).astype(np.float32), 44100, subtype="FLOAT")
decoded, rate = sf.read(os.path.join(ROOT, stereo_name), dtype="float32", always_2d=True)
mono = decoded.mean(axis=1, dtype=np.float32)
signals["tones_44k_stereo"] = AF.resample(torch.from_numpy(mono)[None], rate, 16000)[0].numpy()

# The whole file pipeline's own float32 rounding: mix, resample and fbank in float32 against the same in float64.
pipeline32 = kaldi.fbank(AF.resample(torch.from_numpy(mono)[None], rate, 16000), **AST_OPTIONS)
pipeline64 = kaldi.fbank(AF.resample(torch.from_numpy(decoded.astype(np.float64).mean(axis=1))[None], rate, 16000),
                         **AST_OPTIONS)
manifest = {"versions": {"torch": torch.__version__, "torchaudio": torchaudio.__version__,
                         "transformers": transformers.__version__, "libsndfile": sf.__libsndfile_version__},
            "options": AST_OPTIONS, "file": stereo_name,
            "file_pipeline_float32_vs_float64": float((pipeline32.double() - pipeline64).abs().max())}
config = {"do_normalize": True, "feature_extractor_type": "ASTFeatureExtractor", "feature_size": 1,
          "max_length": 128, "mean": -4.2677393, "num_mel_bins": 128, "padding_side": "right",
          "padding_value": 0.0, "return_attention_mask": False, "sampling_rate": 16000, "std": 4.5689974}
json.dump(config, open(os.path.join(ROOT, "preprocessor_config.json"), "w"), indent=2)
extractor = ASTFeatureExtractor.from_pretrained(ROOT)
weight = np.fromfile(os.path.join(AUDIO, "ref", "ast_conv_weight.f32"), dtype="<f4").reshape(8, 1, 16, 16)
bias = np.fromfile(os.path.join(AUDIO, "ref", "ast_conv_bias.f32"), dtype="<f4")
conv = torch.nn.Conv2d(1, 8, kernel_size=(16, 16), stride=(10, 10))
with torch.no_grad():
    conv.weight.copy_(torch.from_numpy(weight))
    conv.bias.copy_(torch.from_numpy(bias))

tiny_folder = os.path.join(AUDIO, "..", "models", "ast")
tiny_extractor = ASTFeatureExtractor.from_pretrained(tiny_folder)
tiny_model = ASTModel.from_pretrained(tiny_folder).eval()


def tiny_pooler(x, float64_features=False):
    """The tiny AST's pooler_output for signal x: ASTFeatureExtractor (crop/pad to 40 frames), or the same recipe
    with the fbank computed in float64 (to measure how far float32 rounding alone moves the embedding)."""
    if float64_features:
        e = tiny_extractor
        fb = kaldi.fbank(torch.from_numpy(x)[None].double(), window_type="hanning", num_mel_bins=e.num_mel_bins,
                         sample_frequency=e.sampling_rate)[:e.max_length]
        fb = torch.nn.functional.pad(fb, (0, 0, 0, e.max_length - fb.shape[0]))
        values = ((fb - e.mean) / (2 * e.std)).float()[None]
    else:
        values = tiny_extractor(x, sampling_rate=16000, return_tensors="pt")["input_values"]
    with torch.no_grad():
        return tiny_model(input_values=values).pooler_output[0]


cases = []
for name, x in signals.items():
    x32 = torch.from_numpy(x)[None]
    fb32 = kaldi.fbank(x32, **AST_OPTIONS)
    fb64 = kaldi.fbank(x32.double(), **AST_OPTIONS)
    values = extractor(x, sampling_rate=16000, return_tensors="pt")["input_values"]  # [1, 128, 128]
    with torch.no_grad():
        tokens = conv(values.unsqueeze(1).transpose(2, 3)).flatten(2).transpose(1, 2)[0]
    floor = float(np.log(np.finfo(np.float32).eps))
    cases.append({
        "name": name, "input": f32(f"input_{name}.f32", x), "shape": list(fb32.shape),
        "fbank": f32(f"fbank_{name}.f32", fb32.numpy()),
        "float32_vs_float64": float((fb32.double() - fb64).abs().max()),
        "floor_fraction": float((fb32 <= floor + 1e-4).float().mean()),
        "values_shape": list(values.shape[1:]), "values": f32(f"ast_values_{name}.f32", values[0].numpy()),
        "tokens_shape": list(tokens.shape), "tokens": f32(f"ast_conv_{name}.f32", tokens.numpy()),
        "tiny_ast_pooler": f32(f"tiny_ast_pooler_{name}.f32", tiny_pooler(x).numpy()),
        "tiny_ast_pooler_float32_vs_float64": float((tiny_pooler(x) - tiny_pooler(x, True)).abs().max()),
    })
    print(f"{name}: frames {fb32.shape[0]}, float32 vs float64 {cases[-1]['float32_vs_float64']:.2e}, "
          f"{100 * cases[-1]['floor_fraction']:.0f} % of bins at the floor, tiny AST pooler float32 vs float64 "
          f"{cases[-1]['tiny_ast_pooler_float32_vs_float64']:.2e}")
manifest["cases"] = cases
json.dump(manifest, open(os.path.join(ROOT, "manifest.json"), "w"), indent=1)
total = sum(os.path.getsize(os.path.join(ROOT, f)) for f in os.listdir(ROOT))
print(f"quiet fixtures: {total / 1e6:.2f} MB")
