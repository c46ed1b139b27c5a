"""Tiny random CLIP (text + vision towers, projections, logit_scale) and its transformers outputs.

Writes Tests/Fixtures/models/clip/ (config.json, model.safetensors, preprocessor_config.json) and
Tests/Fixtures/models/reference/clip.safetensors with:
  text_ids [3, 12] (int ids stored as float), text_mask [3, 12], text_last_hidden [3, 12, 48],
  text_pooled [3, 48], text_embeds [3, 40] (projected, not normalised),
  pixel_values [2, 3, 30, 30], pixel_patches [2, 25, 108], vision_last_hidden [2, 26, 48],
  vision_pooled [2, 48], image_embeds [2, 40], logit_scale [1];
  end to end from samples/images/cat.png through the saved CLIPImageProcessor (Pillow):
  png_pixels [1, 3, 30, 30], png_image_embeds [1, 40].
Run: /work/venv/bin/python tools/reference/models_clip.py
"""
import torch
from PIL import Image
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

from models_common import ROOT, fresh_dir, patches, randomize, save_reference

EOS = 98


def main() -> None:
    folder = fresh_dir("clip")
    config = CLIPConfig(
        text_config=dict(vocab_size=99, hidden_size=48, intermediate_size=84, num_hidden_layers=3,
                         num_attention_heads=3, max_position_embeddings=20, hidden_act="quick_gelu",
                         bos_token_id=97, eos_token_id=EOS, pad_token_id=1),
        vision_config=dict(hidden_size=48, intermediate_size=84, num_hidden_layers=3, num_attention_heads=3,
                           image_size=30, patch_size=6, num_channels=3, hidden_act="quick_gelu"),
        projection_dim=40,
    )
    torch.manual_seed(0)
    model = CLIPModel(config).eval()
    randomize(model, seed=1)
    model.save_pretrained(folder)
    processor = CLIPImageProcessor(size={"shortest_edge": 30}, crop_size={"height": 30, "width": 30})
    processor.save_pretrained(folder)

    generator = torch.Generator().manual_seed(2)
    # Three sequences of lengths 12, 7 and 4: BOS, body, EOS, then padding (pad id 1, mask 0).
    ids = torch.ones(3, 12, dtype=torch.long)
    mask = torch.zeros(3, 12, dtype=torch.long)
    for row, length in enumerate([12, 7, 4]):
        body = torch.randint(2, 97, (length - 2,), generator=generator)
        ids[row, :length] = torch.cat([torch.tensor([97]), body, torch.tensor([EOS])])
        mask[row, :length] = 1
    pixels = torch.randn(2, 3, 30, 30, generator=generator)

    with torch.no_grad():
        text = model.text_model(input_ids=ids, attention_mask=mask)
        vision = model.vision_model(pixel_values=pixels)
        text_embeds = model.text_projection(text.pooler_output)
        image_embeds = model.visual_projection(vision.pooler_output)

    png = Image.open(ROOT / "samples" / "images" / "cat.png").convert("RGB")
    png_pixels = processor(images=png, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        png_embeds = model.visual_projection(model.vision_model(pixel_values=png_pixels).pooler_output)

    save_reference("clip", {
        "png_pixels": png_pixels, "png_image_embeds": png_embeds,
        "text_ids": ids.float(), "text_mask": mask.float(),
        "text_last_hidden": text.last_hidden_state, "text_pooled": text.pooler_output, "text_embeds": text_embeds,
        "pixel_values": pixels, "pixel_patches": patches(pixels, 6, (6, 6)),
        "vision_last_hidden": vision.last_hidden_state, "vision_pooled": vision.pooler_output,
        "image_embeds": image_embeds, "logit_scale": model.logit_scale.detach().reshape(1),
    })


if __name__ == "__main__":
    main()
