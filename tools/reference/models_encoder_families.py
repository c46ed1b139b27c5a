"""Tiny random ModernBERT and DeBERTa-v2/v3 checkpoints and their transformers outputs (issue 21).

Writes four folders under Tests/Fixtures/models/ and Tests/Fixtures/models/reference/<name>.safetensors each:
  modernbert       sentence-transformers folder (Transformer → Pooling(mean) → Normalize), ModernBertModel keys (no
                   prefix), the *old* config style (global_rope_theta / local_rope_theta / global_attn_every_n_layers),
                   no biases, local_attention 8 (window ±4) on sequences up to 23 tokens, seed 11.
  modernbert-mlm   ModernBertForMaskedLM (keys under `model.`), the transformers-5 config style (rope_parameters +
                   layer_types, an irregular pattern), norm/attention/mlp biases on, local_attention 7 (window ±3), seed 5.
  deberta-v3       sentence-transformers folder (CLS pooling), v3-style: position_buckets 8 with max_relative_positions
                   20 (log buckets beyond ±4), pos_att_type "p2c|c2p", share_att_key, norm_rel_ebd layer_norm, no
                   absolute positions, type_vocab_size 0, seed 7.
  deberta-v2       DebertaV2ForMaskedLM (keys under `deberta.`), v2-style: position_buckets 0 (raw distances clamped at
                   max_relative_positions 5), pos_att_type ["c2p"], separate pos_key_proj, absolute positions, token
                   types, embedding_size 24 ≠ hidden 36 (embed_proj), conv layer (kernel 3, 2 groups, gelu), seed 9.
Each reference holds ids / mask [B, T] (float), last_hidden [B, T, D] with padded rows zeroed (transformers computes
values there that no real token reads), mean [B, D] and cls [B, D] pooled vectors, and for the sentence-transformers
folders st_embeddings [B, D] (SentenceTransformer.encode). deberta-* also hold rel_pos [1, 40, 40]
(transformers' build_relative_position) to pin the bucket function.
Run: /work/venv-llm/bin/python tools/reference/models_encoder_families.py
"""
import json
import shutil

import torch
from sentence_transformers import SentenceTransformer, models
from transformers import (BertTokenizerFast, DebertaV2Config, DebertaV2ForMaskedLM, DebertaV2Model, ModernBertConfig,
                          ModernBertForMaskedLM, ModernBertModel)
from transformers.models.deberta_v2.modeling_deberta_v2 import build_relative_position

from models_bert import SENTENCES, make_vocab
from models_common import FIXTURES, fresh_dir, randomize, save_reference

LONG_SENTENCES = SENTENCES + [
    "the small blue bird flies over the big green tree and the red house at night under the moon",
]


