"""Tiny random ViT (with its tanh pooler) and its transformers outputs.

Writes Tests/Fixtures/models/vit/ (config.json, model.safetensors, preprocessor_config.json) and
Tests/Fixtures/models/reference/vit.safetensors with:
  pixel_values [2, 3, 30, 30], pixel_patches [2, 25, 108] (Conv2d weight order), last_hidden [2, 26, 48]
  (after the final LayerNorm), pooler [2, 48].
Also Tests/Fixtures/models/vit-bf16/: the same model stored in bfloat16 (Fuse widens it to float32 at load), with
  bf16_last_hidden / bf16_pooler computed in float32 from the bf16-rounded weights (so the widening is exact).
Run: /work/venv/bin/python tools/reference/models_vit.py
"""
import torch
from transformers import ViTConfig, ViTImageProcessor, ViTModel

from models_common import fresh_dir, patches, randomize, save_reference


def main() -> None:
    folder = fresh_dir("vit")
    config = ViTConfig(hidden_size=48, num_hidden_layers=3, num_attention_heads=3, intermediate_size=84,
                       image_size=30, patch_size=6, num_channels=3, hidden_act="gelu", qkv_bias=True)
    torch.manual_seed(0)
    model = ViTModel(config, add_pooling_layer=True).eval()
    randomize(model, seed=4)
    model.save_pretrained(folder)
    ViTImageProcessor(size={"height": 30, "width": 30}).save_pretrained(folder)

    pixels = torch.randn(2, 3, 30, 30, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        out = model(pixel_values=pixels)
    rounded = ViTModel(config, add_pooling_layer=True).eval()
    rounded.load_state_dict({k: v.to(torch.bfloat16).float() for k, v in model.state_dict().items()})
    half_folder = fresh_dir("vit-bf16")
    model.to(torch.bfloat16).save_pretrained(half_folder)
    with torch.no_grad():
        rounded_out = rounded(pixel_values=pixels)
    save_reference("vit", {
        "pixel_values": pixels, "pixel_patches": patches(pixels, 6, (6, 6)),
        "last_hidden": out.last_hidden_state, "pooler": out.pooler_output,
        "bf16_last_hidden": rounded_out.last_hidden_state, "bf16_pooler": rounded_out.pooler_output,
    })


if __name__ == "__main__":
    main()
