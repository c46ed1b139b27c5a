"""Tiny random HuBERT and wav2vec2 checkpoints and their transformers outputs.

Four checkpoints, one per (family, feature-encoder norm), each with its own weight seed and odd sizes:

  hubert-group     HubertModel,   feat_extract_norm "group" (GroupNorm on conv layer 0 only), post-LN encoder,
                   7 conv layers (wav2vec2's kernels/strides, tiny odd channel counts), even positional conv kernel 8
                   (the last frame is dropped), 3 groups; saved as transformers 5 writes it
                   (`parametrizations.weight.original0/1`).
  hubert-layer     HubertModel,   feat_extract_norm "layer" (LayerNorm after every conv, conv bias),
                   do_stable_layer_norm (pre-LN, final encoder LayerNorm), odd positional kernel 7;
                   its preprocessor_config.json says do_normalize false.
  wav2vec2-group   Wav2Vec2Model, group norm, post-LN, 5 conv layers; keys renamed to the older
                   `weight_g`/`weight_v` weight-norm names under a `wav2vec2.` prefix (as a Wav2Vec2ForCTC
                   checkpoint of an older transformers stores them).
  wav2vec2-layer   Wav2Vec2Model, layer norm + stable layer norm, 6 conv layers, return_attention_mask true.
  hubert-batchnorm HubertModel,   conv_pos_batch_norm (an eval BatchNorm1d before a plain positional conv, random
                   running statistics) and feat_proj_layer_norm false.

Inputs (16 kHz mono, shared): silence, a 440 Hz tone, two noise clips of odd lengths (seeds 3 and 4, one with a DC
offset), a chirp and 720 samples (two frames through the 7-layer stack). reference/hubert-inputs.safetensors holds
  raw_i [n], input_values_i [n] (Wav2Vec2FeatureExtractor, do_normalize true).
For each checkpoint, reference/<name>.safetensors holds, for input i alone (through the checkpoint's own extractor):
  last_hidden_i [F, D]      the model's last_hidden_state
  embedding_i [D]           mean of last_hidden_i over frames, unit-normalised
and, for the "layer" models (where transformers honours an attention mask), the padded batch with its mask:
  batch_last_hidden [B, F, D].
hubert-group also gets reference/hubert-tone16k.wav (16-bit PCM, 16 kHz) and the extractor/model outputs for its
int16-decoded samples: wav_input_values [n], wav_embedding [D].

Run: /work/venv-llm/bin/python tools/reference/models_hubert.py
"""
import math
import wave

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import HubertConfig, HubertModel, Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

from models_common import REFERENCE, fresh_dir, randomize, save_reference

RATE = 16_000


def inputs() -> list[np.ndarray]:
    """Silence, a 440 Hz tone, two noise clips of odd lengths (one with a DC offset), a chirp, and 720 samples:
    the shortest input giving two frames through wav2vec2's 7-layer stack (receptive field 400, hop 320)."""
    tone = 0.4 * np.sin(2 * math.pi * 440 * np.arange(2400) / RATE)
    n = np.arange(1601)
    chirp = 0.3 * np.sin(2 * math.pi * (200 + 3000 * n / 1601) * n / RATE)
    noise3 = 0.2 * np.random.default_rng(3).standard_normal(2161)
    noise4 = 0.05 * np.random.default_rng(4).standard_normal(1777) + 0.01
    shortest = 0.3 * np.random.default_rng(5).standard_normal(720)
    silence = np.zeros(1200)
    return [x.astype(np.float32) for x in (silence, tone, noise3, noise4, chirp, shortest)]


def run(name, model, extractor, layer_norm_batch: bool) -> dict:
    waves = inputs()
    tensors = {}
    for i, raw in enumerate(waves):
        values = extractor(raw, sampling_rate=RATE, return_tensors="pt")["input_values"]
        with torch.no_grad():
            hidden = model(values).last_hidden_state[0]
        mean = hidden.mean(0)
        tensors[f"last_hidden_{i}"] = hidden
        tensors[f"embedding_{i}"] = mean / mean.norm().clamp_min(1e-12)
    batch = extractor(waves, sampling_rate=RATE, padding=True, return_attention_mask=True, return_tensors="pt")
    if layer_norm_batch:
        with torch.no_grad():
            out = model(batch["input_values"], attention_mask=batch["attention_mask"]).last_hidden_state
        tensors["batch_last_hidden"] = out
    return tensors


def write_wav(path, samples: np.ndarray) -> np.ndarray:
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(pcm.tobytes())
    return pcm.astype(np.float32) / 32768


def rename_to_weight_g_v(folder, prefix: str) -> None:
    path = folder / "model.safetensors"
    tensors = load_file(str(path))
    renamed = {}
    for key, value in tensors.items():
        key = key.replace("parametrizations.weight.original0", "weight_g")
        key = key.replace("parametrizations.weight.original1", "weight_v")
        renamed[prefix + key] = value.contiguous()
    save_file(renamed, str(path), metadata={"format": "pt"})


