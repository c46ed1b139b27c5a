"""Shared helpers for the model fixture generators (tools/reference/models_*.py).

Every fixture is a tiny random-weight checkpoint saved in Hugging Face layout under
Tests/Fixtures/models/<name>/ plus its reference outputs in Tests/Fixtures/models/reference/<name>.safetensors.
Sizes are deliberately odd (hidden 48, 3 heads, 3 layers) so that layout bugs cannot hide behind symmetric shapes.
"""
from __future__ import annotations

import os
import pathlib
import shutil

import torch
from safetensors.torch import save_file

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "Fixtures" / "models"
REFERENCE = FIXTURES / "reference"


def fresh_dir(name: str) -> pathlib.Path:
    path = FIXTURES / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    REFERENCE.mkdir(parents=True, exist_ok=True)
    return path


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Replaces every parameter with seeded noise large enough that attention is not uniform.

    Initialisers of tiny configs give near-constant outputs, which would let a wrong mask or a swapped axis pass.
    LayerNorm weights stay near 1 so activations keep a sane scale through three layers.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            noise = torch.randn(parameter.shape, generator=generator)
            if "norm" in name.lower() and name.endswith("weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            elif name.endswith("bias"):
                parameter.copy_(0.05 * noise)
            elif "logit_scale" in name:
                parameter.fill_(2.6592)
            else:
                parameter.copy_(0.12 * noise)


def save_reference(name: str, tensors: dict[str, torch.Tensor]) -> None:
    contiguous = {key: value.detach().to(torch.float32).contiguous() for key, value in tensors.items()}
    save_file(contiguous, str(REFERENCE / f"{name}.safetensors"))


def patches(images: torch.Tensor, patch: int, stride: tuple[int, int]) -> torch.Tensor:
    """[B, C, H, W] → [B, N, C·p·p] in the order of a Conv2d(kernel=p, stride) weight, rows before columns."""
    unfolded = torch.nn.functional.unfold(images, kernel_size=patch, stride=stride)
    return unfolded.transpose(1, 2).contiguous()
