"""ONNX Runtime peer for `fuse-bench encoder --only vit --precision …`: transformers' ViT-B/16 at 224² (random weights,
seeded as in encoder_vit.py) exported to ONNX (torch.onnx.export, opset 17, dynamic batch), checked against torch
before timing, then run by ORT's CPU provider in fp32 and after `quantize_dynamic` int8 — per-tensor weights (ORT's
default, its fastest) and per-channel weights (its most accurate) — with 2 intra-op threads by default.

Prints one JSON line per variant and batch size: {"variant", "batch", "images_per_second", "best", "cosine_mean",
"cosine_worst"}, rates the median and best over the repeats; the cosines compare each variant's CLS output (the final
LayerNorm's first token, as Fuse's `--precision` accuracy line) with torch fp32's on 16 seeded images.
Usage: python encoder_vit_ort.py --threads 2 --batches 1 8 --repeats 5 --work DIR
"""
import argparse
import json
import logging
import os
import statistics
import time
import warnings

import numpy as np
import torch
import transformers
from transformers import ViTConfig, ViTModel

transformers.logging.set_verbosity_error()
warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic's advice to pre-process first


class PixelEncoder(torch.nn.Module):
    """The exporter calls forward positionally; ViTModel's second positional argument is not the pixels' mask."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values).last_hidden_state


def export(model, path):
    pixels = torch.randn(2, 3, 224, 224)
    torch.onnx.export(PixelEncoder(model), (pixels,), path, dynamo=False, opset_version=17,
                      input_names=["pixel_values"], output_names=["hidden"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "hidden": {0: "batch"}})


def cls_cosines(reference, candidate):
    reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    candidate = candidate / np.linalg.norm(candidate, axis=1, keepdims=True)
    return (reference * candidate).sum(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ViTModel(ViTConfig(), add_pooling_layer=False).eval()  # the same weights as encoder_vit.py
    checked = torch.randn(16, 3, 224, 224, generator=torch.Generator().manual_seed(99))
    with torch.inference_mode():
        reference = model(pixel_values=checked).last_hidden_state[:, 0].numpy()
    os.makedirs(args.work, exist_ok=True)
    fp32 = os.path.join(args.work, "vit.onnx")
    export(model, fp32)
    variants = {"ort-fp32": fp32}
    for name, per_channel in (("ort-int8", False), ("ort-int8-per-channel", True)):
        path = os.path.join(args.work, f"vit-{name}.onnx")
        quantize_dynamic(fp32, path, weight_type=QuantType.QInt8, per_channel=per_channel)
        variants[name] = path
    for name, path in variants.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        outputs = [session.run(None, {"pixel_values": checked[i:i + 8].numpy()})[0][:, 0] for i in (0, 8)]
        cosines = cls_cosines(reference, np.concatenate(outputs))
        if name == "ort-fp32" and cosines.min() < 0.9999:
            raise SystemExit(f"the exported model disagrees with torch (worst CLS cosine {cosines.min():.6f})")
        for batch in args.batches:
            pixels = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(batch)).numpy()
            session.run(None, {"pixel_values": pixels})  # warm-up
            rates = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                session.run(None, {"pixel_values": pixels})
                rates.append(batch / (time.perf_counter() - start))
            print(json.dumps({"variant": name, "batch": batch, "images_per_second": statistics.median(rates),
                              "best": max(rates), "cosine_mean": float(cosines.mean()),
                              "cosine_worst": float(cosines.min())}), flush=True)


if __name__ == "__main__":
    main()
