"""Gradient reference for FuseTrain's BERT backward (SetFit stage 1 trains the body through these).

A tiny random BERT (hidden 30, 3 heads, 2 layers, intermediate 46, vocabulary 61, 20 positions, dropout 0) is saved
to Tests/Fixtures/setfit/tiny-bert/ (config.json + model.safetensors, float32). On a fixed padded batch of four
sequences (lengths 9, 3, 11, 2; some token types 1) the sentence-transformers forward — BertModel, mean pooling over
the attention mask, L2 normalisation — gives unit embeddings z; the loss is Σ z ⊙ R for a fixed random R.
torch autograd (float64, so the reference is exact to fp32's eye) gives every parameter's gradient.

Writes Tests/Fixtures/setfit/grads.safetensors: ids, types, mask [4, 11], R [4, 30], embeddings [4, 30],
loss [1], and grad.<parameter name> for every trainable tensor (the pooler is unused and left out).
Run: /work/venv-llm/bin/python tools/reference/setfit_grads.py
"""
import pathlib

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "setfit"
LENGTHS = [9, 3, 11, 2]


def tiny_bert() -> BertModel:
    config = BertConfig(
        vocab_size=61, hidden_size=30, num_hidden_layers=2, num_attention_heads=3, intermediate_size=46,
        max_position_embeddings=20, type_vocab_size=2, hidden_act="gelu", hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12)
    torch.manual_seed(0)
    model = BertModel(config, add_pooling_layer=True)
    generator = torch.Generator().manual_seed(11)
    with torch.no_grad():  # noise large enough that attention is far from uniform
        for name, parameter in sorted(model.named_parameters()):
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm.weight" in name:
                parameter.copy_(1.0 + 0.1 * noise)
            elif name.endswith("bias"):
                parameter.copy_(0.05 * noise)
            else:
                parameter.copy_(0.15 * noise)
    return model


def batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(5)
    longest = max(LENGTHS)
    ids = torch.zeros(len(LENGTHS), longest, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for row, length in enumerate(LENGTHS):
        ids[row, :length] = torch.randint(1, 61, (length,), generator=generator)
        mask[row, :length] = 1
        if row % 2 == 1:
            types[row, length // 2:length] = 1
    return ids, types, mask


def embed(model: BertModel, ids, types, mask) -> torch.Tensor:
    """sentence-transformers' Transformer → Pooling(mean) → Normalize."""
    hidden = model(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def main() -> None:
    model = tiny_bert()
    (OUT / "tiny-bert").mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT / "tiny-bert")
    ids, types, mask = batch()
    direction = torch.randn(len(LENGTHS), 30, generator=torch.Generator().manual_seed(7))
    model64 = model.double().train()  # train mode as in fit(); dropout is 0
    z = embed(model64, ids, types, mask)
    loss = (z * direction.double()).sum()
    loss.backward()
    tensors = {
        "ids": ids.float(), "types": types.float(), "mask": mask.float(), "R": direction,
        "embeddings": z.detach().float(), "loss": loss.detach().float().reshape(1),
    }
    for name, parameter in model64.named_parameters():
        if name.startswith("pooler."):
            continue
        tensors["grad." + name] = parameter.grad.float()
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(OUT / "grads.safetensors"))
    print(f"loss {loss.item():.6f}; {len(tensors) - 6} gradients")


if __name__ == "__main__":
    main()
