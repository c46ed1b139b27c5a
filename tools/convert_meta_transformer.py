#!/usr/bin/env python3
"""Convert a Meta-Transformer encoder checkpoint (PyTorch pickle) into Fuse's `meta-transformer` model folder.

Meta-Transformer (Zhang et al., 2023) releases only the shared encoder: `Meta-Transformer_base_patch16_encoder.pth`
(12 blocks, width 768) or `..._large_patch14_encoder.pth` (24 blocks, width 1024). Each block is a timm ViT block
(pre-LayerNorm, fused qkv, GELU MLP) stored as `<i>.norm1.weight`, `<i>.attn.qkv.weight`, `<i>.attn.proj.weight`,
`<i>.norm2.weight`, `<i>.mlp.fc1.weight`, `<i>.mlp.fc2.weight` (a `blocks.` / `module.` prefix is accepted).
The paper pairs that frozen encoder with per-modality tokenizers; this script takes those tokenizers from Hugging Face
checkpoints whose width matches the encoder:

  --image-from DIR   a `vit` or `clip` folder: patch conv, class token, positions (CLIP: also its pre-LayerNorm)
  --audio-from DIR   an `audio-spectrogram-transformer` folder: patch conv, CLS + distillation tokens, positions
  --text-from DIR    a `clip` folder (token + position embeddings) or a `bert` folder (word + position embeddings,
                     token type 0 folded into the positions, embedding LayerNorm)

Output folder (read by Sources/FuseModels/Families/MetaTransformer.swift):

  config.json        {"model_type": "meta-transformer", hidden_size, num_attention_heads, num_hidden_layers,
                      intermediate_size, hidden_act, layer_norm_eps, norm_placement: "pre"|"post",
                      final_layer_norm: bool,
                      modalities: {"image": {"input": "patches", patch_size, patch_stride, num_channels,
                                             prefix_tokens, pooling}, "audio": {...}, "text": {"input": "ids",
                                             vocab_size, pooling}}}
  model.safetensors  encoder.layers.<i>.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}.{weight,bias}
                     encoder.norm.{weight,bias}                      (only when final_layer_norm)
                     tokenizers.<modality>.proj.weight [D, C, p, p] (+ .proj.bias)   patch modalities
                     tokenizers.<modality>.prefix [K, D]             learned leading tokens (CLS, distillation)
                     tokenizers.<modality>.embed [V, D]              id modalities
                     tokenizers.<modality>.positions [P, D]          learned absolute positions
                     tokenizers.<modality>.norm.{weight,bias}        optional LayerNorm after adding positions
                     tokenizers.<modality>.type [D]                  optional modality-type embedding (early fusion)
  <modality>/        that modality's preprocessing files (preprocessor_config.json, tokenizer.json, vocab.txt …)

Pooling per modality: "cls" (token 0), "prefix_mean" (mean of the prefix tokens, as AST does) or "mean" (mean over
real tokens). With `norm_placement: "post"` the blocks are BERT-style (norm1 after the attention residual, norm2
after the MLP residual), which lets a BERT encoder such as all-MiniLM-L6-v2 serve as the shared encoder.

Example:
  /work/venv/bin/python tools/convert_meta_transformer.py --encoder Meta-Transformer_base_patch16_encoder.pth \\
      --heads 12 --image-from clip-vit-base-patch16 --audio-from ast-finetuned-audioset-10-10-0.4593 \\
      --text-from clip-vit-base-patch16 --out models/meta-transformer-b16
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

BLOCK_KEY = re.compile(r"^(?:module\.)?(?:encoder\.)?(?:blocks\.)?(\d+)\.(.+)$")
BLOCK_PARTS = ["norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
               "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
               "mlp.fc2.weight", "mlp.fc2.bias"]
PREPROCESSING_FILES = ["preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
                       "vocab.json", "merges.txt", "special_tokens_map.json"]


def fail(message: str) -> None:
    sys.exit(f"convert_meta_transformer: {message}")


def load_encoder(path: pathlib.Path) -> tuple[dict[str, torch.Tensor], int]:
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    blocks: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        match = BLOCK_KEY.match(key)
        if not match:
            fail(f"{path}: unexpected tensor '{key}' (expected '<i>.norm1.weight', '<i>.attn.qkv.weight', …)")
        blocks[f"encoder.layers.{int(match.group(1))}.{match.group(2)}"] = value.float()
    layers = 1 + max(int(k.split(".")[2]) for k in blocks)
    missing = [f"{i}.{p}" for i in range(layers) for p in BLOCK_PARTS if f"encoder.layers.{i}.{p}" not in blocks]
    if missing:
        fail(f"{path}: missing block tensors: {', '.join(missing[:8])}")
    return blocks, layers


def read_folder(folder: pathlib.Path) -> tuple[dict, dict[str, torch.Tensor]]:
    config = json.loads((folder / "config.json").read_text())
    weights_path = folder / "model.safetensors"
    if not weights_path.exists():
        fail(f"{folder}: no model.safetensors")
    weights = load_file(str(weights_path))
    return config, weights


def find(weights: dict[str, torch.Tensor], suffix: str, folder: pathlib.Path) -> torch.Tensor:
    hits = [k for k in weights if k == suffix or k.endswith("." + suffix)]
    if len(hits) != 1:
        fail(f"{folder}: expected one tensor named '*{suffix}', found {hits or 'none'}")
    return weights[hits[0]].float()


def image_tokenizer(folder: pathlib.Path) -> tuple[dict, dict[str, torch.Tensor]]:
    config, w = read_folder(folder)
    kind = config.get("model_type")
    out: dict[str, torch.Tensor] = {}
    if kind == "vit":
        out["proj.weight"] = find(w, "embeddings.patch_embeddings.projection.weight", folder)
        out["proj.bias"] = find(w, "embeddings.patch_embeddings.projection.bias", folder)
        out["prefix"] = find(w, "embeddings.cls_token", folder).reshape(1, -1)
        out["positions"] = find(w, "embeddings.position_embeddings", folder).squeeze(0)
        vision = config
    elif kind == "clip":
        out["proj.weight"] = find(w, "vision_model.embeddings.patch_embedding.weight", folder)
        out["prefix"] = find(w, "vision_model.embeddings.class_embedding", folder).reshape(1, -1)
        out["positions"] = find(w, "vision_model.embeddings.position_embedding.weight", folder)
        out["norm.weight"] = find(w, "vision_model.pre_layrnorm.weight", folder)
        out["norm.bias"] = find(w, "vision_model.pre_layrnorm.bias", folder)
        vision = config["vision_config"]
    else:
        fail(f"{folder}: --image-from needs a 'vit' or 'clip' folder, found model_type '{kind}'")
    patch = vision["patch_size"]
    spec = {"input": "patches", "patch_size": patch, "patch_stride": [patch, patch],
            "num_channels": vision.get("num_channels", 3), "image_size": vision["image_size"],
            "prefix_tokens": 1, "pooling": "cls", "layer_norm_eps": vision.get("layer_norm_eps", 1e-5)}
    return spec, out


def audio_tokenizer(folder: pathlib.Path) -> tuple[dict, dict[str, torch.Tensor]]:
    config, w = read_folder(folder)
    if config.get("model_type") != "audio-spectrogram-transformer":
        fail(f"{folder}: --audio-from needs an 'audio-spectrogram-transformer' folder")
    out = {
        "proj.weight": find(w, "embeddings.patch_embeddings.projection.weight", folder),
        "proj.bias": find(w, "embeddings.patch_embeddings.projection.bias", folder),
        "prefix": torch.cat([find(w, "embeddings.cls_token", folder).reshape(1, -1),
                             find(w, "embeddings.distillation_token", folder).reshape(1, -1)]),
        "positions": find(w, "embeddings.position_embeddings", folder).squeeze(0),
    }
    spec = {"input": "patches", "patch_size": config["patch_size"],
            "patch_stride": [config["frequency_stride"], config["time_stride"]], "num_channels": 1,
            "num_mel_bins": config["num_mel_bins"], "max_length": config["max_length"],
            "prefix_tokens": 2, "pooling": "prefix_mean"}
    return spec, out


def text_tokenizer(folder: pathlib.Path) -> tuple[dict, dict[str, torch.Tensor]]:
    config, w = read_folder(folder)
    kind = config.get("model_type")
    if kind == "clip":
        out = {"embed": find(w, "text_model.embeddings.token_embedding.weight", folder),
               "positions": find(w, "text_model.embeddings.position_embedding.weight", folder)}
        vocab = config["text_config"]["vocab_size"]
        eps = config["text_config"].get("layer_norm_eps", 1e-5)
    elif kind == "bert":
        # BERT adds token-type embeddings; a single-segment input always uses type 0, so fold it into positions.
        types = find(w, "embeddings.token_type_embeddings.weight", folder)
        out = {"embed": find(w, "embeddings.word_embeddings.weight", folder),
               "positions": find(w, "embeddings.position_embeddings.weight", folder) + types[0],
               "norm.weight": find(w, "embeddings.LayerNorm.weight", folder),
               "norm.bias": find(w, "embeddings.LayerNorm.bias", folder)}
        vocab = config["vocab_size"]
        eps = config.get("layer_norm_eps", 1e-12)
    else:
        fail(f"{folder}: --text-from needs a 'clip' or 'bert' folder, found model_type '{kind}'")
    return {"input": "ids", "vocab_size": vocab, "pooling": "mean", "layer_norm_eps": eps}, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", required=True, type=pathlib.Path, help="Meta-Transformer encoder .pth")
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--heads", type=int, help="attention heads (default: width / 64)")
    parser.add_argument("--layer-norm-eps", type=float, default=1e-6,
                        help="the blocks' LayerNorm epsilon (timm ViTs use 1e-6)")
    parser.add_argument("--image-from", type=pathlib.Path)
    parser.add_argument("--audio-from", type=pathlib.Path)
    parser.add_argument("--text-from", type=pathlib.Path)
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    args = parser.parse_args()

    blocks, layers = load_encoder(args.encoder)
    hidden = blocks["encoder.layers.0.norm1.weight"].shape[0]
    heads = args.heads or hidden // 64
    if heads <= 0 or hidden % heads:
        fail(f"width {hidden} is not divisible by {heads} heads; pass --heads")
    sources = {"image": (args.image_from, image_tokenizer), "audio": (args.audio_from, audio_tokenizer),
               "text": (args.text_from, text_tokenizer)}
    if not any(folder for folder, _ in sources.values()):
        fail("give at least one of --image-from, --audio-from, --text-from")
    if args.out.exists():
        if not args.force:
            fail(f"{args.out} exists; pass --force to replace it")
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)

    tensors = dict(blocks)
    modalities = {}
    for modality, (folder, reader) in sources.items():
        if folder is None:
            continue
        spec, weights = reader(folder)
        for name, value in weights.items():
            width = value.shape[0] if name.startswith("proj") else value.shape[-1]
            if width != hidden:
                fail(f"{folder}: {modality} tokenizer tensor '{name}' has width {width}, the encoder {hidden}")
            tensors[f"tokenizers.{modality}.{name}"] = value.contiguous()
        modalities[modality] = spec
        (args.out / modality).mkdir()
        for name in PREPROCESSING_FILES:
            if (folder / name).exists():
                shutil.copy(folder / name, args.out / modality / name)

    config = {"model_type": "meta-transformer", "hidden_size": hidden, "num_attention_heads": heads,
              "num_hidden_layers": layers, "intermediate_size": blocks["encoder.layers.0.mlp.fc1.weight"].shape[0],
              "hidden_act": "gelu", "layer_norm_eps": args.layer_norm_eps, "norm_placement": "pre",
              "final_layer_norm": False, "modalities": modalities}
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(tensors, str(args.out / "model.safetensors"))
    print(f"wrote {args.out}: {layers} blocks of width {hidden}, modalities {', '.join(modalities)}")


if __name__ == "__main__":
    main()
