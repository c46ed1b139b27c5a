"""Measures fuse-mini: cross-modal retrieval on the held-out split and the similarity table over samples/.

Writes models/fuse-mini/evaluation.json (the numbers MODEL-CARD.md quotes) and prints a summary.

Retrieval with repeated captions: image->text ranks the split's *unique* captions (a hit if the item's own caption
is in the top k); text->image ranks all items for each unique caption (a hit if any item with that caption is in
the top k). Chance levels are computed exactly for the same protocol.

    /work/venv/bin/python tools/train_fuse_mini/evaluate.py [--model models/fuse-mini]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import REPO, embed_texts, load_text_tokenizer  # noqa: E402
from reference_model import ReferenceModel  # noqa: E402
from train import load_split  # noqa: E402

KS = (1, 5)


def chance_hit(n: int, m: int, k: int) -> float:
    """P(at least one of m positives among k picked at random from n)."""
    miss = 1.0
    for i in range(k):
        miss *= max(0, n - m - i) / (n - i)
    return 1.0 - miss


def retrieval(x: torch.Tensor, captions: list[str], cap_emb: dict[str, torch.Tensor]) -> dict:
    unique = sorted(set(captions))
    t = torch.stack([cap_emb[c] for c in unique])
    own = torch.tensor([unique.index(c) for c in captions])
    sim = x @ t.T  # [items, unique captions]
    out = {"items": len(captions), "unique_captions": len(unique)}
    rank_x2t = (sim > sim.gather(1, own[:, None])).sum(1)  # 0 = own caption first
    counts = np.bincount(own.numpy(), minlength=len(unique))
    for k in KS:
        out[f"x2t_R@{k}"] = float((rank_x2t < k).float().mean())
        out[f"x2t_chance@{k}"] = min(1.0, k / len(unique))
        top = sim.T.topk(min(k, len(captions)), dim=1).indices  # [unique, k]
        hits = (own[top] == torch.arange(len(unique))[:, None]).any(1)
        out[f"t2x_R@{k}"] = float(hits.float().mean())
        out[f"t2x_chance@{k}"] = float(np.mean([chance_hit(len(captions), int(m), k) for m in counts]))
    return out


@torch.no_grad()
def embed_batches(fn, xs, batch=32):
    return torch.cat([fn(xs[i : i + batch]) for i in range(0, len(xs), batch)])


def sample_table(model: ReferenceModel) -> dict:
    """Every sample image/audio against every sample description: is its own description ranked first?"""
    groups = [json.loads(line) for line in (REPO / "samples" / "manifest.jsonl").read_text().splitlines() if line]
    texts = {g["group"]: (REPO / "samples" / i).read_text().strip() for g in groups for i in g["inputs"]
             if i.startswith("text/")}
    names = list(texts)
    temb = model.embed_texts([texts[n] for n in names])
    rows = []
    for g in groups:
        for inp in g["inputs"]:
            if inp.startswith("text/"):
                continue
            path = REPO / "samples" / inp
            e = model.embed_image_file(path) if inp.startswith("images/") else model.embed_audio_file(path)
            sims = (temb @ e).tolist()
            order = sorted(range(len(names)), key=lambda i: -sims[i])
            rows.append({"input": inp, "group": g["group"], "similarities": dict(zip(names, sims)),
                         "nearest": names[order[0]], "rank_of_own": order.index(names.index(g["group"])) + 1})
    hits = sum(r["rank_of_own"] == 1 for r in rows)
    return {"descriptions": texts, "rows": rows, "own_first": hits, "inputs": len(rows),
            "chance_own_first": 1 / len(names), "mean_rank_of_own": float(np.mean([r["rank_of_own"] for r in rows]))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "models" / "fuse-mini"))
    ap.add_argument("--out", default=str(REPO / "models" / "fuse-mini" / "evaluation.json"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = ReferenceModel.from_folder(Path(args.model))
    tok = load_text_tokenizer()
    result = {}
    for split, modality in (("images_heldout", "image"), ("audio_heldout", "audio")):
        d = load_split(split)
        caps = d["captions"]
        uniq = sorted(set(caps))
        cap_emb = dict(zip(uniq, embed_texts(model.bert, tok, uniq)))
        if modality == "image":
            x = embed_batches(model.embed_pixels, model.image_pixels(d["pixels"]))
        else:
            x = embed_batches(model.embed_features, model.audio_features(d["fbank"]))
        res = {"all": retrieval(x, caps, cap_emb)}
        kinds = np.array(d["kinds"])
        for kind in sorted(set(kinds)):
            sel = np.flatnonzero(kinds == kind)
            res[kind] = retrieval(x[sel], [caps[i] for i in sel], cap_emb)
        result[modality] = res
    result["samples"] = sample_table(model)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    for m in ("image", "audio"):
        for kind, r in result[m].items():
            print(f"{m:5s} {kind:12s} n={r['items']:4d} uniq={r['unique_captions']:4d}  "
                  f"x2t R@1 {r['x2t_R@1']:.3f} (chance {r['x2t_chance@1']:.3f}) R@5 {r['x2t_R@5']:.3f} "
                  f"(chance {r['x2t_chance@5']:.3f})  t2x R@1 {r['t2x_R@1']:.3f} (chance {r['t2x_chance@1']:.3f}) "
                  f"R@5 {r['t2x_R@5']:.3f} (chance {r['t2x_chance@5']:.3f})")
    s = result["samples"]
    for r in s["rows"]:
        print(f"{r['input']:24s} nearest {r['nearest']:10s} own rank {r['rank_of_own']}")
    print(f"samples: own description first for {s['own_first']}/{s['inputs']} (chance {s['chance_own_first']:.3f})")


if __name__ == "__main__":
    main()
