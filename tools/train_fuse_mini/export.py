"""Writes the trained tokenizers as the Meta-Transformer-style model folder models/fuse-mini/.

    config.json                     model_type meta-transformer; shared encoder = ../all-MiniLM-L6-v2 (frozen BERT)
    tokenizers.safetensors          image.* and audio.* tokenizer weights, F32 (Conv2d layout)
    preprocessor_config.json        CLIPImageProcessor (image)
    audio_preprocessor_config.json  ASTFeatureExtractor fields (audio), with fuse-mini's max_length/mean/std

    /work/venv/bin/python tools/train_fuse_mini/export.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).parent))
from common import (AUDIO_GRID, AUDIO_MAX_LENGTH, HIDDEN, IMAGE_GRID, IMAGE_SIZE, LAYER_NORM_EPS,  # noqa: E402
                    NUM_MEL_BINS, PATCH, REPO, SAMPLE_RATE, clip_processor)
from train import CHECKPOINT  # noqa: E402

OUT = REPO / "models" / "fuse-mini"


def config(audio_mean: float, audio_std: float) -> dict:
    return {
        "model_type": "meta-transformer",
        "hidden_size": HIDDEN,
        "layer_norm_eps": LAYER_NORM_EPS,
        "encoder": {"path": "../all-MiniLM-L6-v2", "architecture": "bert", "pooling": "mean", "normalize": True,
                    "frozen": True,
                    "input": "text uses BERT's own embedding layer; image/audio tokenizer outputs go straight into "
                             "the encoder layers with an all-ones attention mask"},
        "modalities": {
            "text": {"tokenizer": "../all-MiniLM-L6-v2"},
            "image": {"patch_size": PATCH, "image_size": IMAGE_SIZE, "num_channels": 3,
                      "num_positions": IMAGE_GRID * IMAGE_GRID, "preprocessor": "preprocessor_config.json"},
            "audio": {"patch_size": PATCH, "patch_stride": [PATCH, PATCH], "num_mel_bins": NUM_MEL_BINS,
                      "max_length": AUDIO_MAX_LENGTH, "sampling_rate": SAMPLE_RATE, "mean": audio_mean,
                      "std": audio_std, "num_positions": AUDIO_GRID[0] * AUDIO_GRID[1],
                      "input_layout": "[1, num_mel_bins, max_length] (AST: frequency rows, time columns)",
                      "preprocessor": "audio_preprocessor_config.json"},
        },
        "tokenizer_weights": "tokenizers.safetensors",
        "tokenizer_forward": "LayerNorm(Conv2d(x, kernel=stride=16).flatten(2).transpose(1, 2) + position_embedding)",
    }


def audio_preprocessor(audio_mean: float, audio_std: float) -> dict:
    return {"feature_extractor_type": "ASTFeatureExtractor", "feature_size": 1, "sampling_rate": SAMPLE_RATE,
            "num_mel_bins": NUM_MEL_BINS, "max_length": AUDIO_MAX_LENGTH, "padding_value": 0.0,
            "do_normalize": True, "mean": audio_mean, "std": audio_std, "return_attention_mask": False}


def main():
    ck = torch.load(CHECKPOINT)
    OUT.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in ck["state"].items()}
    expected = {"image.patch_embedding.weight": [HIDDEN, 3, PATCH, PATCH], "image.patch_embedding.bias": [HIDDEN],
                "image.position_embedding": [IMAGE_GRID * IMAGE_GRID, HIDDEN],
                "image.layer_norm.weight": [HIDDEN], "image.layer_norm.bias": [HIDDEN],
                "audio.patch_embedding.weight": [HIDDEN, 1, PATCH, PATCH], "audio.patch_embedding.bias": [HIDDEN],
                "audio.position_embedding": [AUDIO_GRID[0] * AUDIO_GRID[1], HIDDEN],
                "audio.layer_norm.weight": [HIDDEN], "audio.layer_norm.bias": [HIDDEN]}
    assert {k: list(v.shape) for k, v in tensors.items()} == expected, tensors.keys()
    save_file(tensors, str(OUT / "tokenizers.safetensors"), metadata={"format": "pt", "model": "fuse-mini"})
    m, s = ck["audio_mean"], ck["audio_std"]
    (OUT / "config.json").write_text(json.dumps(config(m, s), indent=2) + "\n")
    (OUT / "audio_preprocessor_config.json").write_text(json.dumps(audio_preprocessor(m, s), indent=2) + "\n")
    clip_processor().save_pretrained(str(OUT))
    (OUT / "training_log.json").write_text(json.dumps(
        {"train_seconds": ck["train_seconds"], "hyper": ck["hyper"], "log": ck["log"][::5] + ck["log"][-1:]}) + "\n")
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:32s} {p.stat().st_size:>9d} bytes")


if __name__ == "__main__":
    main()
