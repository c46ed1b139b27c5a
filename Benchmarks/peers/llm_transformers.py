"""Peer for `fuse bench llm`: the same two measurements in Python, in the same run.

extraction  transformers GPT2LMHeadModel (CPU, float32) on the checkpoint `fuse bench llm` wrote, over the same
            random token ids: logits → top-k (torch.topk) and per-sequence metric_ce (cross-entropy on the shifted
            ids), as FuseLLM's logits step computes them. Sequences go in batches of --batch (equal lengths, no
            padding), which is transformers' best case.
extraction-ort-fp32, extraction-ort-int8
            with --ort-work DIR: the same extraction by ONNX Runtime (CPU provider, --threads intra-op threads) on
            the checkpoint exported with torch.onnx.export (input ids → logits, no cache) and on its
            `quantize_dynamic` int8 (per-tensor weights, ORT's default and fastest), at the same batches, top-k by
            numpy's argpartition and metric_ce by a log-sum-exp; each also reports its top-k overlap with torch fp32
            (of --top-k ids per position, mean) and its metric_ce's largest relative change.
alignment   FuseLLM's alignment of a source model's steps to the base tokens (its DTW over edit distances and
            the per-step transform, `transform_step_logits` in tools/reference/llm_fusellm.py, soft mode) with
            `editdistance.eval` as FuseLLM uses it, over the first --align-sequences sequences of the JSON that
            `fuse bench llm` wrote.

Prints one JSON object: {"peer": ..., "results": [{"what": ..., "tokens_per_second": median, "best": ...}]}.
"""
import argparse
import json
import os
import statistics
import sys
import time


def extraction(args):
    import numpy as np
    import torch
    from transformers import GPT2LMHeadModel

    torch.set_num_threads(args.threads)
    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32).eval()
    ids = np.fromfile(args.ids, dtype="<i4").reshape(args.sequences, args.length)
    ids = torch.from_numpy(ids.astype(np.int64))
    vocab = model.config.vocab_size

    def run():
        with torch.inference_mode():
            for start in range(0, args.sequences, args.batch):
                x = ids[start:start + args.batch]
                logits = model(x).logits
                logits.topk(args.top_k, dim=-1)
                ce = torch.nn.functional.cross_entropy(
                    logits[:, :-1].reshape(-1, vocab), x[:, 1:].reshape(-1), reduction="none")
                ce.view(x.shape[0], -1).mean(-1)

    run()
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run()
        rates.append(args.sequences * args.length / (time.perf_counter() - start))
    return {"what": "extraction", "batch": args.batch, "tokens_per_second": statistics.median(rates),
            "best": max(rates)}


