"""Peer for `fuse bench encoder --family modernbert|deberta`: transformers' ModernBertModel / DebertaV2Model in fp32
on CPU, on the same random-weight checkpoint and the same mixed-length batch Fuse runs.

Writes (once per configuration) a base-size random checkpoint into --work: ModernBERT-base's shape (768 wide,
12 heads, MLP 1152, local window 128, a global layer every 3) or DeBERTa-v3-base's (768 wide, 12 heads, MLP 3072,
256 log buckets over 512 positions, p2c|c2p, shared keys); the vocabulary is cut to 1,000 rows (only a gather
reads it). Then the batch: --batch sequences of seeded random lengths in [--min-length, --max-length], right-padded,
written to WORK/batch.json as {"ids": [[...]], ...} (real tokens only). Times the padded forward pass (transformers'
default SDPA attention; ModernBERT's unpadded path needs flash-attention, which has no CPU build), and writes the
mean-pooled outputs to WORK/pooled.json so Fuse can check it computed the same thing.
Prints {"family", "tokens", "padded_tokens", "sequences_per_second", "best"}.
"""
import argparse
import json
import os
import pathlib
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import DebertaV2Config, DebertaV2Model, ModernBertConfig, ModernBertModel  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()


def model_for(family: str, layers: int | None):
    if family == "modernbert":
        config = ModernBertConfig(vocab_size=1000, hidden_size=768, num_hidden_layers=layers or 22,
                                  num_attention_heads=12, intermediate_size=1152, local_attention=128,
                                  global_attn_every_n_layers=3, max_position_embeddings=8192, pad_token_id=0,
                                  bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2)
        return ModernBertModel(config)
    config = DebertaV2Config(vocab_size=1000, hidden_size=768, num_hidden_layers=layers or 12, num_attention_heads=12,
                             intermediate_size=3072, max_position_embeddings=512, relative_attention=True,
                             position_buckets=256, max_relative_positions=-1, pos_att_type="p2c|c2p",
                             share_att_key=True, norm_rel_ebd="layer_norm", position_biased_input=False,
                             type_vocab_size=0, layer_norm_eps=1e-7, pad_token_id=0)
    return DebertaV2Model(config)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", choices=["modernbert", "deberta"], required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--layers", type=int, default=None)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--min-length", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=384)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = model_for(args.family, args.layers).eval()
    model.save_pretrained(work)

    generator = torch.Generator().manual_seed(1)
    lengths = torch.randint(args.min_length, args.max_length + 1, (args.batch,), generator=generator).tolist()
    longest = max(lengths)
    ids = torch.zeros(args.batch, longest, dtype=torch.long)
    mask = torch.zeros(args.batch, longest, dtype=torch.long)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(3, 1000, (length,), generator=generator)
        mask[row, :length] = 1
    (work / "batch.json").write_text(json.dumps({"ids": [ids[r, :n].tolist() for r, n in enumerate(lengths)]}))

    with torch.inference_mode():
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1)
        (work / "pooled.json").write_text(json.dumps(pooled.tolist()))
        rates = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model(input_ids=ids, attention_mask=mask)
            rates.append(args.batch / (time.perf_counter() - start))
    print(json.dumps({"family": args.family, "tokens": sum(lengths), "padded_tokens": args.batch * longest,
                      "sequences_per_second": statistics.median(rates), "best": max(rates)}), flush=True)


if __name__ == "__main__":
    main()
