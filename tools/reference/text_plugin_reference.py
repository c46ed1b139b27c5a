"""Reference embeddings for the text plugin end to end (Tests/TextBPETests/TextPluginTests.swift).

Writes Tests/Fixtures/text/plugin/:
  long.txt        a document of several hundred words (prose, code, numbers, URLs, CJK, emoji), longer than
                  all-MiniLM-L6-v2's 256-token limit, so it needs several windows.
  invalid.txt     UTF-8 text with ill-formed bytes at known offsets.
  expected.json   what the plugin + FuseRuntime must give:
    samples:   for each samples/text/*.txt, sentence-transformers' `encode(normalize_embeddings=True)` of the
               file's text (each fits one window, so this is plain sentence-transformers);
    long:      for window overlaps 0 and 32, the window ids HF tokenizers gives with
               `enable_truncation(max_length=256, stride=overlap)` (the encoding plus its `overflowing`), and the
               document embedding: each window through the sentence-transformers model, L2-normalised, averaged,
               renormalised. sentence-transformers itself would truncate the document to its first window; Fuse
               embeds every window instead, and this is that definition computed with the reference libraries;
    invalid:   the byte offset of the first ill-formed sequence (what Python's UnicodeDecodeError reports as
               `start`) and sentence-transformers' embedding of `bytes.decode("utf-8", errors="replace")`.

Usage: /work/venv/bin/python tools/reference/text_plugin_reference.py [--model models/all-MiniLM-L6-v2]
"""
import argparse
import glob
import json
import os

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "Tests", "Fixtures", "text", "plugin")

PARAGRAPHS = [
    "Tokenizers split text into pieces a model knows. A long report, a book chapter or a log file is far longer "
    "than the few hundred tokens a sentence encoder reads at once, so Fuse cuts it into windows and embeds each.",
    "def windows(ids, size, overlap):\n    step = size - overlap\n    return [ids[i:i + size] for i in "
    "range(0, len(ids), step)]\n",
    "Measurements from 2026-11-23: 3.0 MB/s, 14 MB/s and 15.2 MB/s; 1,000,000 tokens in 0.42 s (±3%).",
    "See https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2 and https://example.org/a?b=c#d.",
    "中文分词测试：我爱自然语言处理。日本語のテキストも。 Emoji 😀 🎉 👨‍👩‍👧‍👦 and café, naïve, Ångström.",
    "The committee met on Tuesday to review the budget. Several members asked why the maintenance costs of the "
    "northern bridge had doubled, and the engineer explained that corrosion had been found in three supports.",
    "Rain fell all afternoon over the harbour; the fishing boats stayed tied up, and the market closed early "
    "because nobody came to buy the morning's catch.",
]


def long_document():
    parts = []
    for round_index in range(4):
        for index, paragraph in enumerate(PARAGRAPHS):
            parts.append(f"{round_index + 1}.{index + 1} {paragraph}")
    return "\n\n".join(parts) + "\n"


def invalid_bytes():
    good = "Caf\u00e9 au lait, s'il vous pla\u00eet. ".encode("utf-8")
    # A lone continuation byte, an overlong '/', a truncated 3-byte sequence and a surrogate.
    return good + b"\x80 then " + b"\xc0\xaf and " + b"\xe2\x82 and " + b"\xed\xa0\x80 end.\n"


def window_embeddings(model, windows):
    vectors = []
    for window in windows:
        features = {
            "input_ids": torch.tensor([window.ids]),
            "attention_mask": torch.tensor([window.attention_mask]),
            "token_type_ids": torch.tensor([window.type_ids]),
        }
        with torch.no_grad():
            vector = model(features)["sentence_embedding"][0].double().numpy()
        vectors.append(vector / max(np.linalg.norm(vector), 1e-12))
    mean = np.mean(vectors, axis=0)
    return mean / max(np.linalg.norm(mean), 1e-12)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=os.path.join(REPO, "models", "all-MiniLM-L6-v2"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    assert model.max_seq_length == 256

    samples = []
    for path in sorted(glob.glob(os.path.join(REPO, "samples", "text", "*.txt"))):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        vector = model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        samples.append({"file": os.path.basename(path), "embedding": vector.astype(float).tolist()})

    document = long_document()
    with open(os.path.join(OUT, "long.txt"), "w", encoding="utf-8") as handle:
        handle.write(document)
    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    tokenizer.no_padding()
    long_cases = []
    for overlap in (0, 32):
        tokenizer.enable_truncation(max_length=256, stride=overlap)
        encoding = tokenizer.encode(document)
        windows = [encoding] + list(encoding.overflowing)
        assert len(windows) >= 3, len(windows)
        long_cases.append({
            "overlap": overlap,
            "window_ids": [w.ids for w in windows],
            "embedding": window_embeddings(model, windows).tolist(),
        })

    raw = invalid_bytes()
    with open(os.path.join(OUT, "invalid.txt"), "wb") as handle:
        handle.write(raw)
    try:
        raw.decode("utf-8")
        raise AssertionError("invalid.txt must not be UTF-8")
    except UnicodeDecodeError as error:
        offset = error.start
    replaced = raw.decode("utf-8", errors="replace")
    invalid = {
        "offset": offset,
        "replaced_text": replaced,
        "embedding": model.encode([replaced], normalize_embeddings=True)[0].astype(float).tolist(),
    }

    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as handle:
        json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "max_seq_length": 256, "samples": samples,
                   "long": long_cases, "invalid": invalid}, handle, ensure_ascii=False)
    print(f"{len(samples)} samples, windows {[len(c['window_ids']) for c in long_cases]}, invalid offset {offset}")


if __name__ == "__main__":
    main()
