"""Token offsets as text-embeddings-inference's /tokenize reports them, for `fuse serve`'s /tokenize parity test.

TEI takes HF tokenizers' offsets (`Encoding.offsets`) and reports `start`/`stop` as UTF-8 byte positions in the
input, null for special tokens (the special-tokens mask). This script does the same with the `tokenizers` package on
the tokenizer fixtures under Tests/Fixtures/text and writes Tests/Fixtures/serve/token_offsets.json:
[{"tokenizer": PATH, "text": TEXT, "ids": [...], "offsets": [[start, stop] | null, ...]}].

Run: /work/venv-llm/bin/python tools/reference/serve_token_offsets.py
"""
import json
import pathlib

from tokenizers import Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "Fixtures"
TOKENIZERS = ["text/minilm/tokenizer.json", "text/bytelevel_bpe/tokenizer.json",
              "text/metaspace_bpe/tokenizer.json", "text/llama_bpe/tokenizer.json"]
TEXTS = [
    "Hello world",
    "Héllo, WORLD! naïve café — ﬁne",
    "  leading and trailing spaces  ",
    "tabs\tand\nnew lines\r\nhere",
    "東京 is in Japan; 北京 too.",
    "emoji 😀 and 👍🏽 signs",
    "don't stop-believing 3.14159 $100",
    "e\u0301 composed vs \u00e9 precomposed, İstanbul, straße",
    "unaffable antidisestablishmentarianism",
    "a",
]


def byte_offset(text, index):
    return len(text[:index].encode("utf-8"))


def main():
    cases = []
    for name in TOKENIZERS:
        tokenizer = Tokenizer.from_file(str(FIXTURES / name))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        for text in TEXTS:
            encoding = tokenizer.encode(text, add_special_tokens=True)
            offsets = [None if special else [byte_offset(text, start), byte_offset(text, stop)]
                       for (start, stop), special in zip(encoding.offsets, encoding.special_tokens_mask)]
            cases.append({"tokenizer": name, "text": text, "ids": encoding.ids, "offsets": offsets})
    out = FIXTURES / "serve" / "token_offsets.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(cases, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
