"""Peer for `fuse bench ner`: the `gliner` package (torch, fp32, CPU) on a gliner_small-shaped model.

Writes into --work (once per run): a random UniEncoderSpanGLiNER (seed 0) with the shape of urchade/gliner_small-v2.1
— DeBERTa-v3-small backbone (768 wide, 6 layers, 12 heads, MLP 3072, 256 log buckets over 512 positions, p2c|c2p,
shared keys), GLiNER hidden 768, max_width 12, max_len 384, one bidirectional LSTM layer, markerV0. The tokenizer is
the NER test fixture's small SentencePiece Unigram (Tests/Fixtures/ner/gliner-tiny/tokenizer.json), so the embedding
table has a few hundred rows instead of 128k; only a gather reads it.

Unless --untrained, the model is then fine-tuned briefly with gliner's own forward and loss (fp32, seed 1; `train`)
on a synthetic task: each of the 5 labels owns 5 fixed capitalised words or numbers of the word list, and a run of
consecutive words of one label's set is an entity of that label. A random GLiNER scores every span near 0.5; the
aim is a model whose candidates mostly score far below the threshold and whose true entities score far above, as a
trained model's do. The distribution on held-out texts goes to stderr and into the output, and the peer refuses
(exit status 1) when fewer than 90 % of candidates are < 0.1 or fewer than 90 % of true entities > 0.9. The
fine-tuned weights are cached in WORK/trained-STEPSxBATCH.pt, so a re-run in the same folder does not train again.

Two choices make that task learnable in minutes from a random backbone (a published GLiNER starts from a pretrained
one). The label vectors are read at the token after each `<<ENT>>` (`embed_ent_token: false`), and the labels are
words that are single tokens of the fixture tokenizer: a random DeBERTa's output at the five identical `<<ENT>>`
tokens is the same vector for every label (cosine 0.9996; the relative attention that would tell them apart has to
be learned first), so the model could only learn "this span is an entity", never which label, and the focal loss
then settles every true entity near α / (α + 4 (1 − α)) ≈ 0.43 — what the earlier recipe measured. And the
backbone stays frozen (random, as built): only GLiNER's own layers (projection, LSTM, span and label MLPs) learn,
which also spares a step the backbone's backward pass. The shape and the FLOPs are gliner_small's either way.

The model is saved by gliner (WORK/raw) and converted by tools/convert_gliner.py into WORK/model (the folder Fuse
loads). Then --texts texts of seeded random lengths in [--min-words, --max-words] words drawn from the word list go to
WORK/texts.json with the labels; `model.inference(texts, labels, batch_size=--batch-size)` (threshold 0.5, flat) is
timed and the entities of the first pass written to WORK/entities.json for Fuse to compare.
Prints {"texts", "words", "texts_per_second", "best", "trained"}.
"""
import argparse
import json
import os
import pathlib
import random
import re
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

# Single tokens of the fixture tokenizer (read at the token after `<<ENT>>`: see the module doc); "person" and the
# like are spelled letter by letter by it, so their first tokens would be the same "▁".
LABELS = ["company", "city", "year", "country", "car"]


def build(work: pathlib.Path) -> UniEncoderSpanGLiNER:
    """The random gliner_small-shaped model (seed 0), saved by gliner into WORK/raw."""
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
                          embed_ent_token=False, dropout=0.0, span_mode="markerV0", max_len=384,
                          vocab_size=len(tokenizer))
    torch.manual_seed(0)
    model = UniEncoderSpanGLiNER(config, tokenizer=tokenizer)
    model.resize_embeddings()
    model.eval()
    model.save_pretrained(str(work / "raw"))
    return model


# The synthetic task the trained bench model learns: each label owns a fixed, seeded set of words from WORDS (words
# the splitter keeps whole, capitalised or numbers); a run of consecutive words of one label's set is one entity of that label.
WORD_PATTERN = re.compile(r"\w+(?:[-_]\w+)*")


