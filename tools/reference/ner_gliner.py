"""Tiny random GLiNER models over a tiny random DeBERTa-v3 backbone, and what the `gliner` package computes with them
(issue 22).

A SentencePiece Unigram tokenizer (identity normalisation, so no large compiled char map) is trained here on a small
corpus and converted by transformers' DebertaV2Converter ([PAD] [CLS] [SEP] [UNK] at 0…3, Metaspace "always",
[CLS] … [SEP]); GLiNER's [FLERT] <<ENT>> <<SEP>> are added after [MASK] as the published checkpoints have them.
For each model below, `UniEncoderSpanGLiNER` is built from a config (no download), every parameter replaced with seeded
noise, saved with `save_pretrained` (pytorch_model.bin) and converted by tools/convert_gliner.py into
Tests/Fixtures/ner/<name>/ — so the converter is exercised too.
  gliner-tiny    backbone hidden 32 → GLiNER hidden 24 (the `projection`), max_width 5, max_len 40, seed 3
  gliner-square  backbone hidden 32 = GLiNER hidden 32 (no projection), max_width 3, max_len 24, seed 8
Tests/Fixtures/ner/reference/<name>.json holds, per case (texts of odd word counts incl. 1 word, punctuation,
hyphenated and non-Latin words, label sets of 1–5 labels with a duplicate, and labels of several words):
  words [[text, start, end]] (gliner's WhitespaceTokenSplitter, code-point offsets), input_ids, words_mask,
  logits [W][K][C] from `model.model(...)` (rows of spans that run past the text are left out: gliner masks them),
  entities[setting] from `predict_entities` for each (threshold, flat_ner, multi_label) setting — thresholds near 0.5
  and the 90th / 98th score percentiles, each in a gap between scores so none lies within 2e-4 of it.
and one long case: a 2,000-word text, the windows (max_len words, overlap `max_width`) as word ranges, and the merge
of gliner's `predict_entities` on each window's substring (offsets moved into the whole text; exact duplicates keep
the highest score, then gliner's greedy rule over the union), at threshold 0.97.
Run: /work/venv-gliner/bin/python tools/reference/ner_gliner.py   (a venv with gliner 0.2.29, torch, transformers)
"""
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import types

os.environ["HF_HUB_OFFLINE"] = "1"

import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402
from tokenizers import AddedToken  # noqa: E402
from transformers import AutoTokenizer, DebertaV2Config, PreTrainedTokenizerFast  # noqa: E402
from transformers.convert_slow_tokenizer import DebertaV2Converter  # noqa: E402

from gliner import GLiNERConfig  # noqa: E402
from gliner.decoding.utils import has_overlapping, has_overlapping_nested  # noqa: E402
from gliner.model import UniEncoderSpanGLiNER  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "ner"

WORDS = ("Alice Bob Carol Dave Eve works worked at for Acme Corp Inc. Ltd in Paris Berlin Tokyo New York on Monday "
         "Tuesday the a an company founded by John Smith Maria Garcia 2019 2024 1999 London Google Microsoft "
         "University of Oxford said that it will open new office next year CEO president Dr. Mr. Ms. and or with "
         "from to into river mountain state-of-the-art e-mail self_driving car cars bought sold shares stock price "
         "$ 5 % , . ; : ( ) ! ? ' \" - Zürich café naïve São Paulo Москва 東京 data model language network deep "
         "learning born died city country team Apple Amazon Tesla Elon Musk Barack Obama Angela Merkel Europe Africa "
         "Asia July August 3rd 21st March").split()

TEXTS = [
    "Alice works at Acme Corp in Paris.",
    "Zürich",
    "Dr. Maria Garcia (CEO of Google) said on Monday that the state-of-the-art self_driving car will open in "
    "New York next year, and Tesla's stock price rose 5 % !",
    "Москва and 東京 are cities; São Paulo is in Brazil.",
    "Barack Obama met Angela Merkel in Berlin on 21st March 1999 to discuss Europe, Africa and Asia with the "
    "University of Oxford team from London",
    "e-mail: bob@acme.com — 2024!!",
]
LABEL_SETS = [
    ["person", "organization", "location"],
    ["date"],
    ["person", "company", "city", "date", "person", "product"],
    ["date of birth", "person", "city name"],
]
MODELS = [
    dict(name="gliner-tiny", hidden=24, max_width=5, max_len=40, seed=3, head_scale=0.5),
    dict(name="gliner-square", hidden=32, max_width=3, max_len=36, seed=8, head_scale=0.33),
]