def random_batch(seed: int, vocab: int, lengths: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded random ids (never the pad id 0) with their mask."""
    generator = torch.Generator().manual_seed(seed)
    longest = max(lengths)
    ids = torch.zeros(len(lengths), longest, dtype=torch.long)
    mask = torch.zeros(len(lengths), longest, dtype=torch.long)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(5, vocab, (length,), generator=generator)
        mask[row, :length] = 1
    return ids, mask


def pooled(hidden: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    weights = mask.unsqueeze(-1).float()
    return {"mean": (hidden * weights).sum(1) / weights.sum(1), "cls": hidden[:, 0]}


def reference(name: str, model, ids, mask, extra=None, **kwargs) -> None:
    with torch.no_grad():
        hidden = model(input_ids=ids, attention_mask=mask, **kwargs).last_hidden_state
    masked = hidden * mask.unsqueeze(-1).float()
    tensors = {"ids": ids.float(), "mask": mask.float(), "last_hidden": masked, **pooled(hidden, mask)}
    tensors.update(extra or {})
    save_reference(name, tensors)
    print(name, "lengths", mask.sum(1).tolist(), "max |h|", float(masked.abs().max()))


def tokenizer(folder) -> BertTokenizerFast:
    vocab = make_vocab()
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    return BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)


def sentence_transformers_folder(name: str, model, pooling_mode: str):
    """Saves `model` with a WordPiece stand-in tokenizer as a sentence-transformers folder; returns it loaded."""
    folder = fresh_dir(name)
    scratch = FIXTURES / f"_{name}_scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    tokenizer(scratch).save_pretrained(scratch)
    model.save_pretrained(scratch)
    transformer = models.Transformer(str(scratch), max_seq_length=48)
    width = model.config.hidden_size
    st = SentenceTransformer(modules=[transformer, models.Pooling(width, pooling_mode=pooling_mode),
                                      models.Normalize()], device="cpu")
    st.save(str(folder))
    shutil.rmtree(scratch)
    (folder / "README.md").unlink(missing_ok=True)
    return folder, st


def st_reference(st, folder):
    batch = st.tokenizer(LONG_SENTENCES, padding=True, return_tensors="pt")
    embeddings = torch.from_numpy(st.encode(LONG_SENTENCES, batch_size=8, convert_to_numpy=True))
    return batch, embeddings


def modernbert() -> None:
    vocab = len(make_vocab())
    config = ModernBertConfig(vocab_size=vocab, hidden_size=36, num_hidden_layers=4, num_attention_heads=3,
                              intermediate_size=28, local_attention=8, global_attn_every_n_layers=3,
                              global_rope_theta=1000.0, local_rope_theta=50.0, max_position_embeddings=64,
                              pad_token_id=0, bos_token_id=2, eos_token_id=3, cls_token_id=2, sep_token_id=3,
                              attn_implementation="eager")
    model = ModernBertModel(config).eval()
    randomize(model, seed=11)
    folder, st = sentence_transformers_folder("modernbert", model, "mean")
    # The checkpoints on the Hub still use the first config style: rewrite it so that one fixture reads it.
    saved = json.loads((folder / "config.json").read_text())
    for key in ["layer_types", "rope_parameters"]:
        saved.pop(key)
    saved.update(global_rope_theta=1000.0, local_rope_theta=50.0, global_attn_every_n_layers=3)
    (folder / "config.json").write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
    batch, st_embeddings = st_reference(st, folder)
    ids, mask = random_batch(21, vocab, [23, 5, 14, 1, 9])
    reference("modernbert", model, batch["input_ids"], batch["attention_mask"],
              extra={"st_embeddings": st_embeddings})
    reference("modernbert-random", model, ids, mask)

    config = ModernBertConfig(vocab_size=vocab, hidden_size=40, num_hidden_layers=5, num_attention_heads=5,
                              intermediate_size=34, local_attention=7, max_position_embeddings=64,
                              layer_types=["sliding_attention", "full_attention", "sliding_attention",
                                           "sliding_attention", "full_attention"],
                              rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 500.0},
                                               "sliding_attention": {"rope_type": "default", "rope_theta": 30.0}},
                              norm_bias=True, attention_bias=True, mlp_bias=True, hidden_activation="gelu_pytorch_tanh",
                              norm_eps=1e-6, pad_token_id=0, bos_token_id=2, eos_token_id=3, cls_token_id=2,
                              sep_token_id=3, attn_implementation="eager")
    mlm = ModernBertForMaskedLM(config).eval()
    randomize(mlm, seed=5)
    folder = fresh_dir("modernbert-mlm")
    mlm.save_pretrained(folder)
    ids, mask = random_batch(4, vocab, [3, 19, 12, 19, 7, 2])
    reference("modernbert-mlm", mlm.model, ids, mask)


def deberta() -> None:
    vocab = len(make_vocab())
    v3 = DebertaV2Config(vocab_size=vocab, hidden_size=40, num_hidden_layers=3, num_attention_heads=4,
                         intermediate_size=52, max_position_embeddings=48, relative_attention=True,
                         position_buckets=8, max_relative_positions=20, pos_att_type="p2c|c2p", share_att_key=True,
                         norm_rel_ebd="layer_norm", position_biased_input=False, type_vocab_size=0,
                         layer_norm_eps=1e-7, hidden_act="gelu", pad_token_id=0)
    model = DebertaV2Model(v3).eval()
    randomize(model, seed=7)
    folder, st = sentence_transformers_folder("deberta-v3", model, "cls")
    batch, st_embeddings = st_reference(st, folder)
    probe = torch.zeros(1, 40, 1)
    rel_v3 = build_relative_position(probe, probe, bucket_size=8, max_position=20).float()
    reference("deberta-v3", model, batch["input_ids"], batch["attention_mask"],
              extra={"st_embeddings": st_embeddings, "rel_pos": rel_v3})
    ids, mask = random_batch(8, vocab, [6, 26, 1, 17])
    reference("deberta-v3-random", model, ids, mask)

    v2 = DebertaV2Config(vocab_size=vocab, hidden_size=36, embedding_size=24, num_hidden_layers=3,
                         num_attention_heads=3, intermediate_size=44, max_position_embeddings=40,
                         relative_attention=True, position_buckets=0, max_relative_positions=5, pos_att_type=["c2p"],
                         share_att_key=False, norm_rel_ebd="none", position_biased_input=True, type_vocab_size=2,
                         conv_kernel_size=3, conv_groups=2, conv_act="gelu", layer_norm_eps=1e-7, hidden_act="gelu",
                         pad_token_id=0)
    mlm = DebertaV2ForMaskedLM(v2).eval()
    randomize(mlm, seed=9)
    folder = fresh_dir("deberta-v2")
    mlm.save_pretrained(folder)
    tokenizer(folder)
    ids, mask = random_batch(3, vocab, [11, 4, 21, 16])
    types = (torch.arange(ids.shape[1]).unsqueeze(0) >= 3).long() * mask
    rel_v2 = build_relative_position(probe, probe, bucket_size=0, max_position=5).float()
    reference("deberta-v2", mlm.deberta, ids, mask, extra={"token_types": types.float(), "rel_pos": rel_v2},
              token_type_ids=types)


if __name__ == "__main__":
    modernbert()
    deberta()
