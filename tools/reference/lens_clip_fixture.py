"""End-to-end LENS fixture: a tiny CLIP *with a real CLIP tokenizer*, and LENS's outputs computed with transformers.

The tiny CLIP in Tests/Fixtures/models/clip has no tokenizer (its vocabulary has 99 ids), so LENS's text side could
not run through Fuse's tokenizer. This script builds a second tiny CLIP whose tokenizer is OpenAI CLIP's own BPE cut
to its first 600 merges (exactly how CLIP's SimpleTokenizer builds its vocabulary: 256 byte symbols, the same with
`</w>`, the merges, then the two special tokens — 1114 ids), saved by transformers' CLIPTokenizer as tokenizer.json.

Reference (LENS, ContextualAI/lens, re-implemented from its code, not copied):
  * text side: `get_text_features` of `template.format(entry)` for every vocabulary entry, L2-normalized (LENS's
    precomputed `tags_weights`);
  * image side: samples/images/*.png through the saved CLIPImageProcessor (Pillow) and `get_image_features`;
  * forward_tags: cosine, torch.topk(k), keep scores >= threshold;
  * captions: a caption bank ranked by cosine in the same space (the retrieval captioner), top n;
  * create_prompt_sample(mode="all") with those tags, attributes and captions.

Writes Tests/Fixtures/lens/clip/ (config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
preprocessor_config.json), Tests/Fixtures/lens/{tags,attributes,captions}.txt and Tests/Fixtures/lens/e2e.json.
Run: /work/venv/bin/python tools/reference/lens_clip_fixture.py
"""
import gzip
import json
import os
import pathlib
import shutil

import torch
from PIL import Image
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

from lens_algorithms import forward_tags, prompt_all
from models_common import randomize
from text_fixtures import bytes_to_unicode

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "lens"
MODEL = OUT / "clip"
MERGES = 600
TAG_TEMPLATE = "a photo of {}"
ATTRIBUTE_TEMPLATE = "a photo of something {}"
IMAGES = ["cat.png", "horse.png", "camera.png"]
CAPTIONS = [
    "a cat sleeping on a sofa", "a horse standing in a field", "an old camera on a table",
    "a man in a space suit", "a cup of coffee on a saucer", "a rocket launching at night",
    "a dog running on the beach", "a bowl of fruit", "a city street in the rain", "two children playing football",
    "a plate of pasta", "a red car parked outside", "a bird on a branch", "snow covered mountains",
    "a black and white photograph of a man", "a boat on a lake",
]
# (k, threshold) cases; the tiny random CLIP's cosines are small, so the thresholds are spread around them.
CASES = [(5, 0.2), (5, 0.0), (8, -1.0), (3, 0.1)]
CAPTION_COUNT = 3


def tokenizer() -> CLIPTokenizer:
    lines = gzip.open(ROOT / "Tests" / "Fixtures" / "text" / "clip" / "bpe_simple_vocab_16e6.txt.gz").read()
    merges = lines.decode("utf-8").split("\n")[1:1 + MERGES]
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return CLIPTokenizer(vocab={t: i for i, t in enumerate(vocab)}, merges=[tuple(m.split()) for m in merges])



def pick(path: pathlib.Path, every: int) -> list[str]:
    entries = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return entries[::every]




