"""Generates Tests/Fixtures/llm: three small BPE tokenizers, three tiny random causal LMs in Hugging Face layout
(GPT-2 byte-level; Llama with Metaspace + byte fallback, GQA, rope_theta 5000; Llama with llama3 rope scaling and
tied embeddings), their logits / top-k / metric_ce from transformers, greedy generations (KV cache), and the
alignment + fusion results of FuseLLM's algorithms (re-implemented in llm_fusellm.py) on them.

Run: /work/venv/bin/python tools/reference/llm_fixtures.py   (deterministic: fixed seeds)
"""
import json
import os
import sys

import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
import llm_fusellm as F  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "llm")
TOP_K = 10

TRAIN_TEXT = [
    "The quick brown fox jumps over the lazy dog while the cat sleeps in the warm sun.",
    "Knowledge fusion of large language models combines the strengths of several source models.",
    "A tokenizer splits text into tokens; different tokenizers split the same text differently.",
    "Dynamic programming aligns two token sequences by minimizing the total edit distance.",
    "The base model learns from the fused distributions of its teachers during continual training.",
    "Cross entropy measures how well a distribution predicts the gold next token in a sequence.",
    "Rotary position embeddings rotate query and key vectors by angles that depend on position.",
    "Grouped query attention shares each key and value head among several query heads.",
    "Temperature scaling sharpens or flattens a probability distribution before sampling.",
    "In the morning the fisherman walked to the harbour and counted the boats on the water.",
    "She said that the weather would change, and by evening the rain had started to fall.",
    "Numbers like 1024, 3.14 and 2026 appear in text, as do symbols such as %, & and #.",
]

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Knowledge fusion combines several language models into one.",
    "Tokenizers disagree: unbelievable, re-alignment, 3.14159!",
    "Café naïve résumé — emoji 🙂 and ümlauts.",
    "In the evening the rain started to fall on the harbour.",
]

PROMPT = "The base model"


def byte_level_tokenizer(vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TRAIN_TEXT, trainer)
    return tok


def metaspace_tokenizer(merged_tokens):
    """Llama-style: Metaspace '▁' + BPE with byte fallback (<0x00>…<0xFF>) + <unk>/<s>/</s>."""
    base = Tokenizer(models.BPE(unk_token="<unk>"))
    base.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    trainer = trainers.BpeTrainer(vocab_size=merged_tokens, special_tokens=["<unk>"], limit_alphabet=60,
                                  show_progress=False)
    base.train_from_iterator(TRAIN_TEXT, trainer)
    model = json.loads(base.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for token, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1]):
        if token not in vocab:
            vocab[token] = len(vocab)
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens(["<unk>", "<s>", "</s>"])
    return tok


def f32(x):
    """Float32 values, printed with the 9 significant digits that round-trip a float32."""
    return [float(f"{float(np.float32(v)):.9g}") for v in x]


