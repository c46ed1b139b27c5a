"""The Python reference of an exported fuse-mini folder: what the Swift runtime must reproduce.

    m = ReferenceModel.from_folder(Path("models/fuse-mini"))
    m.embed_texts(["a red circle"]); m.embed_image_file(path); m.embed_audio_file(path)

Text: all-MiniLM-L6-v2 as sentence-transformers runs it. Image: Pillow `convert("RGB")`, CLIPImageProcessor from
the folder's preprocessor_config.json. Audio: soundfile decode, channel mean, torchaudio-equal resampling to
16 kHz, Kaldi fbank, zero-pad/crop to max_length frames (ASTFeatureExtractor's rule), (x - mean) / (2 std).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from common import (AUDIO_MAX_LENGTH, FuseMini, embed_texts, kaldi_fbank, load_audio, load_encoder,
                    load_text_tokenizer, normalize_fbank, pad_or_crop_frames, pixel_values_from_uint8)


class ReferenceModel:
    def __init__(self, model: FuseMini, audio_mean: float, audio_std: float, image_processor=None):
        self.model = model.eval()
        self.bert = model.bert
        self.audio_mean, self.audio_std = audio_mean, audio_std
        self.tokenizer = load_text_tokenizer()
        if image_processor is None:
            from common import clip_processor

            image_processor = clip_processor()
        self.image_processor = image_processor

    @classmethod
    def from_checkpoint(cls, path: Path) -> "ReferenceModel":
        ck = torch.load(path)
        m = FuseMini(load_encoder())
        m.load_state_dict(ck["state"], strict=False)
        return cls(m, ck["audio_mean"], ck["audio_std"])

    @classmethod
    def from_folder(cls, folder: Path) -> "ReferenceModel":
        """Loads an exported folder; checks its encoder.safetensors is exactly all-MiniLM-L6-v2 renamed."""
        from transformers import CLIPImageProcessor

        from export import RENAME

        m = FuseMini(load_encoder())
        back = {v: k for k, v in RENAME.items()}
        tok = load_file(str(folder / "tokenizers.safetensors"))
        state = {f"{k.split('.')[1]}.{back[k.split('.', 2)[2]]}": v for k, v in tok.items()}
        missing, unexpected = m.load_state_dict(state, strict=False)
        assert not unexpected and all(k.startswith("bert.") for k in missing), (missing, unexpected)
        check_encoder(m.bert, load_file(str(folder / "encoder.safetensors")))
        audio = json.loads((folder / "audio" / "preprocessor_config.json").read_text())
        proc = CLIPImageProcessor.from_pretrained(str(folder / "image"))  # Pillow backend
        return cls(m, audio["mean"], audio["std"], proc)

    # ---- text
    def embed_texts(self, texts: list[str]) -> torch.Tensor:
        return embed_texts(self.bert, self.tokenizer, texts)

    # ---- image
    def image_pixel_values(self, path: Path) -> torch.Tensor:
        from PIL import Image

        im = Image.open(path).convert("RGB")
        return self.image_processor(images=im, return_tensors="pt")["pixel_values"]

    def image_pixels(self, uint8: np.ndarray) -> torch.Tensor:
        return pixel_values_from_uint8(uint8)

    @torch.no_grad()
    def embed_pixels(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.embed_image(pixel_values)

    def embed_image_file(self, path: Path) -> torch.Tensor:
        return self.embed_pixels(self.image_pixel_values(path))[0]

    # ---- audio
    def audio_input_features(self, path: Path) -> torch.Tensor:
        """[1, max_length, 128] normalised fbank of the first max_length frames (shorter audio zero-padded)."""
        fb = pad_or_crop_frames(kaldi_fbank(load_audio(path)), AUDIO_MAX_LENGTH)
        return normalize_fbank(fb, self.audio_mean, self.audio_std)[None]

    def audio_features(self, fbank_padded: np.ndarray) -> torch.Tensor:
        return normalize_fbank(torch.from_numpy(fbank_padded.astype(np.float32)), self.audio_mean, self.audio_std)

    @torch.no_grad()
    def embed_features(self, features: torch.Tensor) -> torch.Tensor:
        return self.model.embed_audio(features)

    def embed_audio_file(self, path: Path) -> torch.Tensor:
        return self.embed_features(self.audio_input_features(path))[0]


def check_encoder(bert, enc: dict[str, torch.Tensor]) -> None:
    """The folder's encoder tensors must equal the BertModel's, bit for bit, under assemble_encoder's renaming."""
    sd = bert.state_dict()
    for i in range(bert.config.num_hidden_layers):
        s, d = f"encoder.layer.{i}.", f"encoder.layers.{i}."
        for kind in ("weight", "bias"):
            qkv = torch.cat([sd[f"{s}attention.self.{p}.{kind}"] for p in ("query", "key", "value")])
            pairs = [("attn.qkv", qkv), ("attn.proj", sd[f"{s}attention.output.dense.{kind}"]),
                     ("norm1", sd[f"{s}attention.output.LayerNorm.{kind}"]), ("mlp.fc1", sd[f"{s}intermediate.dense.{kind}"]),
                     ("mlp.fc2", sd[f"{s}output.dense.{kind}"]), ("norm2", sd[f"{s}output.LayerNorm.{kind}"])]
            for name, ref in pairs:
                assert torch.equal(enc[f"{d}{name}.{kind}"], ref), f"{d}{name}.{kind} differs"
    assert torch.equal(enc["tokenizers.text.embed"], sd["embeddings.word_embeddings.weight"])
    pos = sd["embeddings.position_embeddings.weight"] + sd["embeddings.token_type_embeddings.weight"][0]
    assert torch.equal(enc["tokenizers.text.positions"], pos), "text positions differ"
    for kind in ("weight", "bias"):
        assert torch.equal(enc[f"tokenizers.text.norm.{kind}"], sd[f"embeddings.LayerNorm.{kind}"])
