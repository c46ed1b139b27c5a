"""Tiny Meta-Transformer folder (run through tools/convert_meta_transformer.py) and its torch reference outputs.

A random 3-block encoder of width 48 is saved the way Meta-Transformer releases its encoder (a .pth of timm ViT
blocks named `<i>.norm1.weight`, `<i>.attn.qkv.weight`, …), then converted with the image tokenizer taken from the
tiny CLIP vision tower, the audio tokenizer from the tiny AST and the text tokenizer from the tiny BERT (run
models_clip.py, models_ast.py and models_bert.py first). The reference runs those transformers embedding modules and
timm-style blocks written here, independent of the converter's file layout.

Writes Tests/Fixtures/models/meta/ and Tests/Fixtures/models/reference/meta.safetensors with:
  image_patches [2, 25, 108], image_hidden [2, 26, 48], image_pooled [2, 48] (CLS token),
  audio_patches [2, 6, 256], audio_hidden [2, 8, 48], audio_pooled [2, 48] (mean of CLS and distillation),
  text_ids / text_mask [4, T], text_hidden [4, T, 48], text_pooled [4, 48] (mean over real tokens).
Run: /work/venv/bin/python tools/reference/models_meta.py
"""
import pathlib
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file
from transformers import ASTModel, BertModel, BertTokenizerFast, CLIPModel

from models_common import FIXTURES, REFERENCE, ROOT, patches, save_reference

WIDTH, HEADS, LAYERS, EPS = 48, 3, 3, 1e-6


class Block(torch.nn.Module):
    """A timm ViT block: x + attn(norm1(x)), then x + mlp(norm2(x))."""

    def __init__(self) -> None:
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(WIDTH, eps=EPS)
        self.attn = torch.nn.Module()
        self.attn.qkv = torch.nn.Linear(WIDTH, 3 * WIDTH)
        self.attn.proj = torch.nn.Linear(WIDTH, WIDTH)
        self.norm2 = torch.nn.LayerNorm(WIDTH, eps=EPS)
        self.mlp = torch.nn.Module()
        self.mlp.fc1 = torch.nn.Linear(WIDTH, 4 * WIDTH)
        self.mlp.fc2 = torch.nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None) -> torch.Tensor:
        b, n, _ = x.shape
        qkv = self.attn.qkv(self.norm1(x)).reshape(b, n, 3, HEADS, WIDTH // HEADS).permute(2, 0, 3, 1, 4)
        scores = (qkv[0] @ qkv[1].transpose(-2, -1)) * (WIDTH // HEADS) ** -0.5
        if key_mask is not None:
            scores = scores.masked_fill(key_mask[:, None, None, :] == 0, float("-inf"))
        attended = (scores.softmax(-1) @ qkv[2]).transpose(1, 2).reshape(b, n, WIDTH)
        x = x + self.attn.proj(attended)
        return x + self.mlp.fc2(torch.nn.functional.gelu(self.mlp.fc1(self.norm2(x))))


def run(blocks: torch.nn.ModuleList, x: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
    for block in blocks:
        x = block(x, key_mask)
    return x


def main() -> None:
    torch.manual_seed(8)
    blocks = torch.nn.ModuleList([Block() for _ in range(LAYERS)]).eval()
    generator = torch.Generator().manual_seed(9)
    with torch.no_grad():
        for name, parameter in blocks.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if "norm" in name and name.endswith("weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            else:
                parameter.copy_((0.05 if name.endswith("bias") else 0.12) * noise)

    out = FIXTURES / "meta"
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = pathlib.Path(scratch) / "Meta-Transformer_tiny_encoder.pth"
        torch.save(blocks.state_dict(), checkpoint)
        subprocess.run([sys.executable, str(ROOT / "tools" / "convert_meta_transformer.py"),
                        "--encoder", str(checkpoint), "--heads", str(HEADS), "--force",
                        "--image-from", str(FIXTURES / "clip"), "--audio-from", str(FIXTURES / "ast"),
                        "--text-from", str(FIXTURES / "bert"), "--out", str(out)], check=True)

    clip = CLIPModel.from_pretrained(FIXTURES / "clip").eval()
    ast = ASTModel.from_pretrained(FIXTURES / "ast").eval()
    bert = BertModel.from_pretrained(FIXTURES / "bert").eval()
    tokenizer = BertTokenizerFast.from_pretrained(FIXTURES / "bert")
    clip_ref = load_file(str(REFERENCE / "clip.safetensors"))
    ast_ref = load_file(str(REFERENCE / "ast.safetensors"))

    with torch.no_grad():
        pixels = clip_ref["pixel_values"]
        image = clip.vision_model.pre_layrnorm(clip.vision_model.embeddings(pixels))
        image_hidden = run(blocks, image)
        fbank = ast_ref["fbank"]
        audio_hidden = run(blocks, ast.embeddings(fbank))
        batch = tokenizer(["the cat sleeps on the red car", "one two three", "a big dog runs in the sea",
                           "this photo is blue"], padding=True, return_tensors="pt")
        text = bert.embeddings(input_ids=batch["input_ids"], token_type_ids=torch.zeros_like(batch["input_ids"]))
        text_hidden = run(blocks, text, batch["attention_mask"])
        weights = batch["attention_mask"].unsqueeze(-1).float()
        text_pooled = (text_hidden * weights).sum(1) / weights.sum(1)

    save_reference("meta", {
        "image_patches": patches(pixels, 6, (6, 6)), "image_hidden": image_hidden, "image_pooled": image_hidden[:, 0],
        "audio_patches": ast_ref["fbank_patches"], "audio_hidden": audio_hidden,
        "audio_pooled": (audio_hidden[:, 0] + audio_hidden[:, 1]) / 2,
        "text_ids": batch["input_ids"].float(), "text_mask": batch["attention_mask"].float(),
        "text_hidden": text_hidden, "text_pooled": text_pooled,
    })


if __name__ == "__main__":
    main()