def save_model(name, model, tokenizer, marker):
    path = os.path.join(OUT, name)
    os.makedirs(path, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save(os.path.join(path, "tokenizer.json"))
    for extra in ("generation_config.json",):
        p = os.path.join(path, extra)
        if os.path.exists(p):
            os.remove(p)
    return {"name": name, "tokenizer": tokenizer, "model": model, "marker": marker}


def run_model(entry):
    tok, model = entry["tokenizer"], entry["model"]
    vocab_size = model.config.vocab_size
    out = {"vocab_size": vocab_size, "texts": []}
    for n, text in enumerate(TEXTS):
        ids = tok.encode(text).ids
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double().numpy()
        top_vals, top_ids = torch.topk(torch.from_numpy(logits), k=TOP_K, dim=-1)
        rec = {
            "ids": ids,
            "tokens": [tok.id_to_token(i) for i in ids],
            "topk_logits": [f32(r) for r in top_vals.numpy()],
            "topk_ids": top_ids.numpy().tolist(),
            "metric_ce": F.metric_ce(logits, ids),
        }
        if n < 2:
            rec["logits"] = [f32(r) for r in logits]
        out["texts"].append(rec)
    prompt_ids = tok.encode(PROMPT).ids
    with torch.no_grad():
        gen = model.generate(torch.tensor([prompt_ids]), max_new_tokens=12, do_sample=False, use_cache=True,
                             pad_token_id=0)
    out["generate"] = {"prompt": PROMPT, "prompt_ids": prompt_ids, "ids": gen[0].tolist()}
    return out


def align_and_fuse(base, sources, outputs, align_type, temperature):
    """FuseLLM pipeline on the fixtures: align each source to `base`, then MinCE / AvgCE fusion per text."""
    btok = base["tokenizer"]
    base_vocab = btok.get_vocab()
    base_by_id = [btok.id_to_token(i) for i in range(btok.get_vocab_size())]
    V = base["model"].config.vocab_size
    result = {"base": base["name"], "sources": [s["name"] for s in sources], "align_type": align_type,
              "temperature": temperature, "vocab_mappings": {}, "texts": []}
    mappings = {}
    for s in sources:
        stok = s["tokenizer"]
        s_by_id = [stok.id_to_token(i) for i in range(stok.get_vocab_size())]
        mappings[s["name"]] = F.vocab_mapping(s_by_id, base_by_id, s["marker"], base["marker"])
        result["vocab_mappings"][s["name"]] = mappings[s["name"]]
    for n in range(len(TEXTS)):
        b = outputs[base["name"]]["texts"][n]
        base_dist = F.target_dist(b["topk_logits"], b["topk_ids"], V, temperature)
        dists, ces = [base_dist], [b["metric_ce"]]
        rec = {"aligned": {}}
        for s in sources:
            o = outputs[s["name"]]["texts"][n]
            stok = s["tokenizer"]
            lg, ix, b2s = F.transform_step_logits(
                b["tokens"], o["tokens"], base_vocab, {i: stok.id_to_token(i) for i in range(stok.get_vocab_size())},
                o["topk_logits"], o["topk_ids"], base["marker"], s["marker"],
                blending_is_byte_level=(s["marker"] == "Ġ"), align_type=align_type, mapping=mappings[s["name"]])
            rec["aligned"][s["name"]] = {"base_to_source": b2s, "logits": [f32(r) for r in lg], "ids": ix}
            dists.append(F.target_dist(lg, ix, V, temperature, fallback=base_dist))
            ces.append(o["metric_ce"])
        d_min, chosen = F.fuse_min_ce(dists, ces)
        d_avg, w = F.fuse_avg_ce(dists, ces)
        d_avgp, wp = F.fuse_avg_ce_paper(dists, ces)
        rec["ces"] = ces
        rec["mince_choice"] = chosen
        rec["avgce_weights"] = [float(v) for v in w]
        rec["avgce_paper_weights"] = [float(v) for v in wp]
        for key, d in (("mince", d_min), ("avgce", d_avg), ("avgce_paper", d_avgp)):
            rec[key] = [{"ids": np.nonzero(row)[0].tolist(), "probs": f32(row[np.nonzero(row)[0]])} for row in d]
        result["texts"].append(rec)
    return result


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    tok_a = byte_level_tokenizer(317)
    tok_b = metaspace_tokenizer(110)
    tok_c = metaspace_tokenizer(75)

    torch.manual_seed(1)
    gpt2 = GPT2LMHeadModel(GPT2Config(
        vocab_size=tok_a.get_vocab_size(), n_positions=64, n_embd=60, n_layer=2, n_head=5,
        activation_function="gelu_new", layer_norm_epsilon=1e-5, initializer_range=0.1,
        bos_token_id=0, eos_token_id=0)).eval()
    torch.manual_seed(2)
    llama_b = LlamaForCausalLM(LlamaConfig(
        vocab_size=tok_b.get_vocab_size(), hidden_size=48, intermediate_size=100, num_hidden_layers=2,
        num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-5,
        rope_theta=5000.0, tie_word_embeddings=False, initializer_range=0.1,
        bos_token_id=1, eos_token_id=2)).eval()
    torch.manual_seed(3)
    llama_c = LlamaForCausalLM(LlamaConfig(
        vocab_size=tok_c.get_vocab_size(), hidden_size=48, intermediate_size=72, num_hidden_layers=3,
        num_attention_heads=3, num_key_value_heads=1, max_position_embeddings=256, rms_norm_eps=1e-6,
        rope_theta=500000.0, tie_word_embeddings=True, initializer_range=0.1,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 64},
        bos_token_id=1, eos_token_id=2)).eval()
    # Random RMSNorm / LayerNorm gains so the norms' weights are exercised.
    with torch.no_grad():
        for m in (gpt2, llama_b, llama_c):
            for name, p in m.named_parameters():
                if p.dim() == 1:
                    p.add_(torch.randn_like(p) * 0.1)

    entries = [save_model("gpt2-a", gpt2, tok_a, "Ġ"), save_model("llama-b", llama_b, tok_b, "▁"),
               save_model("llama-c", llama_c, tok_c, "▁")]
    outputs = {e["name"]: run_model(e) for e in entries}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"texts": TEXTS, "top_k": TOP_K, "models": outputs}, f, ensure_ascii=False)

    by_name = {e["name"]: e for e in entries}
    fusion = [
        align_and_fuse(by_name["gpt2-a"], [by_name["llama-b"], by_name["llama-c"]], outputs, "soft", 1.0),
        align_and_fuse(by_name["gpt2-a"], [by_name["llama-b"], by_name["llama-c"]], outputs, "hard", 0.5),
        align_and_fuse(by_name["llama-b"], [by_name["gpt2-a"]], outputs, "soft", 1.0),
    ]
    with open(os.path.join(OUT, "fusion.json"), "w") as f:
        json.dump({"texts": TEXTS, "cases": fusion}, f, ensure_ascii=False)
    with open(os.path.join(OUT, "corpus.jsonl"), "w") as f:
        for t in TEXTS:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    for e in entries:
        print(e["name"], e["model"].config.vocab_size, sum(p.numel() for p in e["model"].parameters()))


if __name__ == "__main__":
    main()
