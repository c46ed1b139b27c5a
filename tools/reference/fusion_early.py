"""Early-fusion reference: several inputs of different modalities joined into ONE token sequence on the tiny
Meta-Transformer (Tests/Fixtures/models/meta, made by models_meta.py), computed with transformers' embedding
modules and timm-style blocks in torch, independent of Fuse's code and of the converter's tensor names.

Definition (the one Sources/Fuse/Fusion/EarlyFusion.swift documents):
  1. each input is embedded by its modality's tokenizer (image: CLIP vision embeddings + pre-LayerNorm;
     audio: AST embeddings with CLS + distillation tokens; text: BERT embeddings, token type 0);
  2. every token of that input gets the modality-type vector added (`tokenizers.<m>.type`; zeros when absent);
  3. the inputs' sequences are concatenated in group order, with one key-padding mask, and run once through the
     shared encoder;
  4. each input's segment is pooled with its own modality's pooling (image: its CLS token; audio: mean of its two
     prefix tokens; text: mean of its real tokens), normalised, the inputs' vectors averaged and normalised again.

Groups (indices into Tests/Fixtures/models/reference/meta.safetensors' image/audio/text items) are batched together
and padded to the longest joint sequence, as Fuse batches them, so the padding mask is exercised.

Writes Tests/Fixtures/fusion/early.json ({"groups": [[[modality, index], …], …], "plain": [[48 floats], …],
"typed": […]}) and Tests/Fixtures/fusion/meta-typed/ (the tiny Meta-Transformer plus seeded random
`tokenizers.<m>.type` vectors; "typed" holds that model's results).
Run: /work/venv/bin/python tools/reference/fusion_early.py  (after models_meta.py)
"""
import json
import pathlib
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from models_common import FIXTURES, REFERENCE, ROOT  # noqa: E402
from models_meta import LAYERS, Block, run  # noqa: E402
from transformers import ASTModel, BertModel, BertTokenizerFast, CLIPModel  # noqa: E402

OUT = ROOT / "Tests" / "Fixtures" / "fusion"
GROUPS = [
    [["image", 0], ["audio", 0], ["text", 0]],
    [["text", 1], ["image", 1]],
    [["audio", 1]],
    [["text", 2], ["text", 3], ["audio", 0]],
]


def encoder_blocks(weights: dict[str, torch.Tensor]) -> torch.nn.ModuleList:
    blocks = torch.nn.ModuleList([Block() for _ in range(LAYERS)]).eval()
    state = {key[len("encoder.layers."):]: value for key, value in weights.items() if key.startswith("encoder.layers.")}
    blocks.load_state_dict(state)
    return blocks


def main() -> None:
    meta = FIXTURES / "meta"
    weights = load_file(str(meta / "model.safetensors"))
    blocks = encoder_blocks(weights)
    clip = CLIPModel.from_pretrained(FIXTURES / "clip").eval()
    ast = ASTModel.from_pretrained(FIXTURES / "ast").eval()
    bert = BertModel.from_pretrained(FIXTURES / "bert").eval()
    clip_ref = load_file(str(REFERENCE / "clip.safetensors"))
    ast_ref = load_file(str(REFERENCE / "ast.safetensors"))
    meta_ref = load_file(str(REFERENCE / "meta.safetensors"))

    def embed(modality: str, index: int) -> torch.Tensor:
        """[S, 48]: one input through its modality's embedding module."""
        if modality == "image":
            pixels = clip_ref["pixel_values"][index:index + 1]
            return clip.vision_model.pre_layrnorm(clip.vision_model.embeddings(pixels))[0]
        if modality == "audio":
            return ast.embeddings(ast_ref["fbank"][index:index + 1])[0]
        ids = meta_ref["text_ids"][index].long()
        real = int(meta_ref["text_mask"][index].sum())
        ids = ids[:real].unsqueeze(0)
        return bert.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))[0]

    def pool(modality: str, segment: torch.Tensor) -> torch.Tensor:
        if modality == "image":
            return segment[0]
        if modality == "audio":
            return (segment[0] + segment[1]) / 2
        return segment.mean(0)

    def fuse(types: dict[str, torch.Tensor]) -> torch.Tensor:
        sequences = []
        for group in GROUPS:
            parts = []
            for modality, index in group:
                tokens = embed(modality, index)
                parts.append((modality, tokens + types.get(modality, torch.zeros(tokens.shape[1]))))
            sequences.append(parts)
        longest = max(sum(p.shape[0] for _, p in parts) for parts in sequences)
        hidden = torch.zeros(len(GROUPS), longest, 48)
        mask = torch.zeros(len(GROUPS), longest)
        for g, parts in enumerate(sequences):
            joint = torch.cat([p for _, p in parts])
            hidden[g, :joint.shape[0]] = joint
            mask[g, :joint.shape[0]] = 1
        encoded = run(blocks, hidden, mask)
        fused = []
        for g, parts in enumerate(sequences):
            offset, vectors = 0, []
            for modality, tokens in parts:
                vector = pool(modality, encoded[g, offset:offset + tokens.shape[0]])
                vectors.append(vector / vector.norm())
                offset += tokens.shape[0]
            mean = torch.stack(vectors).mean(0)
            fused.append(mean / mean.norm())
        return torch.stack(fused)

    generator = torch.Generator().manual_seed(77)
    types = {m: 0.5 * torch.randn(48, generator=generator) for m in ["image", "audio", "text"]}
    with torch.no_grad():
        plain = fuse({})
        typed = fuse(types)

    typed_dir = OUT / "meta-typed"
    if typed_dir.exists():
        shutil.rmtree(typed_dir)
    shutil.copytree(meta, typed_dir)
    typed_weights = dict(weights)
    for modality, vector in types.items():
        typed_weights[f"tokenizers.{modality}.type"] = vector.contiguous()
    save_file(typed_weights, str(typed_dir / "model.safetensors"))

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "early.json").write_text(json.dumps({
        "reference": "tools/reference/fusion_early.py (transformers CLIP/AST/BERT embeddings + timm blocks, torch)",
        "groups": GROUPS, "plain": plain.tolist(), "typed": typed.tolist()}, indent=1))
    print("plain", plain[:, :4], "typed", typed[:, :4], sep="\n")


if __name__ == "__main__":
    main()
