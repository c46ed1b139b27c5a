"""ONNX Runtime peer for `fuse-bench mainjob`: the main job — one embedding per sentence file — as a deployment of ONNX
Runtime would do it: an all-MiniLM-L6-v2 exported to ONNX and quantized ahead of time (`--mode prepare`, not timed),
then one process that creates the session, reads the files, tokenises them with HF `tokenizers`, runs batches of 32
(sorted by length), mean-pools, normalises and writes one .npy (`--mode run`). `run` prints
{"variant", "seconds"} where seconds covers session creation + file reading + tokenisation + inference + pooling +
writing (the interpreter's start and imports are not in it; the caller times the whole process too).
`--mode check --fuse-out F.npy` prints {"cosine_mean", "cosine_worst"} of Fuse's rows against ORT fp32's.

Usage: python mainjob_ort.py --mode prepare|run|check --model models/all-MiniLM-L6-v2 --list LIST --work DIR
       [--variant ort-int8|ort-int8-per-channel|ort-fp32] [--out F.npy] [--fuse-out F.npy] [--threads 2]
"""
import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from ort_pooling import embed  # noqa: E402


def prepare(args):
    from encoder_minilm_ort import export  # noqa: E402
    from onnxruntime.quantization import QuantType, quantize_dynamic

    os.makedirs(args.work, exist_ok=True)
    fp32 = os.path.join(args.work, "ort-fp32.onnx")
    if not os.path.exists(fp32):
        export(args.model, fp32)
    for name, per_channel in (("ort-int8", False), ("ort-int8-per-channel", True)):
        path = os.path.join(args.work, f"{name}.onnx")
        if not os.path.exists(path):
            quantize_dynamic(fp32, path, weight_type=QuantType.QInt8, per_channel=per_channel)
    print(json.dumps({"prepared": args.work}))


def embed_files(args, variant):
    """The timed job: session, files, tokens, batches, pooled and normalised rows in the list's order."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(os.path.join(args.work, f"{variant}.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    base = os.path.dirname(os.path.abspath(args.list))
    with open(args.list, encoding="utf-8") as handle:
        paths = [os.path.join(base, line.strip()) for line in handle if line.strip()]
    texts = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            texts.append(handle.read().strip())
    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=256)
    return embed(session, tokenizer, texts, 32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["prepare", "run", "check"], required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--list")
    parser.add_argument("--work", required=True)
    parser.add_argument("--variant", default="ort-int8")
    parser.add_argument("--out")
    parser.add_argument("--fuse-out")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.mode == "prepare":
        return prepare(args)
    if args.mode == "run":
        start = time.perf_counter()
        vectors = embed_files(args, args.variant)
        partial = args.out + ".partial"
        with open(partial, "wb") as handle:
            np.save(handle, vectors)
        os.replace(partial, args.out)
        print(json.dumps({"variant": args.variant, "seconds": time.perf_counter() - start}))
        return
    reference = embed_files(args, "ort-fp32")
    fuse = np.load(args.fuse_out)
    if fuse.shape != reference.shape:
        raise SystemExit(f"Fuse wrote {fuse.shape}, expected {reference.shape}")
    cosines = (fuse * reference).sum(1) / np.linalg.norm(fuse, axis=1)
    print(json.dumps({"cosine_mean": float(cosines.mean()), "cosine_worst": float(cosines.min())}))


if __name__ == "__main__":
    main()