def ort_extraction(args):
    """Exports the checkpoint, quantizes it, and times both ORT sessions on the extraction; accuracy vs torch."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import GPT2LMHeadModel

    class LogitsOnly(torch.nn.Module):
        """The LM taking only input ids and returning only logits (no cache), as the exported graph does."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            return self.model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), use_cache=False).logits

    torch.set_num_threads(args.threads)
    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32).eval()
    ids = np.fromfile(args.ids, dtype="<i4").reshape(args.sequences, args.length).astype(np.int64)
    os.makedirs(args.ort_work, exist_ok=True)
    fp32 = os.path.join(args.ort_work, "gpt2.onnx")
    int8 = os.path.join(args.ort_work, "gpt2-int8.onnx")
    # torch's reference first: after the TorchScript exporter has traced it, this transformers model computes
    # different logits (measured: up to 2.0 apart on a 2-layer GPT-2), while the exported graph matches the untraced one.
    with torch.inference_mode():
        reference = [model(torch.from_numpy(ids[s:s + 1])).logits[0].numpy() for s in range(args.sequences)]
    # Traced at the timed length (the tracer bakes the causal mask's shape in), batch dynamic.
    torch.onnx.export(LogitsOnly(model), (torch.from_numpy(ids[:1]),), fp32, dynamo=False, opset_version=17,
                      input_names=["input_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch"}, "logits": {0: "batch"}})
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)
    k = args.top_k

    def reduce(logits, x):
        top = np.argpartition(-logits, k, axis=-1)[..., :k]
        shifted = logits[:, :-1]
        peak = shifted.max(-1, keepdims=True)
        lse = np.log(np.exp(shifted - peak).sum(-1)) + peak[..., 0]
        target = np.take_along_axis(shifted, x[:, 1:, None], axis=-1)[..., 0]
        return top, (lse - target).mean(-1)

    results = []
    for name, path in (("extraction-ort-fp32", fp32), ("extraction-ort-int8", int8)):
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

        def run():
            out = []
            for start in range(0, args.sequences, args.batch):
                x = ids[start:start + args.batch]
                logits = session.run(None, {"input_ids": x})[0]
                out.append((logits, reduce(logits, x)))
            return out

        first = run()
        overlaps, ce_changes = [], []
        for start, (logits, (top, ce)) in zip(range(0, args.sequences, args.batch), first):
            for row in range(logits.shape[0]):
                exact = reference[start + row]
                exact_top = np.argpartition(-exact, k, axis=-1)[..., :k]
                overlaps.extend(len(set(a) & set(b)) for a, b in zip(top[row].tolist(), exact_top.tolist()))
                exact_ce = reduce(exact[None], ids[start + row:start + row + 1])[1][0]
                ce_changes.append(abs(ce[row] - exact_ce) / abs(exact_ce))
        rates = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            rates.append(args.sequences * args.length / (time.perf_counter() - start))
        results.append({"what": name, "batch": args.batch, "tokens_per_second": statistics.median(rates),
                        "best": max(rates), "topk_overlap": float(np.mean(overlaps)),
                        "metric_ce_change": float(max(ce_changes))})
    return results


def alignment(args):
    import editdistance

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "reference"))
    import llm_fusellm as ref

    ref.levenshtein = editdistance.eval  # FuseLLM's dist_fn calls editdistance.eval
    with open(args.align_json) as f:
        data = json.load(f)
    base_vocab = {t: i for i, t in enumerate(data["base_vocab"])}
    source_vocab = data["source_vocab"]
    mapping = {source_vocab[i].replace(data["source_marker"], data["base_marker"]): data["base_vocab"][b]
               for i, b in enumerate(data["mapping"])}
    sequences = data["sequences"][:args.align_sequences]

    def run():
        for s in sequences:
            ref.transform_step_logits(
                [data["base_vocab"][i] for i in s["base_ids"]], [source_vocab[i] for i in s["source_ids"]],
                base_vocab, source_vocab, s["topk_logits"], s["topk_ids"], data["base_marker"],
                data["source_marker"], data["source_byte_level"], align_type="soft", mapping=mapping)

    tokens = sum(len(s["base_ids"]) for s in sequences)
    rates = []
    for _ in range(max(1, min(args.repeats, 2))):
        start = time.perf_counter()
        run()
        rates.append(tokens / (time.perf_counter() - start))
    return {"what": "alignment", "sequences": len(sequences), "tokens_per_second": statistics.median(rates),
            "best": max(rates)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--ids")
    parser.add_argument("--sequences", type=int)
    parser.add_argument("--length", type=int)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ort-work", help="export and time ONNX Runtime fp32 and int8 here")
    parser.add_argument("--align-json")
    parser.add_argument("--align-sequences", type=int, default=4)
    args = parser.parse_args()
    results = []
    if args.model:
        results.append(extraction(args))
    if args.model and args.ort_work:
        results.extend(ort_extraction(args))
    if args.align_json:
        results.append(alignment(args))
    import torch
    import transformers
    print(json.dumps({"peer": f"transformers {transformers.__version__} / torch {torch.__version__}",
                      "results": results}))


if __name__ == "__main__":
    main()
