"""Generates Tests/Fixtures/llm-moe: tiny random sparse mixture-of-experts causal LMs in Hugging Face layout
(Mixtral, Qwen2-MoE, OLMoE; two seeds each, top-k >= 2, a dense layer among sparse ones, Qwen2-MoE's shared expert,
OLMoE's q/k norm with and without clip_qkv), their logits / top-k / metric_ce and greedy generations (KV cache) from
transformers, and the smallest router margin (gap between the k-th and (k+1)-th expert probability) each model
hits on the texts, so a near-tie that could flip an expert choice is visible.

One model of each family is saved the way `save_pretrained` writes it (per-expert tensors, `experts.{i}.…`); the
other is written from the model's own state dict, which is the merged 3-D layout transformers 5 keeps in memory
(`mlp.experts.gate_up_proj` [E, 2I, D], `mlp.experts.down_proj` [E, D, I]) — Fuse must read both.

Run: /work/venv-llm/bin/python tools/reference/llm_moe_fixtures.py
     (a venv with torch==2.13.0+cpu, transformers 5.x, tokenizers, safetensors; deterministic: fixed seeds)
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import (MixtralConfig, MixtralForCausalLM, OlmoeConfig, OlmoeForCausalLM, Qwen2MoeConfig,
                          Qwen2MoeForCausalLM)

sys.path.insert(0, os.path.dirname(__file__))
import llm_fixtures as L  # noqa: E402  (tokenizers, texts, prompt, f32, metric_ce)

OUT = os.path.join(L.ROOT, "Tests", "Fixtures", "llm-moe")


def save(name, model, tokenizer, merged):
    path = os.path.join(OUT, name)
    os.makedirs(path, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    if merged:
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        if model.config.tie_word_embeddings:
            state.pop("lm_head.weight", None)
        save_file(state, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})
    tokenizer.save(os.path.join(path, "tokenizer.json"))
    extra = os.path.join(path, "generation_config.json")
    if os.path.exists(extra):
        os.remove(extra)
    with open(os.path.join(path, "model.safetensors"), "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    layout = "merged" if any("gate_up_proj" in k for k in header) else "per-expert"
    assert layout == ("merged" if merged else "per-expert"), (name, layout)
    return layout


def router_margins(model, ids, top_k):
    """Smallest p_k - p_(k+1) over every token of every sparse layer (router inputs captured by hooks)."""
    margins = []

    def hook(module, inputs, output):
        logits = torch.nn.functional.linear(inputs[0].reshape(-1, inputs[0].shape[-1]), module.weight)
        probs = torch.softmax(logits.double(), dim=-1)
        top = torch.topk(probs, top_k + 1, dim=-1).values
        margins.append(float((top[:, top_k - 1] - top[:, top_k]).min()))

    handles = [m.register_forward_hook(hook) for n, m in model.named_modules()
               if n.endswith(".gate") and hasattr(m, "weight") and m.weight.dim() == 2 and m.weight.shape[0] > 1]
    with torch.no_grad():
        model(torch.tensor([ids]))
    for h in handles:
        h.remove()
    return min(margins)


def run(model, tokenizer, top_k):
    out = L.run_model({"tokenizer": tokenizer, "model": model})
    out["router_margin"] = min(router_margins(model, t["ids"], top_k) for t in out["texts"])
    return out


def perturb_norms(model):
    with torch.no_grad():
        for _, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(torch.randn_like(p) * 0.1)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    L.byte_level_tokenizer(317)  # keeps the seed sequence of llm_fixtures.py
    tok = L.metaspace_tokenizer(110)
    vocab = tok.get_vocab_size()
    common = dict(vocab_size=vocab, rms_norm_eps=1e-5, initializer_range=0.1, bos_token_id=1, eos_token_id=2)
    specs = [
        ("mixtral-a", False, 2, lambda: MixtralForCausalLM(MixtralConfig(
            hidden_size=48, intermediate_size=40, num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=2,
            num_local_experts=4, num_experts_per_tok=2, max_position_embeddings=128, rope_theta=5000.0,
            tie_word_embeddings=False, **common))),
        ("mixtral-b", True, 3, lambda: MixtralForCausalLM(MixtralConfig(
            hidden_size=32, intermediate_size=28, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
            num_local_experts=5, num_experts_per_tok=3, max_position_embeddings=64, sliding_window=48,
            tie_word_embeddings=True, **common))),
        ("qwen2moe-a", False, 2, lambda: Qwen2MoeForCausalLM(Qwen2MoeConfig(
            hidden_size=48, intermediate_size=56, moe_intermediate_size=24, shared_expert_intermediate_size=36,
            num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2, num_experts=6, num_experts_per_tok=2,
            norm_topk_prob=False, decoder_sparse_step=1, mlp_only_layers=[1], max_position_embeddings=128,
            tie_word_embeddings=False, **common))),
        ("qwen2moe-b", True, 3, lambda: Qwen2MoeForCausalLM(Qwen2MoeConfig(
            hidden_size=32, intermediate_size=40, moe_intermediate_size=20, shared_expert_intermediate_size=28,
            num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=1, num_experts=5, num_experts_per_tok=3,
            norm_topk_prob=True, decoder_sparse_step=2, mlp_only_layers=[], max_position_embeddings=64,
            tie_word_embeddings=True, **common))),
        ("olmoe-a", False, 2, lambda: OlmoeForCausalLM(OlmoeConfig(
            hidden_size=48, intermediate_size=32, num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=3,
            num_experts=6, num_experts_per_tok=2, norm_topk_prob=False, clip_qkv=0.6, max_position_embeddings=128,
            tie_word_embeddings=False, **common))),
        ("olmoe-b", True, 3, lambda: OlmoeForCausalLM(OlmoeConfig(
            hidden_size=32, intermediate_size=24, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
            num_experts=4, num_experts_per_tok=3, norm_topk_prob=True, attention_bias=True,
            max_position_embeddings=64, tie_word_embeddings=False, **common))),
    ]
    outputs = {}
    for seed, (name, merged, top_k, build) in enumerate(specs, start=11):
        torch.manual_seed(seed)
        model = build().eval()
        perturb_norms(model)
        if name == "olmoe-b":  # attention_bias: give the biases values
            with torch.no_grad():
                for n, p in model.named_parameters():
                    if n.endswith("proj.bias"):
                        p.copy_(torch.randn_like(p) * 0.2)
        layout = save(name, model, tok, merged)
        outputs[name] = run(model, tok, top_k)
        outputs[name]["layout"] = layout
        print(name, layout, sum(p.numel() for p in model.parameters()), "router margin",
              f"{outputs[name]['router_margin']:.2e}")
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"texts": L.TEXTS, "top_k": L.TOP_K, "models": outputs}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