def label_words(per_label: int = 5) -> dict:
    whole = sorted({word for word in WORDS if WORD_PATTERN.fullmatch(word) and (word[0].isupper() or word[0].isdigit())})
    random.Random(11).shuffle(whole)
    return {word: LABELS[index // per_label] for index, word in enumerate(whole[:per_label * len(LABELS)])}


def gold_entities(words: list, owners: dict, max_width: int) -> list:
    """[start, end (inclusive), label] for every maximal run of words of one label (cut at max_width)."""
    entities, index = [], 0
    while index < len(words):
        label = owners.get(words[index])
        if label is None:
            index += 1
            continue
        end = index
        while end + 1 < len(words) and owners.get(words[end + 1]) == label and end + 1 - index < max_width:
            end += 1
        entities.append([index, end, label])
        index = end + 1
    return entities


def synthetic_example(model, rng: random.Random, owners: dict, low: int, high: int) -> dict:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    words = [token for token, _, _ in model.data_processor.words_splitter(text)]
    return {"tokenized_text": words, "ner": gold_entities(words, owners, model.config.max_width)}


def score_shares(model, examples: list) -> dict:
    """Where the span·label probabilities of `examples` lie: the share of all candidates below 0.1, within 0.01 /
    0.05 of the 0.5 threshold, and the share of gold entities above 0.9 (and the lowest gold probability)."""
    collator = model._create_data_collator()
    batch = collator(examples, entity_types=[LABELS] * len(examples))
    with torch.inference_mode():
        logits = model(**{k: v for k, v in batch.items() if isinstance(v, torch.Tensor)}).logits
    probabilities = torch.sigmoid(logits)
    valid = batch["span_mask"].view(probabilities.shape[:3]).unsqueeze(-1).expand_as(probabilities)
    gold = torch.zeros_like(probabilities, dtype=torch.bool)
    width = model.config.max_width
    for item, example in enumerate(examples):
        for start, end, label in example["ner"]:
            gold[item, start, end - start, LABELS.index(label)] = True
    candidates = probabilities[valid]
    positives = probabilities[gold]
    return {"candidates": int(candidates.numel()), "below_0.1": float((candidates < 0.1).float().mean()),
            "within_0.01": float(((candidates - 0.5).abs() < 0.01).float().mean()),
            "within_0.05": float(((candidates - 0.5).abs() < 0.05).float().mean()),
            "gold": int(positives.numel()), "gold_above_0.9": float((positives > 0.9).float().mean()),
            "gold_lowest": float(positives.min()) if positives.numel() else 1.0,
            "gold_median": float(positives.median()) if positives.numel() else 1.0,
            "above_0.5": float((candidates > 0.5).float().mean()), "max_width": width}


def train(model, steps: int, batch_size: int, log) -> None:
    """Fine-tunes `model` in place (fp32, seed 1) on synthetic texts of 20–40 words with gliner's own loss (the
    model's forward with labels): `focal_loss_gamma` 0, the trainer's default (binary cross-entropy; γ 2 stalled
    the true entities near 0.8, its (1 − p)² factor starving them), and `focal_loss_alpha` 0.75, the positive
    weight gliner's published configs use (unweighted, the true entities settled at a median of 0.90, half of them
    below 0.9); summed over candidates (`loss_reduction` "sum"), every negative kept. The backbone stays frozen;
    GLiNER's layers learn by AdamW at 5e-4 (10 warm-up steps, then linear decay to 0, as gliner's trainer
    schedules; gradients clipped to norm 1). Prints the score distribution on held-out texts before and every 30
    steps."""
    owners = label_words()
    rng = random.Random(1)
    torch.manual_seed(1)
    held_out = [synthetic_example(model, random.Random(1000 + i), owners, 20, 40) for i in range(8)]
    log({"phase": "before training", **score_shares(model, held_out)})
    for name, parameter in model.named_parameters():
        if "bert_layer" in name:
            parameter.requires_grad_(False)
    heads = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(heads, lr=5e-4, weight_decay=0.01)
    warmup = 10
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(steps - warmup, 1))))
    collator = model._create_data_collator()
    started = time.perf_counter()
    for step in range(steps):
        model.train()
        examples = [synthetic_example(model, rng, owners, 20, 40) for _ in range(batch_size)]
        batch = collator(examples, entity_types=[LABELS] * len(examples))
        output = model(**{k: v for k, v in batch.items() if isinstance(v, torch.Tensor)}, alpha=0.75, gamma=0.0)
        loss = output.loss / batch_size
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(heads, 1.0)
        optimizer.step()
        schedule.step()
        if step % 10 == 0 or step == steps - 1:
            log({"step": step, "loss": round(loss.item(), 4), "seconds": round(time.perf_counter() - started, 1)})
        if step % 30 == 29 and step != steps - 1:
            model.eval()
            log({"step": step, **score_shares(model, held_out)})
    model.eval()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--min-words", type=int, default=50)
    parser.add_argument("--max-words", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--untrained", action="store_true", help="bench the random model as built (no fine-tuning)")
    parser.add_argument("--train-steps", type=int, default=600)
    parser.add_argument("--train-batch", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    model = build(work)

    def log(entry: dict) -> None:
        print(json.dumps({"training": entry}), file=sys.stderr, flush=True)

    training = None
    if not args.untrained:
        # The fine-tuned weights are cached beside the model: a re-run in the same folder reuses them.
        cached = work / f"trained-{args.train_steps}x{args.train_batch}.pt"
        if cached.exists():
            model.load_state_dict(torch.load(cached))
            model.eval()
        else:
            train(model, args.train_steps, args.train_batch, log)
            torch.save(model.state_dict(), cached)
        owners = label_words()
        held_out = [synthetic_example(model, random.Random(1000 + i), owners, 20, 40) for i in range(8)]
        training = {"steps": args.train_steps, "batch": args.train_batch, **score_shares(model, held_out)}
        log({"phase": "trained model", **training})
        if training["below_0.1"] < 0.9 or training["gold_above_0.9"] < 0.9:
            # A model whose scores did not separate would give degenerate figures (no entities, or a random
            # model's near-threshold crowd): refuse rather than bench it.
            sys.exit(f"ner_gliner.py: fine-tuning did not separate the scores ({training['below_0.1']:.1%} of "
                     f"candidates < 0.1, {training['gold_above_0.9']:.1%} of true entities > 0.9; wanted ≥ 90 % "
                     f"each): train longer (--train-steps) or bench the random model (--untrained)")
        model.save_pretrained(str(work / "raw"))
    subprocess.run([sys.executable, str(ROOT / "tools" / "convert_gliner.py"), str(work / "raw"), str(work / "model")],
                   check=True, stdout=subprocess.DEVNULL)
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(args.min_words, args.max_words)))
             for _ in range(args.texts)]
    (work / "texts.json").write_text(json.dumps({"texts": texts, "labels": LABELS, "trained": training}))
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
    print(json.dumps({"texts": len(texts), "words": words, "texts_per_second": statistics.median(rates) if rates else 0,
                      "best": max(rates) if rates else 0, "trained": training}), flush=True)


if __name__ == "__main__":
    main()
