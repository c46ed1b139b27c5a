#!/usr/bin/env python3
"""Convert a Python SetFit checkpoint into a folder Fuse reads (`fuse classify --model OUT`).

A SetFit checkpoint is a sentence-transformers folder plus `config_setfit.json` and `model_head.pkl` (a pickled
sklearn LogisticRegression). Fuse never unpickles: this offline script reads the pickle and writes
  model_head.safetensors   coef [rows, D], intercept [rows] (float32; one row for two classes, as sklearn)
  model_head.json          {"classes": sklearn's classes_ (strings or integers)}
  config_setfit.json       SetFit's, with "labels" filled from classes_ when it is null
beside a copy of the body (safetensors weights required; a pytorch_model.bin body is converted to model.safetensors).

The output is written to a temporary folder and renamed into place; an existing OUT is replaced only with --force.
Usage: python tools/convert_setfit_head.py SETFIT_FOLDER OUT [--force]
(needs scikit-learn and joblib, e.g. /work/venv-llm).
"""
import argparse
import json
import pathlib
import shutil
import sys
import tempfile

import joblib
import numpy as np
from safetensors.numpy import save_file

SKIPPED = {"model_head.pkl", "model_head.safetensors", "model_head.json", "README.md"}


def convert(source: pathlib.Path, out: pathlib.Path, force: bool) -> None:
    head_path = source / "model_head.pkl"
    if not head_path.is_file():
        sys.exit(f"{head_path}: missing; not a SetFit checkpoint with an sklearn head")
    if out.exists() and not force:
        sys.exit(f"{out}: already exists; pass --force to replace it")
    head = joblib.load(head_path)
    for attribute in ("coef_", "intercept_", "classes_"):
        if not hasattr(head, attribute):
            sys.exit(f"{head_path}: {type(head).__name__} has no {attribute}; only LogisticRegression heads convert")
    if getattr(head, "multi_class", "auto") == "ovr" and len(head.classes_) > 2:
        sys.exit(f"{head_path}: a one-vs-rest head; Fuse's head is multinomial (sklearn's default)")
    classes = [c.item() if isinstance(c, np.generic) else c for c in head.classes_]
    if not all(isinstance(c, (str, int)) for c in classes):
        sys.exit(f"{head_path}: classes_ {classes!r} are not strings or integers")
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = pathlib.Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for item in source.iterdir():
            if item.name in SKIPPED or item.name.startswith("."):
                continue
            target = temporary / item.name
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)
        if not (temporary / "model.safetensors").exists():
            if not (temporary / "pytorch_model.bin").exists():
                sys.exit(f"{source}: no model.safetensors or pytorch_model.bin for the body")
            import torch
            from safetensors.torch import save_file as save_torch
            state = torch.load(temporary / "pytorch_model.bin", map_location="cpu", weights_only=True)
            save_torch({k: v.contiguous() for k, v in state.items()}, str(temporary / "model.safetensors"))
        save_file({"coef": np.ascontiguousarray(head.coef_, dtype=np.float32),
                   "intercept": np.ascontiguousarray(head.intercept_, dtype=np.float32)},
                  str(temporary / "model_head.safetensors"), metadata={"format": "pt"})
        (temporary / "model_head.json").write_text(json.dumps({"classes": classes}, indent=2))
        config_path = source / "config_setfit.json"
        config = json.loads(config_path.read_text()) if config_path.exists() else {}
        if not config.get("labels"):
            config["labels"] = [str(c) for c in classes]
        config.setdefault("normalize_embeddings", False)
        (temporary / "config_setfit.json").write_text(json.dumps(config, indent=2))
        if out.exists():
            old = out.parent / f".{out.name}.old"
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            temporary.rename(out)
            shutil.rmtree(old)
        else:
            temporary.rename(out)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    print(f"{out}: {len(classes)} classes, head {tuple(head.coef_.shape)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--force", action="store_true")
    arguments = parser.parse_args()
    convert(arguments.source, arguments.out, arguments.force)
