"""ONNX Runtime peer for `fuse-bench encoder --precision …`: all-MiniLM-L6-v2 exported to ONNX (torch.onnx.export,
opset 17, the model wrapped so it takes keyword inputs), checked against torch before timing, then run by ORT's
CPU provider in fp32 and after `quantize_dynamic` int8 — per-tensor weights (ORT's default, its fastest) and
per-channel weights (its most accurate) — with HF `tokenizers` for tokenisation, mean pooling and normalisation, at
batch 32 over the sentences Fuse embeds in the same run (sorted by length as sentence-transformers does).

Prints one JSON line per variant: {"variant", "sentences_per_second", "best", "cosine_mean", "cosine_worst",
"top1_unchanged"} where the cosines compare each variant's pooled embeddings with torch fp32's (sentence-transformers)
and top1_unchanged is the percent of sentences whose nearest other sentence is torch fp32's.
Usage: python encoder_minilm_ort.py --model models/all-MiniLM-L6-v2 --sentences FILE --threads 2 --repeats 3 --work DIR
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

from ort_pooling import embed  # noqa: E402

transformers.logging.set_verbosity_error()


class KeywordEncoder(torch.nn.Module):
    """transformers 5 rejects a positional attention_mask: the exporter calls forward positionally."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state


def export(model_dir, path):
    model = transformers.AutoModel.from_pretrained(model_dir).eval()
    ids = torch.ones(2, 8, dtype=torch.int64)
    torch.onnx.export(KeywordEncoder(model), (ids, ids, torch.zeros_like(ids)), path, dynamo=False, opset_version=17,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["hidden"],
                      dynamic_axes={n: {0: "batch", 1: "sequence"} for n in
                                    ("input_ids", "attention_mask", "token_type_ids", "hidden")})
    return model


def top1_unchanged(reference, candidate):
    """Percent of the sentences whose nearest other sentence (cosine of the normalised rows) is the same under both,
    as `fuse-bench` scores Fuse's reduced precisions (PrecisionAccuracy.swift)."""
    def nearest(vectors):
        scores = vectors.astype(np.float64) @ vectors.astype(np.float64).T
        np.fill_diagonal(scores, -np.inf)
        return scores.argmax(axis=1)
    return float(100.0 * (nearest(reference) == nearest(candidate)).mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--sentences", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    torch.set_num_threads(args.threads)
    with open(args.sentences, encoding="utf-8") as handle:
        sentences = [line.rstrip("\n") for line in handle if line.strip()]
    reference = SentenceTransformer(args.model, device="cpu").encode(sentences, batch_size=args.batch,
                                                                    normalize_embeddings=True)
    os.makedirs(args.work, exist_ok=True)
    fp32 = os.path.join(args.work, "minilm.onnx")
    export(args.model, fp32)
    variants = {"ort-fp32": fp32}
    for name, per_channel in (("ort-int8", False), ("ort-int8-per-channel", True)):
        path = os.path.join(args.work, f"{name}.onnx")
        quantize_dynamic(fp32, path, weight_type=QuantType.QInt8, per_channel=per_channel)
        variants[name] = path
    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=256)
    for name, path in variants.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        vectors = embed(session, tokenizer, sentences, args.batch)
        cosines = (vectors * reference).sum(1)
        if name == "ort-fp32" and cosines.min() < 0.9999:
            raise SystemExit(f"the exported model disagrees with torch (worst cosine {cosines.min():.6f})")
        rates = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            embed(session, tokenizer, sentences, args.batch)
            rates.append(len(sentences) / (time.perf_counter() - start))
        print(json.dumps({"variant": name, "sentences_per_second": statistics.median(rates), "best": max(rates),
                          "cosine_mean": float(cosines.mean()), "cosine_worst": float(cosines.min()),
                          "top1_unchanged": top1_unchanged(reference, vectors)}), flush=True)


if __name__ == "__main__":
    main()
