"""Added-token ids as HF `tokenizers` assigns them when it loads a tokenizer.json whose `added_tokens` contradict
themselves or the model vocabulary (the same content at two ids, a content the vocabulary holds at another id, ids
with gaps). HF does not use the ids written in the file; Fuse must give the same ids (and must not trap: finding 15
in docs/RELIABILITY.md, a FuzzTokenizerFiles crash on duplicated added tokens).

Writes Tests/Fixtures/text/added_token_ids.json: per case the tokenizer.json text, a text, HF's ids for it (no special
tokens added), token_to_id of every added content and id_to_token for ids 0...12.

Run: /work/venv/bin/python tools/reference/text_added_token_ids.py
"""
import json
import pathlib

from tokenizers import Tokenizer

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "text" / "added_token_ids.json"
VOCAB = {"[UNK]": 0, "a": 1, "b": 2, "[SEP]": 5, "##c": 3}
TEXT = "a [X] b[Y] [SEP] [Z]a c [SEP]"

CASES = {
    "well-formed: written ids follow the vocabulary": ([(0, "[UNK]"), (5, "[SEP]"), (6, "[X]"), (7, "[Y]")], VOCAB | {"x": 4}),
    "the same new content at two ids (the fuzzer's crash)": ([(7, "[X]"), (3, "[X]")], VOCAB),
    "the same vocabulary content at two ids": ([(7, "[SEP]"), (3, "[SEP]")], VOCAB),
    "a vocabulary content written with another id": ([(9, "a"), (0, "[SEP]")], VOCAB),
    "new content written far past the vocabulary": ([(11, "[Y]"), (12, "[Z]")], VOCAB),
    "new content on a sparse vocabulary takes an id the vocabulary uses": ([(3, "[Y]"), (3, "[Z]")], VOCAB),
    "empty content is skipped": ([(4, ""), (8, "[X]")], VOCAB),
}


def tokenizer_json(added, vocab):
    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": c.startswith("[")} for i, c in added],
        "normalizer": None, "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": None,
        "decoder": None,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    })


def main() -> None:
    cases = []
    for name, (added, vocab) in CASES.items():
        text = tokenizer_json(added, vocab)
        tok = Tokenizer.from_str(text)
        contents = sorted({c for _, c in added if c})
        cases.append({
            "name": name, "tokenizer": text, "text": TEXT,
            "ids": tok.encode(TEXT, add_special_tokens=False).ids,
            "token_to_id": {c: tok.token_to_id(c) for c in contents},
            "id_to_token": [tok.id_to_token(i) for i in range(13)],
        })
    OUT.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    for case in cases:
        print(case["name"], case["token_to_id"], case["ids"])


if __name__ == "__main__":
    main()
