#!/usr/bin/env python3
"""Safetensors fixtures for Tests/FuseCoreTests/Safetensors*Tests.swift.

Run with the project's reference venv:  /work/venv/bin/python tools/reference/core_safetensors.py
Needs a Swift toolchain: step 3 runs one Swift test to produce a file with Fuse's writer.

1. Files written by the Python `safetensors` package, one per dtype (F32 incl. a scalar and an empty tensor, F16,
   BF16, F64, I64, I32, U8, BOOL), plus `expected.json` with each tensor's values as Python reads them (floats
   widened to float32 exactly as torch does).
2. A sharded Hugging Face checkpoint: a tiny, randomly initialised BertModel saved by transformers'
   `save_pretrained(max_shard_size=...)` (model.safetensors.index.json + shards + config.json). Test data only,
   not a real model. `sharded/expected.json` records a few tensors' values.
3. Swift → Python: runs `swift test --filter SafetensorsWriterTests/writeFixtureForPython` with
   FUSE_WRITE_SAFETENSORS_FIXTURE set, so Fuse's SafetensorsWriter writes `swift_written.safetensors`; then reads
   it back with `safetensors.safe_open` (framework "np"), checks every value and the metadata, and stores what Python
   read in `swift_written_python_readback.json`. The Swift test suite then checks that today's writer still
   produces that exact file, byte for byte.
"""
import json
import os
import pathlib
import subprocess
import shutil

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "core" / "safetensors"
rng = np.random.default_rng(7)


def values(t):
    return [float(str(v)) for v in t.to(torch.float32).numpy().reshape(-1)] if t.is_floating_point() \
        else [int(v) for v in t.to(torch.int64).numpy().reshape(-1)]


def write_dtype_files():
    files = {
        "python_f32.safetensors": {
            "matrix": torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32)),
            "scalar": torch.tensor(2.5, dtype=torch.float32),
            "empty": torch.zeros((0, 3), dtype=torch.float32),
            "vector": torch.tensor([1e-30, -0.0, 3.4e38, -7.25], dtype=torch.float32),
        },
        "python_f16.safetensors": {
            "half": torch.tensor([[0.0, 1.0, -2.5], [65504.0, 6.1e-5, 5.96e-8]], dtype=torch.float16),
            "random": torch.from_numpy(rng.standard_normal(16).astype(np.float32)).to(torch.float16),
        },
        "python_bf16.safetensors": {
            "brain": torch.tensor([[1.0, -3.140625], [1e30, -1e-30]], dtype=torch.bfloat16),
            "random": torch.from_numpy(rng.standard_normal((2, 5)).astype(np.float32)).to(torch.bfloat16),
        },
        "python_i64.safetensors": {
            "position_ids": torch.arange(12, dtype=torch.int64).view(1, 12),
            "big": torch.tensor([-(1 << 40), (1 << 62), -1], dtype=torch.int64),
        },
        "python_mixed.safetensors": {
            "f64": torch.tensor([1.0 / 3.0, -2e-300, 1e10], dtype=torch.float64),
            "i32": torch.tensor([[-5, 7], [2147483647, -2147483648]], dtype=torch.int32),
            "u8": torch.tensor([0, 128, 255], dtype=torch.uint8),
            "flags": torch.tensor([True, False, True], dtype=torch.bool),
            "i16": torch.tensor([-32768, 1, 32767], dtype=torch.int16),
            "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        },
    }
    expected = {}
    for file_name, tensors in files.items():
        metadata = {"format": "pt", "fixture": file_name}
        save_file(tensors, str(OUT / file_name), metadata=metadata)
        expected[file_name] = {
            "metadata": metadata,
            "tensors": {name: {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                               "values": values(t)} for name, t in tensors.items()},
        }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1))


def write_sharded():
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=16)
    model = BertModel(config)
    folder = OUT / "sharded"
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder, max_shard_size="2KB", safe_serialization=True)
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) >= 2, shards
    picks = ["embeddings.word_embeddings.weight", "encoder.layer.1.output.dense.bias", "pooler.dense.weight"]
    state = model.state_dict()
    expected = {"shards": shards, "tensorCount": len(index["weight_map"]),
                "tensors": {name: {"shape": list(state[name].shape), "values": values(state[name])} for name in picks}}
    (folder / "expected.json").write_text(json.dumps(expected, indent=1))


def swift_to_python():
    target = OUT / "swift_written.safetensors"
    if target.exists():
        target.unlink()
    env = dict(os.environ, FUSE_WRITE_SAFETENSORS_FIXTURE=str(target))
    subprocess.run(["swift", "test", "--filter", "SafetensorsWriterTests/writeFixtureForPython"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    assert target.exists(), "the Swift test did not write the fixture"
    read = {}
    with safe_open(str(target), framework="np") as f:
        metadata = f.metadata()
        for name in f.keys():
            array = f.get_tensor(name)
            read[name] = {"dtype": str(array.dtype), "shape": list(array.shape),
                          "values": [float(str(v)) if array.dtype.kind == "f" else int(v) for v in array.reshape(-1)]}
    # What SafetensorsWriterTests.writeFixtureForPython writes; Python must read exactly this.
    assert metadata == {"format": "pt", "producer": "fuse"}, metadata
    assert read["weight"]["dtype"] == "float32" and read["weight"]["shape"] == [2, 3]
    assert read["weight"]["values"] == [0.5, -1.0, 2.25, 3e-08, 1000000.0, -0.0]
    assert read["ids"]["dtype"] == "int64" and read["ids"]["values"] == [0, 1, -7, 1 << 40]
    assert read["counts"]["dtype"] == "int32" and read["counts"]["values"] == [1, -2, 3, 2147483647]
    assert read["mask"]["dtype"] == "uint8" and read["mask"]["values"] == [1, 0, 255]
    assert read["empty"]["shape"] == [0, 4]
    (OUT / "swift_written_python_readback.json").write_text(
        json.dumps({"reader": "safetensors.safe_open (numpy)", "metadata": metadata, "tensors": read}, indent=1))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    write_dtype_files()
    write_sharded()
    swift_to_python()
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
