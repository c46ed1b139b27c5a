#!/usr/bin/env python3
"""Tests of tools/convert_ctranslate2_whisper.py (standard library only; .ci/run runs them).

A tiny WhisperSpec model.bin is written by hand (2 mel bins, width 4, one layer each side, vocabulary 6) so every
tensor's values say where they came from; the converted safetensors must hold the split projections row for row,
and model.bin files of another binary version, spec or revision, int8 weights, truncated or with trailing bytes are
refused with a message that names the problem.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_ctranslate2_whisper as converter  # noqa: E402

WIDTH, MELS, VOCAB, FFN = 4, 2, 6, 8


def string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def variable(name: str, shape: list[int], dtype: int, data: bytes) -> bytes:
    return (string(name) + struct.pack("<B", len(shape)) + b"".join(struct.pack("<I", d) for d in shape)
            + struct.pack("<BI", dtype, len(data)) + data)


def floats(shape: list[int], start: float) -> bytes:
    count = 1
    for d in shape:
        count *= d
    return struct.pack(f"<{count}f", *[start + i for i in range(count)])


def tiny_variables() -> list[tuple[str, list[int], int, bytes]]:
    out = []
    counter = [0.0]

    def f(name: str, shape: list[int]) -> None:
        out.append((name, shape, 0, floats(shape, counter[0])))
        count = 1
        for d in shape:
            count *= d
        counter[0] += count

    def scalar(name: str, value: int, dtype: int = 1) -> None:
        fmt = {1: "<b", 2: "<h"}[dtype]
        out.append((name, [], dtype, struct.pack(fmt, value)))

    def norm(p: str) -> None:
        f(p + "/gamma", [WIDTH])
        f(p + "/beta", [WIDTH])

    def linear(p: str, rows: int, cols: int) -> None:
        f(p + "/weight", [rows, cols])
        f(p + "/bias", [rows])

    scalar("encoder/activation", 3)
    scalar("decoder/activation", 3)
    scalar("decoder/pre_norm", 1)
    scalar("encoder/num_heads", 2, 2)
    scalar("decoder/num_heads", 2, 2)
    f("encoder/conv1/weight", [WIDTH, MELS, 3])
    f("encoder/conv1/bias", [WIDTH])
    f("encoder/conv2/weight", [WIDTH, WIDTH, 3])
    f("encoder/conv2/bias", [WIDTH])
    f("encoder/position_encodings/encodings", [5, WIDTH])
    for side in ["encoder", "decoder"]:
        p = f"{side}/layer_0"
        norm(p + "/self_attention/layer_norm")
        linear(p + "/self_attention/linear_0", 3 * WIDTH, WIDTH)
        linear(p + "/self_attention/linear_1", WIDTH, WIDTH)
        norm(p + "/ffn/layer_norm")
        linear(p + "/ffn/linear_0", FFN, WIDTH)
        linear(p + "/ffn/linear_1", WIDTH, FFN)
        norm(f"{side}/layer_norm")
    norm("decoder/layer_0/attention/layer_norm")
    linear("decoder/layer_0/attention/linear_0", WIDTH, WIDTH)
    linear("decoder/layer_0/attention/linear_1", 2 * WIDTH, WIDTH)
    linear("decoder/layer_0/attention/linear_2", WIDTH, WIDTH)
    f("decoder/embeddings/weight", [VOCAB, WIDTH])
    f("decoder/position_encodings/encodings", [7, WIDTH])
    return out


def model_bin(version: int = 6, spec: str = "WhisperSpec", revision: int = 3,
              variables: list | None = None, tail: bytes = b"") -> bytes:
    variables = tiny_variables() if variables is None else variables
    body = struct.pack("<i", version) + string(spec) + struct.pack("<i", revision)
    body += struct.pack("<I", len(variables)) + b"".join(variable(*v) for v in variables)
    body += struct.pack("<I", 1) + string("decoder/projection/weight") + string("decoder/embeddings/weight")
    return body + tail


TOKENIZER = {"added_tokens": [{"id": i, "content": c} for i, c in enumerate(
    ["<|endoftext|>", "<|startoftranscript|>", "<|translate|>", "<|transcribe|>", "<|startofprev|>",
     "<|notimestamps|>"])], "model": {"type": "BPE", "vocab": {}, "merges": []}}


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class ConverterTests(unittest.TestCase):
    def convert(self, data: bytes) -> str:
        source = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(source, ignore_errors=True))
        with open(os.path.join(source, "model.bin"), "wb") as handle:
            handle.write(data)
        with open(os.path.join(source, "config.json"), "w") as handle:
            json.dump({"suppress_ids": [2, 3], "suppress_ids_begin": [0]}, handle)
        with open(os.path.join(source, "tokenizer.json"), "w") as handle:
            json.dump(TOKENIZER, handle)
        destination = os.path.join(source, "out")
        converter.convert(source, destination)
        return destination

    def read_safetensors(self, path: str) -> tuple[dict, bytes]:
        with open(path, "rb") as handle:
            size = struct.unpack("<Q", handle.read(8))[0]
            header = json.loads(handle.read(size))
            return header, handle.read()

    def tensor(self, header: dict, data: bytes, name: str) -> list[float]:
        start, end = header[name]["data_offsets"]
        return list(struct.unpack(f"<{(end - start) // 4}f", data[start:end]))

    def test_converts_and_splits(self) -> None:
        out = self.convert(model_bin())
        header, data = self.read_safetensors(os.path.join(out, "model.safetensors"))
        source = {name: struct.unpack(f"<{len(raw) // 4}f", raw) for name, _, dtype, raw in tiny_variables()
                  if dtype == 0}
        fused = source["encoder/layer_0/self_attention/linear_0/weight"]
        per = WIDTH * WIDTH
        for index, part in enumerate("qkv"):
            got = self.tensor(header, data, f"model.encoder.layers.0.self_attn.{part}_proj.weight")
            self.assertEqual(got, list(fused[index * per:(index + 1) * per]), part)
        self.assertNotIn("model.encoder.layers.0.self_attn.k_proj.bias", header)
        kv = source["decoder/layer_0/attention/linear_1/weight"]
        self.assertEqual(self.tensor(header, data, "model.decoder.layers.0.encoder_attn.v_proj.weight"),
                         list(kv[per:]))
        self.assertEqual(header["model.encoder.conv1.weight"]["shape"], [WIDTH, MELS, 3])
        self.assertNotIn("proj_out.weight", header)  # the alias is the tied embedding
        config = load(os.path.join(out, "config.json"))
        self.assertEqual((config["d_model"], config["num_mel_bins"], config["vocab_size"]), (WIDTH, MELS, VOCAB))
        self.assertEqual(config["encoder_attention_heads"], 2)
        generation = load(os.path.join(out, "generation_config.json"))
        self.assertEqual(generation["forced_decoder_ids"], [[1, 5]])
        self.assertEqual(generation["suppress_tokens"], [2, 3])
        self.assertEqual(load(os.path.join(out, "preprocessor_config.json"))["feature_size"], MELS)

    def refused(self, data: bytes, *words: str) -> None:
        with self.assertRaises(converter.ConversionError) as caught:
            self.convert(data)
        for word in words:
            self.assertIn(word, str(caught.exception))

    def test_refuses_other_formats_by_name(self) -> None:
        self.refused(model_bin(version=5), "binary version 5")
        self.refused(model_bin(spec="TransformerSpec"), "spec 'TransformerSpec'", "WhisperSpec")
        self.refused(model_bin(revision=2), "WhisperSpec revision 2")

    def test_refuses_broken_files(self) -> None:
        whole = model_bin()
        self.refused(whole[:len(whole) // 2], "truncated")
        self.refused(model_bin(tail=b"xx"), "unexpected bytes")
        quantized = tiny_variables() + [("decoder/embeddings/weight_scale", [VOCAB], 0, floats([VOCAB], 0))]
        self.refused(model_bin(variables=quantized), "int8-quantized")
        missing = [v for v in tiny_variables() if v[0] != "encoder/conv2/bias"]
        self.refused(model_bin(variables=missing), "encoder/conv2/bias")


if __name__ == "__main__":
    unittest.main()