def train_tokenizer(work: pathlib.Path) -> pathlib.Path:
    rng = random.Random(1)
    corpus = work / "corpus.txt"
    with corpus.open("w") as handle:
        for _ in range(3000):
            handle.write(" ".join(rng.choice(WORDS) for _ in range(12)) + "\n")
    prefix = str(work / "spm")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=prefix, model_type="unigram", vocab_size=400, hard_vocab_limit=False,
        normalization_rule_name="identity", minloglevel=2, pad_id=0, bos_id=1, eos_id=2, unk_id=3,
        pad_piece="[PAD]", bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]", num_threads=1)
    processor = spm.SentencePieceProcessor(model_file=prefix + ".model")
    original = types.SimpleNamespace(vocab_file=prefix + ".model", split_by_punct=False, do_lower_case=False,
                                     add_prefix_space=True, legacy=True)
    original.convert_tokens_to_ids = lambda token: processor.piece_to_id(token)
    converted = DebertaV2Converter(original).converted()
    converted.add_special_tokens([AddedToken("[MASK]", normalized=False, special=True)])
    backbone = work / "backbone"
    backbone.mkdir()
    fast = PreTrainedTokenizerFast(tokenizer_object=converted, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    fast.add_tokens(["[FLERT]", "<<ENT>>", "<<SEP>>"])
    fast.save_pretrained(str(backbone))
    return backbone


def build(spec: dict, backbone: pathlib.Path, work: pathlib.Path) -> UniEncoderSpanGLiNER:
    tokenizer = AutoTokenizer.from_pretrained(str(backbone))
    encoder = DebertaV2Config(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
        relative_attention=True, position_buckets=8, max_relative_positions=20, pos_att_type=["p2c", "c2p"],
        share_att_key=True, norm_rel_ebd="layer_norm", position_biased_input=False, type_vocab_size=0,
        max_position_embeddings=512)
    config = GLiNERConfig(model_name=str(backbone), encoder_config=encoder.to_dict(), max_width=spec["max_width"],
                          hidden_size=spec["hidden"], dropout=0.0, span_mode="markerV0", max_len=spec["max_len"],
                          words_splitter_type="whitespace", vocab_size=len(tokenizer))
    torch.manual_seed(spec["seed"])
    model = UniEncoderSpanGLiNER(config, tokenizer=tokenizer)
    model.resize_embeddings()
    generator = torch.Generator().manual_seed(spec["seed"])
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm" in name and name.endswith("weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            elif name.endswith("bias") or "bias_" in name:
                parameter.copy_(0.05 * noise)
            elif "lstm" in name:
                parameter.copy_(0.3 * noise)
            elif name.endswith("out_project.3.weight") or name.endswith("prompt_rep_layer.3.weight"):
                # Smaller last layers keep the span · label logits within a few units of 0, where sigmoid scores
                # spread over (0, 1) instead of piling up at 0 and 1.
                parameter.copy_(0.25 * spec["head_scale"] * noise)
            else:
                parameter.copy_(0.25 * noise)
            # Stored as float16 (half the fixture size): the reference runs on exactly the rounded values.
            parameter.copy_(parameter.half().float())
    model.eval()
    raw = work / (spec["name"] + "-raw")
    model.save_pretrained(str(raw), safe_serialization=False)
    out = OUT / spec["name"]
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([sys.executable, str(ROOT / "tools" / "convert_gliner.py"), str(raw), str(out), "--dtype", "float16"],
                   check=True)
    # The converted folder is what the tests load; drop what they do not read, and name the backbone by where it
    # comes from instead of this run's temporary folder (so regenerating changes nothing).
    for name in ("tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"):
        (out / name).unlink(missing_ok=True)
    config = json.loads((out / "gliner_config.json").read_text())
    config["model_name"] = "tiny-deberta-v3 (tools/reference/ner_gliner.py)"
    config["encoder_config"].pop("_name_or_path", None)
    (out / "gliner_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return model


def words_of(model, text):
    return [[token, start, end] for token, start, end in model.data_processor.words_splitter(text)]


def logits_of(model, text, labels):
    prepared = model.prepare_batch([text], labels, None)
    batch = model.collate_batch(prepared["input_x"], prepared["entity_types"], model.create_collator())
    with torch.no_grad():
        output = model.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                             words_mask=batch["words_mask"], text_lengths=batch["text_lengths"],
                             span_idx=batch["span_idx"], span_mask=batch["span_mask"])
    count = len(prepared["input_x"][0]["tokenized_text"])
    width = model.config.max_width
    logits = output.logits[0, :count].tolist()
    rows = [[logits[s][k] for k in range(width) if s + k < count] for s in range(count)]
    return batch["input_ids"][0].tolist(), batch["words_mask"][0].tolist(), rows


def settings(scores):
    """Thresholds near 0.5 and the 90th and 98th score percentiles, each at the middle of a gap of more than 4e-4
    between consecutive scores (so no score lies within 2e-4 of a threshold, and rounding cannot move a span
    across it)."""
    ordered = sorted(scores)
    bounded = [0.0] + ordered + [1.0]
    gaps = [(a + b) / 2 for a, b in zip(bounded, bounded[1:]) if b - a > 4e-4]
    if not gaps:
        raise RuntimeError("no threshold clear of every score")
    def clear(target):
        return round(min(gaps, key=lambda middle: abs(middle - target)), 6)
    chosen = sorted({clear(0.5), clear(ordered[int(len(ordered) * 0.9)]), clear(ordered[int(len(ordered) * 0.98)])})
    return [dict(threshold=t, flat_ner=flat, multi_label=multi)
            for t in chosen for flat in (True, False) for multi in (False, True)]


def entity(e, shift=0):
    return dict(start=e["start"] + shift, end=e["end"] + shift, label=e["label"], score=e["score"])


def compact(entities):
    """[start, end, label, score] rows (the text is the slice of the input)."""
    return [[e["start"], e["end"], e["label"], e["score"]] for e in entities]


def merge(entities, flat, multi):
    """The windows' merge: exact duplicates keep the highest score, then gliner's greedy rule over the union."""
    best = {}
    for e in entities:
        key = (e["start"], e["end"], e["label"])
        if key not in best or e["score"] > best[key]["score"]:
            best[key] = e
    overlap = has_overlapping if flat else has_overlapping_nested
    chosen = []
    for e in sorted(best.values(), key=lambda e: -e["score"]):
        if not any(overlap((e["start"], e["end"] - 1, e["label"]), (c["start"], c["end"] - 1, c["label"]),
                           multi_label=multi) for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: (e["start"], e["end"], e["label"]))


def long_case(model, spec, threshold):
    rng = random.Random(spec["seed"] + 100)
    text = " ".join(rng.choice(WORDS) for _ in range(2000))
    words = words_of(model, text)
    size, overlap = spec["max_len"], spec["max_width"]
    windows, start = [], 0
    while True:
        end = min(start + size, len(words))
        windows.append([start, end])
        if end == len(words):
            break
        start = end - overlap
    labels = ["person", "organization", "location"]
    per_window = []
    for first, last in windows:
        begin, finish = words[first][1], words[last - 1][2]
        found = model.predict_entities(text[begin:finish], labels, threshold=threshold, flat_ner=True)
        per_window.append([entity(e, begin) for e in found])
    merged = merge([e for window in per_window for e in window], True, False)
    return dict(text=text, word_count=len(words), labels=labels, threshold=threshold, flat_ner=True,
                multi_label=False, overlap=overlap, windows=windows, merged=compact(merged))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reference").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = pathlib.Path(scratch)
        backbone = train_tokenizer(work)
        for spec in MODELS:
            model = build(spec, backbone, work)
            cases = []
            for index, text in enumerate(TEXTS):
                labels = LABEL_SETS[index % len(LABEL_SETS)]
                assert len(words_of(model, text)) <= spec["max_len"], "case texts must fit max_len (no truncation)"
                ids, mask, logits = logits_of(model, text, labels)
                scores = [1 / (1 + pow(2.718281828459045, -x)) for row in logits for span in row for x in span]
                runs = []
                for setting in settings(scores):
                    found = model.predict_entities(text, labels, **setting)
                    runs.append(dict(setting, entities=compact([entity(e) for e in found])))
                cases.append(dict(text=text, labels=labels, words=words_of(model, text), input_ids=ids,
                                  words_mask=mask, logits=logits, runs=runs))
            # A high threshold for the long text keeps the fixture small (tens of entities, not thousands).
            threshold = 0.97
            reference = dict(model=spec["name"], max_width=spec["max_width"], max_len=spec["max_len"], cases=cases,
                             long=long_case(model, spec, threshold))
            (OUT / "reference" / f"{spec['name']}.json").write_text(json.dumps(reference) + "\n")
            found = sum(len(run["entities"]) for case in cases for run in case["runs"])
            print(spec["name"], "cases", len(cases), "entities", found, "long merged", len(reference["long"]["merged"]))


if __name__ == "__main__":
    main()