def main() -> None:
    if MODEL.exists():
        shutil.rmtree(MODEL)
    MODEL.mkdir(parents=True)
    tok = tokenizer()
    eos = tok.convert_tokens_to_ids("<|endoftext|>")
    bos = tok.convert_tokens_to_ids("<|startoftext|>")
    config = CLIPConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=48, intermediate_size=84, num_hidden_layers=2,
                         num_attention_heads=3, max_position_embeddings=32, hidden_act="quick_gelu",
                         bos_token_id=bos, eos_token_id=eos, pad_token_id=eos),
        vision_config=dict(hidden_size=48, intermediate_size=84, num_hidden_layers=2, num_attention_heads=3,
                           image_size=30, patch_size=6, num_channels=3, hidden_act="quick_gelu"),
        projection_dim=40,
    )
    torch.manual_seed(0)
    model = CLIPModel(config).eval()
    randomize(model, seed=11)
    model.save_pretrained(MODEL)
    tok.save_pretrained(MODEL)
    processor = CLIPImageProcessor(size={"shortest_edge": 30}, crop_size={"height": 30, "width": 30})
    processor.save_pretrained(MODEL)

    vocabularies = ROOT / "Sources" / "FuseLENS" / "Vocabularies"
    tags = pick(vocabularies / "tags.txt", 53)
    attributes = pick(vocabularies / "attributes.txt", 59)
    (OUT / "tags.txt").write_text("\n".join(tags) + "\n")
    (OUT / "attributes.txt").write_text("\n".join(attributes) + "\n")
    (OUT / "captions.txt").write_text("\n".join(CAPTIONS) + "\n")

    def text_features(texts):
        rows = []
        for text in texts:  # one at a time: no padding, so nothing depends on the batch
            ids = tok(text, return_tensors="pt")
            assert ids["input_ids"].shape[1] <= 32, text
            with torch.no_grad():
                rows.append(model.get_text_features(**ids).pooler_output[0])
        features = torch.stack(rows)
        return features / features.norm(dim=-1, keepdim=True)

    tag_weights = text_features([TAG_TEMPLATE.format(t) for t in tags])
    attribute_weights = text_features([ATTRIBUTE_TEMPLATE.format(a) for a in attributes])
    caption_weights = text_features(CAPTIONS)

    images = []
    for name in IMAGES:
        pixels = processor(images=Image.open(ROOT / "samples" / "images" / name).convert("RGB"),
                           return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            images.append(model.get_image_features(pixel_values=pixels).pooler_output[0])
    image_features = torch.stack(images)

    cases = []
    for k, threshold in CASES:
        cases.append({"k": k, "threshold": threshold,
                      "tags": forward_tags(image_features, tag_weights.T, k, threshold),
                      "attributes": forward_tags(image_features, attribute_weights.T, k, threshold)})
    caption_ranking = forward_tags(image_features, caption_weights.T, CAPTION_COUNT, -2.0)
    question = "What is in the image?"
    prompts = []
    first = cases[2]
    for row in range(len(IMAGES)):
        prompts.append(prompt_all([tags[i] for i in first["tags"][row]["indexes"]],
                                  [attributes[i] for i in first["attributes"][row]["indexes"]],
                                  [CAPTIONS[i] for i in caption_ranking[row]["indexes"]], question))
    ids = [tok(TAG_TEMPLATE.format(t))["input_ids"] for t in tags[:5]]
    data = {
        "reference": "transformers " + __import__("transformers").__version__ + " CLIPModel + CLIPTokenizer; "
                     "LENS forward_tags / create_prompt_sample(mode='all'); torch " + torch.__version__,
        "tag_template": TAG_TEMPLATE, "attribute_template": ATTRIBUTE_TEMPLATE,
        "images": IMAGES, "tags": tags, "attributes": attributes, "captions": CAPTIONS,
        "first_tag_ids": ids,
        "tag_embeddings": tag_weights.tolist(), "attribute_embeddings": attribute_weights.tolist(),
        "image_embeddings": (image_features / image_features.norm(dim=-1, keepdim=True)).tolist(),
        "cases": cases, "caption_count": CAPTION_COUNT, "caption_ranking": caption_ranking,
        "prompt_case": 2, "question": question, "prompts": prompts,
    }
    (OUT / "e2e.json").write_text(json.dumps(data))
    print(f"tags {len(tags)}, attributes {len(attributes)}, captions {len(CAPTIONS)}, vocab {len(tok)}")
    for case in cases:
        print(case["k"], case["threshold"], [len(r["indexes"]) for r in case["tags"]],
              [len(r["indexes"]) for r in case["attributes"]])


if __name__ == "__main__":
    main()
