"""LENS reference for FuseLENS: forward_tags scoring and the "all"-mode prompt (ContextualAI/lens).

LENS's forward_tags: image features / ||image features|| @ normalized text features, torch.topk(k), then keep the
scores >= contrastive_th. create_prompt_sample(mode="all") lays the prompt out as
"Tags:\n-" + "\n-".join(tags) + "\nAttributes:\n-" + … + "\nCaptions:\n-" + … + "\nQuestion:" + q + "\nShort Answer:".
Both are re-implemented here from LENS's code (read, not copied) with torch, on:
  * random embeddings (dimension 48, as the tiny CLIP fixture's projection) for many queries, and
  * if Tests/Fixtures/models/clip exists, the tiny CLIP checkpoint's real image/text features.
Writes Tests/Fixtures/lens/lens.json.
Run: /work/venv/bin/python tools/reference/lens_reference.py
"""
import json, os
import torch

from lens_algorithms import forward_tags, prompt_all

torch.manual_seed(7)
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "lens")




def main():
    os.makedirs(OUT, exist_ok=True)
    dim, vocab_size, queries = 48, 300, 6
    vocab = [f"entry {i}" for i in range(vocab_size)]
    text = torch.randn(vocab_size, dim)
    text = text / text.norm(dim=-1, keepdim=True)
    images = torch.randn(queries, dim) * 3.0
    cases = []
    for k, th in [(5, 0.2), (10, 0.1), (3, -1.0), (5, 0.9)]:
        cases.append({"k": k, "threshold": th, "results": forward_tags(images, text.T, k, th)})
    prompts = [
        {"tags": ["cat", "tabby cat"], "attributes": ["orange", "furry"], "captions": ["a cat on a blanket"],
         "question": "What animal is this?"},
        {"tags": [], "attributes": ["dark"], "captions": ["one", "two"], "question": ""},
        {"tags": ["rocket"], "attributes": [], "captions": [], "question": "Is it day or night?"},
    ]
    for p in prompts:
        p["prompt"] = prompt_all(p["tags"], p["attributes"], p["captions"], p["question"])
    data = {"reference": "LENS forward_tags / create_prompt_sample(mode='all'), torch " + torch.__version__,
            "vocabulary": vocab, "text_embeddings": text.tolist(), "image_features": images.tolist(),
            "cases": cases, "prompts": prompts}
    with open(os.path.join(OUT, "lens.json"), "w") as f:
        json.dump(data, f)
    print("wrote lens.json")


if __name__ == "__main__":
    main()
