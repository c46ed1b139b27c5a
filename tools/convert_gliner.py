#!/usr/bin/env python3
"""Convert a GLiNER checkpoint folder (urchade/GLiNER, gliner v0.2.x) into the folder `fuse ner` reads.

Input: a folder as `GLiNER.save_pretrained` or the Hub writes it — `gliner_config.json`, `pytorch_model.bin` or
`model.safetensors`, and the backbone's tokenizer with GLiNER's added tokens (`[FLERT]`, `<<ENT>>`, `<<SEP>>`).
Output folder:
  gliner_config.json   copied unchanged
  model.safetensors    every tensor as float32 (or --dtype float16/bfloat16), names unchanged
                       (`token_rep_layer.bert_layer.model.*`, `token_rep_layer.projection.*`, `rnn.lstm.*`,
                       `span_rep_layer.*`, `prompt_rep_layer.*`, with or without a leading `model.`)
  config.json          the backbone's config: `encoder_config` from gliner_config.json when it is there, else the
                       config of `model_name` (a local folder, or the Hub cache with --allow-download), with
                       `vocab_size` set to the checkpoint's embedding rows (GLiNER resizes them for its tokens)
  tokenizer.json       the fast tokenizer (converted from the SentencePiece model when only that is present)

Usage: convert_gliner.py SOURCE_DIR OUT_DIR [--dtype float32|float16|bfloat16] [--allow-download]
Needs: torch, safetensors, transformers (and sentencepiece for slow-only tokenizers).
"""
import argparse
import json
import os
import pathlib
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

ADDED_TOKENS = ("[FLERT]", "<<ENT>>", "<<SEP>>")
EMBEDDING_SUFFIX = "token_rep_layer.bert_layer.model.embeddings.word_embeddings.weight"


def load_state(source: pathlib.Path) -> dict:
    if (source / "model.safetensors").exists():
        return load_file(str(source / "model.safetensors"))
    if (source / "pytorch_model.bin").exists():
        return torch.load(str(source / "pytorch_model.bin"), map_location="cpu", weights_only=True)
    sys.exit(f"error: {source} holds neither model.safetensors nor pytorch_model.bin")


def backbone_config(source: pathlib.Path, gliner_config: dict, allow_download: bool) -> dict:
    if isinstance(gliner_config.get("encoder_config"), dict):
        return dict(gliner_config["encoder_config"])
    name = gliner_config.get("model_name")
    if not name:
        sys.exit(f"error: {source}/gliner_config.json has neither encoder_config nor model_name")
    if not allow_download:
        os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoConfig
    try:
        return AutoConfig.from_pretrained(name).to_dict()
    except Exception as error:  # noqa: BLE001 - report any loader failure the same way
        sys.exit(f"error: the backbone config of '{name}' (gliner_config.json model_name) could not be read: {error}; "
                 "pass --allow-download to fetch it from the Hub")


def write_tokenizer(source: pathlib.Path, out: pathlib.Path) -> None:
    if (source / "tokenizer.json").exists():
        shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
    else:
        from transformers import AutoTokenizer
        AutoTokenizer.from_pretrained(str(source)).backend_tokenizer.save(str(out / "tokenizer.json"))
    vocabulary = json.loads((out / "tokenizer.json").read_text())
    present = {token["content"] for token in vocabulary.get("added_tokens", [])}
    missing = [token for token in ADDED_TOKENS[1:] if token not in present]
    if missing:
        sys.exit(f"error: the tokenizer in {source} lacks GLiNER's added tokens {missing}")
    for name in ("tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"):
        if (source / name).exists():
            shutil.copy(source / name, out / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default="float32")
    parser.add_argument("--allow-download", action="store_true")
    args = parser.parse_args()
    config_path = args.source / "gliner_config.json"
    if not config_path.exists():
        sys.exit(f"error: {config_path} not found (is this a GLiNER folder?)")
    gliner_config = json.loads(config_path.read_text())
    state = load_state(args.source)
    embedding = [name for name in state if name.endswith(EMBEDDING_SUFFIX)]
    if len(embedding) != 1:
        sys.exit(f"error: expected one tensor ending in {EMBEDDING_SUFFIX}, found {embedding}")
    backbone = backbone_config(args.source, gliner_config, args.allow_download)
    backbone["vocab_size"] = int(state[embedding[0]].shape[0])
    args.out.mkdir(parents=True, exist_ok=True)
    dtype = getattr(torch, args.dtype)
    save_file({name: tensor.detach().to(dtype).contiguous() for name, tensor in state.items()},
              str(args.out / "model.safetensors"))
    (args.out / "config.json").write_text(json.dumps(backbone, indent=2, sort_keys=True) + "\n")
    shutil.copy(config_path, args.out / "gliner_config.json")
    write_tokenizer(args.source, args.out)
    print(f"wrote {args.out} ({len(state)} tensors, backbone {backbone.get('model_type')}, "
          f"vocab {backbone['vocab_size']})")


if __name__ == "__main__":
    main()
