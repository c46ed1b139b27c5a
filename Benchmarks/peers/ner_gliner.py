"""Peer for `fuse bench ner`: the `gliner` package (torch, fp32, CPU) on a gliner_small-shaped random model.

Writes into --work (once per run): a random UniEncoderSpanGLiNER with the shape of urchade/gliner_small-v2.1 —
DeBERTa-v3-small backbone (768 wide, 6 layers, 12 heads, MLP 3072, 256 log buckets over 512 positions, p2c|c2p,
shared keys), GLiNER hidden 768, max_width 12, max_len 384, one bidirectional LSTM layer, markerV0 — saved by
gliner and converted by tools/convert_gliner.py into WORK/model (the folder Fuse loads). The tokenizer is the
NER test fixture's small SentencePiece Unigram (Tests/Fixtures/ner/gliner-tiny/tokenizer.json), so the embedding
table has a few hundred rows instead of 128k; only a gather reads it. Then --texts texts of seeded random lengths in
[--min-words, --max-words] words drawn from the fixture's word list, written to WORK/texts.json with the labels.
Times `model.inference(texts, labels, batch_size=--batch-size)` (threshold 0.5, flat) and writes the entities of
the first pass to WORK/entities.json for Fuse to compare.
Prints {"texts", "words", "texts_per_second", "best"}.
"""
import argparse
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import DebertaV2Config, PreTrainedTokenizerFast  # noqa: E402

from gliner import GLiNERConfig  # noqa: E402
from gliner.model import UniEncoderSpanGLiNER  # noqa: E402

transformers.logging.set_verbosity_error()
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "reference"))
from ner_gliner import WORDS  # noqa: E402

LABELS = ["person", "organization", "location", "date", "product"]


def build(work: pathlib.Path) -> UniEncoderSpanGLiNER:
    backbone = work / "backbone"
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(ROOT / "Tests" / "Fixtures" / "ner" / "gliner-tiny" / "tokenizer.json"),
        unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    tokenizer.save_pretrained(str(backbone))
    encoder = DebertaV2Config(
        vocab_size=len(tokenizer), hidden_size=768, num_hidden_layers=6, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=512, relative_attention=True, position_buckets=256,
        max_relative_positions=-1, pos_att_type=["p2c", "c2p"], share_att_key=True, norm_rel_ebd="layer_norm",
        position_biased_input=False, type_vocab_size=0, layer_norm_eps=1e-7, pad_token_id=0)
    config = GLiNERConfig(model_name=str(backbone), encoder_config=encoder.to_dict(), max_width=12, hidden_size=768,
                          dropout=0.0, span_mode="markerV0", max_len=384, vocab_size=len(tokenizer))
    torch.manual_seed(0)
    model = UniEncoderSpanGLiNER(config, tokenizer=tokenizer)
    model.resize_embeddings()
    model.eval()
    raw = work / "raw"
    model.save_pretrained(str(raw))
    subprocess.run([sys.executable, str(ROOT / "tools" / "convert_gliner.py"), str(raw), str(work / "model")],
                   check=True, stdout=subprocess.DEVNULL)
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--min-words", type=int, default=50)
    parser.add_argument("--max-words", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = build(work)
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(args.min_words, args.max_words)))
             for _ in range(args.texts)]
    (work / "texts.json").write_text(json.dumps({"texts": texts, "labels": LABELS}))
    with torch.inference_mode():
        entities = model.inference(texts, LABELS, threshold=0.5, flat_ner=True, batch_size=args.batch_size)
        (work / "entities.json").write_text(json.dumps(
            [[[e["start"], e["end"], e["label"], e["score"]] for e in found] for found in entities]))
        rates = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model.inference(texts, LABELS, threshold=0.5, flat_ner=True, batch_size=args.batch_size)
            rates.append(len(texts) / (time.perf_counter() - start))
    words = sum(len(list(model.data_processor.words_splitter(text))) for text in texts)
    print(json.dumps({"texts": len(texts), "words": words, "texts_per_second": statistics.median(rates),
                      "best": max(rates)}), flush=True)


if __name__ == "__main__":
    main()
