"""Peer for `fuse bench fusion`: the same Meta-Transformer folder run in PyTorch (2 threads), model stage only.

Given token counts per modality (what Fuse's plugins produced for the bench's files), random features of those
shapes go through the model three ways, and groups/s is reported for each:
  separate  every input through its tokenizer + the shared encoder, batched per modality (batch 8), normalised;
  late      separate + mean of each group's unit vectors (the fusion step itself);
  early     each group's embedded inputs concatenated into one sequence, batched (8 groups, padded + key mask).
Prints one JSON object {"peer", "results": [{"mode", "groups_per_second", "best"}]}.
Usage: python fusion_peer.py --model DIR --groups 64 --shape image:25 --shape audio:6 --repeats 5
"""
import argparse
import json
import pathlib
import statistics
import time

import torch
from safetensors.torch import load_file


class Model:
    def __init__(self, folder: pathlib.Path) -> None:
        self.config = json.loads((folder / "config.json").read_text())
        self.w = load_file(str(folder / "model.safetensors"))
        self.width = self.config["hidden_size"]
        self.heads = self.config["num_attention_heads"]
        self.layers = self.config["num_hidden_layers"]
        self.eps = self.config.get("layer_norm_eps", 1e-6)

    def ln(self, x, stem, eps):
        return torch.nn.functional.layer_norm(x, (self.width,), self.w[stem + ".weight"], self.w[stem + ".bias"], eps)

    def lin(self, x, stem):
        return torch.nn.functional.linear(x, self.w[stem + ".weight"], self.w.get(stem + ".bias"))

    def encoder(self, x, mask):
        b, n, d = x.shape
        h = d // self.heads
        for i in range(self.layers):
            p = f"encoder.layers.{i}."
            qkv = self.lin(self.ln(x, p + "norm1", self.eps), p + "attn.qkv").reshape(b, n, 3, self.heads, h)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            attn_mask = None if mask is None else (mask[:, None, None, :] > 0)
            a = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            x = x + self.lin(a.transpose(1, 2).reshape(b, n, d), p + "attn.proj")
            m = self.lin(self.ln(x, p + "norm2", self.eps), p + "mlp.fc1")
            x = x + self.lin(torch.nn.functional.gelu(m), p + "mlp.fc2")
        return x

    def embed(self, modality, features):
        """features: [B, T, P] patches or [B, T] ids → [B, S, D]."""
        spec, stem = self.config["modalities"][modality], f"tokenizers.{modality}."
        if spec["input"] == "ids":
            x = self.w[stem + "embed"][features] + self.w[stem + "positions"][: features.shape[1]]
        else:
            weight = self.w[stem + "proj.weight"].reshape(self.width, -1)
            x = features @ weight.T + self.w.get(stem + "proj.bias", torch.zeros(self.width))
            if stem + "prefix" in self.w:
                x = torch.cat([self.w[stem + "prefix"].expand(x.shape[0], -1, -1), x], 1)
            x = x + self.w[stem + "positions"][: x.shape[1]]
        if stem + "norm.weight" in self.w:
            x = self.ln(x, stem + "norm", spec.get("layer_norm_eps", 1e-6))
        return x

    def pool(self, modality, hidden):
        spec = self.config["modalities"][modality]
        kind = spec.get("pooling", "mean")
        if kind == "cls":
            return hidden[:, 0]
        if kind == "prefix_mean":
            return hidden[:, : spec.get("prefix_tokens", 1)].mean(1)
        return hidden.mean(1)


def inputs(model, shapes, groups):
    out = []
    for modality, length in shapes:
        spec = model.config["modalities"][modality]
        if spec["input"] == "ids":
            out.append((modality, torch.randint(1, spec["vocab_size"], (groups, length))))
        else:
            width = model.w[f"tokenizers.{modality}.proj.weight"][0].numel()
            out.append((modality, torch.randn(groups, length, width)))
    return out


def separate(model, data, late):
    vectors = []
    for modality, features in data:
        rows = []
        for start in range(0, features.shape[0], 8):
            batch = features[start:start + 8]
            rows.append(model.pool(modality, model.encoder(model.embed(modality, batch), None)))
        v = torch.cat(rows)
        vectors.append(v / v.norm(dim=1, keepdim=True))
    if late:
        fused = torch.stack(vectors).mean(0)
        return fused / fused.norm(dim=1, keepdim=True)
    return vectors


def early(model, data):
    groups = data[0][1].shape[0]
    fused = []
    for start in range(0, groups, 8):
        parts = [(m, model.embed(m, f[start:start + 8])) for m, f in data]
        joint = model.encoder(torch.cat([p for _, p in parts], 1), None)
        offset, vectors = 0, []
        for m, p in parts:
            v = model.pool(m, joint[:, offset:offset + p.shape[1]])
            vectors.append(v / v.norm(dim=1, keepdim=True))
            offset += p.shape[1]
        f = torch.stack(vectors).mean(0)
        fused.append(f / f.norm(dim=1, keepdim=True))
    return torch.cat(fused)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, type=pathlib.Path)
    parser.add_argument("--groups", type=int, default=64)
    parser.add_argument("--shape", action="append", required=True, help="modality:tokens")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = Model(args.model)
    shapes = [(s.split(":")[0], int(s.split(":")[1])) for s in args.shape]
    data = inputs(model, shapes, args.groups)
    results = []
    with torch.inference_mode():
        for mode, run in [("separate", lambda: separate(model, data, False)),
                          ("late", lambda: separate(model, data, True)), ("early", lambda: early(model, data))]:
            run()
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            results.append({"mode": mode, "groups_per_second": args.groups / statistics.median(times),
                            "best": args.groups / min(times)})
    print(json.dumps({"peer": f"torch {torch.__version__}", "results": results}))


if __name__ == "__main__":
    main()