def build(name, model_class, config, seed, do_normalize=True, return_attention_mask=False, old_names=None):
    folder = fresh_dir(name)
    torch.manual_seed(seed)
    model = model_class(config).eval()
    randomize(model, seed=seed)
    batch_norm = getattr(model.encoder.pos_conv_embed, "batch_norm", None)
    if batch_norm is not None:
        generator = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            batch_norm.running_mean.copy_(0.1 * torch.randn(batch_norm.running_mean.shape, generator=generator))
            batch_norm.running_var.copy_(0.5 + torch.rand(batch_norm.running_var.shape, generator=generator))
    # Weight norm's magnitude g must stay positive-ish and v away from zero for a sane scale.
    model.save_pretrained(folder)
    extractor = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=RATE, padding_value=0.0,
                                         do_normalize=do_normalize, return_attention_mask=return_attention_mask)
    extractor.save_pretrained(folder)
    tensors = run(name, model, extractor, layer_norm_batch=config.feat_extract_norm == "layer")
    if name == "hubert-group":
        t = np.arange(3200) / RATE
        signal = 0.5 * np.sin(2 * math.pi * 440 * t) + 0.1 * np.sin(2 * math.pi * 1234 * t)
        decoded = write_wav(REFERENCE / "hubert-tone16k.wav", signal)
        values = extractor(decoded, sampling_rate=RATE, return_tensors="pt")["input_values"]
        with torch.no_grad():
            hidden = model(values).last_hidden_state[0]
        mean = hidden.mean(0)
        tensors["wav_input_values"] = values[0]
        tensors["wav_embedding"] = mean / mean.norm()
    if old_names is not None:
        rename_to_weight_g_v(folder, old_names)
    save_reference(name, tensors)
    for path in list(folder.iterdir()) + list(REFERENCE.glob(name + "*")):
        path.chmod(0o644)


def save_inputs() -> None:
    """The shared inputs and Wav2Vec2FeatureExtractor's output for each alone (default config, do_normalize true)."""
    waves = inputs()
    extractor = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=RATE, padding_value=0.0, do_normalize=True)
    tensors = {}
    for i, raw in enumerate(waves):
        tensors[f"raw_{i}"] = torch.from_numpy(raw)
        tensors[f"input_values_{i}"] = extractor(raw, sampling_rate=RATE, return_tensors="pt")["input_values"][0]
    save_reference("hubert-inputs", tensors)
    (REFERENCE / "hubert-inputs.safetensors").chmod(0o644)


def main() -> None:
    save_inputs()
    common = dict(num_hidden_layers=2, num_attention_heads=3, hidden_act="gelu", feat_extract_activation="gelu",
                  layer_norm_eps=1e-5, hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                  feat_proj_dropout=0.0, layerdrop=0.0, mask_time_prob=0.0)
    build("hubert-group", HubertModel, HubertConfig(
        hidden_size=33, intermediate_size=47, conv_dim=(7, 11, 11, 13, 13, 9, 9),
        conv_kernel=(10, 3, 3, 3, 3, 2, 2), conv_stride=(5, 2, 2, 2, 2, 2, 2), conv_bias=False,
        feat_extract_norm="group", do_stable_layer_norm=False, num_conv_pos_embeddings=8,
        num_conv_pos_embedding_groups=3, **common), seed=11)
    build("hubert-layer", HubertModel, HubertConfig(
        hidden_size=45, intermediate_size=37, conv_dim=(9, 13, 11, 7),
        conv_kernel=(10, 3, 3, 2), conv_stride=(5, 2, 2, 2), conv_bias=True,
        feat_extract_norm="layer", do_stable_layer_norm=True, num_conv_pos_embeddings=7,
        num_conv_pos_embedding_groups=5, **common), seed=12, do_normalize=False, return_attention_mask=True)
    build("wav2vec2-group", Wav2Vec2Model, Wav2Vec2Config(
        hidden_size=27, intermediate_size=41, conv_dim=(5, 9, 9, 11, 7),
        conv_kernel=(10, 3, 3, 3, 2), conv_stride=(5, 2, 2, 2, 2), conv_bias=False,
        feat_extract_norm="group", do_stable_layer_norm=False, num_conv_pos_embeddings=6,
        num_conv_pos_embedding_groups=3, **common), seed=21, old_names="wav2vec2.")
    build("wav2vec2-layer", Wav2Vec2Model, Wav2Vec2Config(
        hidden_size=39, intermediate_size=29, conv_dim=(11, 7, 9, 9, 5, 13),
        conv_kernel=(10, 3, 3, 3, 2, 2), conv_stride=(5, 2, 2, 2, 2, 2), conv_bias=True,
        feat_extract_norm="layer", do_stable_layer_norm=True, num_conv_pos_embeddings=5,
        num_conv_pos_embedding_groups=13, **common), seed=22, return_attention_mask=True)
    build("hubert-batchnorm", HubertModel, HubertConfig(
        hidden_size=21, intermediate_size=31, conv_dim=(5, 7, 7, 9), conv_kernel=(10, 3, 3, 2),
        conv_stride=(5, 2, 2, 2), conv_bias=False, feat_extract_norm="group", do_stable_layer_norm=False,
        conv_pos_batch_norm=True, feat_proj_layer_norm=False, num_conv_pos_embeddings=4,
        num_conv_pos_embedding_groups=7, **common), seed=31)


if __name__ == "__main__":
    main()
