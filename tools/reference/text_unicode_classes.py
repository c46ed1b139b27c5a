"""Unicode-class fixtures for BERT's normalizer and pre-tokenizer, from Hugging Face `tokenizers` (issue 17).

HF's BertNormalizer / BertPreTokenizer classify characters with the `unicode_categories` crate (Unicode 8.0
tables; `is_other` = Cc, Cf, Co, not Cn) and its StripAccents with `unicode-normalization-alignments`'
`is_combining_mark` (Unicode 9.0). Every code point is run through HF here, so the fixtures hold what HF does,
whatever the tables' versions; Tests/TextBPETests/UnicodeClassTests.swift checks Fuse against them.

Writes Tests/Fixtures/text/:
  unicode_classes.json    for all 1,112,064 scalar values (surrogates cannot occur in UTF-8 text and are skipped),
                          as sorted [first, last] ranges, what HF does to a lone code point:
      clean_removed   BertNormalizer(clean_text only) deletes it
      clean_space     BertNormalizer(clean_text only) turns it into " "
      cjk             BertNormalizer(handle_chinese_chars only) pads it with spaces
      nfd_changed     HF's NFD changes it (skipped by the strip tests: what is left of it depends on the marks
                      of its decomposition, covered by the sentence cases)
      bert_accent     BertNormalizer(strip_accents only) deletes it (among code points NFD leaves alone)
      strip_accents   the StripAccents normalizer deletes it
      bert_space      BertPreTokenizer removes it as a separator between two letters
      bert_punct      BertPreTokenizer isolates it between two letters (the Punctuation pre-tokenizer isolates
                      the same set: asserted here)
      regex_letter    \p{L} of the GPT-2 regex (ByteLevel pre-tokenizer, Oniguruma): "a?a" stays one piece
      regex_number    \p{N} of the same regex: "1?1" stays one piece
      regex_word      \w of the Whitespace pre-tokenizer (Rust's regex crate): "a?a" stays one piece
      digits          Digits(individual_digits) isolates it (Rust's char::is_numeric, whose Unicode is newer
                      than the regex engines')
  unicode_categories.json cases covering every general category (several code points each, among them U+0378,
                          U+03A2, U+2FE0, noncharacters, private use in planes 0/15/16, ZWJ/ZWNJ/BOM/soft hyphen,
                          emoji sequences, CJK extensions, and characters new in Unicode 9.0 … 16.0), each in a
                          short sentence, plus a seeded multilingual / emoji-heavy corpus slice; ids through
                          all-MiniLM-L6-v2's WordPiece tokenizer with three normalizers:
      uncased         the file's own BertNormalizer (lowercase, strip accents)
      cased           BertNormalizer(clean_text, handle_chinese_chars, strip_accents=False, lowercase=False)
      strip_sequence  Sequence[NFD, StripAccents, Lowercase] (the standalone StripAccents table)
                          and HF's NFD, NFC, NFKD, NFKC of a few texts where Unicode 9.0 normalization tables
                          (HF's unicode-normalization-alignments) and newer ones disagree; and "added": an
                          lstrip/rstrip special token and a single_word token added to all-MiniLM-L6-v2, with
                          texts around Unicode spaces and \w / non-\w characters.

Usage: /work/venv/bin/python tools/reference/text_unicode_classes.py [--corpus-out BIG.txt --corpus-lines N]
  (--corpus-out writes a larger slice of the same generated corpus, not committed, for `fuse bench tokenize
   --peer-python`, which compares Fuse's ids with HF's over the whole file.)
"""
import argparse
import json
import os
import random
import unicodedata

import tokenizers
from tokenizers import AddedToken, Tokenizer, normalizers, pre_tokenizers

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "text")
MINILM = os.path.join(ROOT, "minilm", "tokenizer.json")

# Cs (U+D800–DFFF) cannot appear in UTF-8 text, so no case or probe has one.
SCALARS = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def ranges(cps):
    out = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def probe():
    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                       lowercase=False)
    chinese = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False,
                                         lowercase=False)
    accent = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                        lowercase=False)
    strip, nfd = normalizers.StripAccents(), normalizers.NFD()
    bert, punctuation = pre_tokenizers.BertPreTokenizer(), pre_tokenizers.Punctuation()
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    whitespace = pre_tokenizers.Whitespace()
    digits = pre_tokenizers.Digits(individual_digits=True)
    sets = {k: [] for k in ("clean_removed", "clean_space", "cjk", "nfd_changed", "bert_accent", "strip_accents",
                            "bert_space", "bert_punct", "regex_letter", "regex_number", "regex_word", "digits")}
    for cp in SCALARS:
        c = chr(cp)
        cleaned = clean.normalize_str(c)
        assert cleaned in ("", " ", c), (hex(cp), cleaned)
        if cleaned == "":
            sets["clean_removed"].append(cp)
        elif cleaned == " " and c != " ":
            sets["clean_space"].append(cp)
        if chinese.normalize_str(c) == f" {c} ":
            sets["cjk"].append(cp)
        if nfd.normalize_str(c) != c:
            sets["nfd_changed"].append(cp)
        elif accent.normalize_str(c) == "":
            sets["bert_accent"].append(cp)
        if strip.normalize_str(c) == "":
            sets["strip_accents"].append(cp)
        pieces = [s for s, _ in bert.pre_tokenize_str(f"a{c}a")]
        if pieces == ["a", "a"]:
            sets["bert_space"].append(cp)
        elif pieces == ["a", c, "a"]:
            sets["bert_punct"].append(cp)
        else:
            assert pieces == [f"a{c}a"], (hex(cp), pieces)
        isolated = [s for s, _ in punctuation.pre_tokenize_str(f"a{c}a")] == ["a", c, "a"]
        assert isolated == (pieces == ["a", c, "a"]), hex(cp)
        if len(byte_level.pre_tokenize_str(f"a{c}a")) == 1:
            sets["regex_letter"].append(cp)
        elif len(byte_level.pre_tokenize_str(f"1{c}1")) == 1:
            sets["regex_number"].append(cp)
        if len(whitespace.pre_tokenize_str(f"a{c}a")) == 1:
            sets["regex_word"].append(cp)
        if len(digits.pre_tokenize_str(f"a{c}a")) == 3:
            sets["digits"].append(cp)
    return {k: ranges(v) for k, v in sets.items()}


# Code points by general category (Unicode 14.0 names from Python's unicodedata where it knows them), picked to
# include the ones the issue names and the ones whose class differs between HF's old tables and today's Unicode.
CATEGORY_SAMPLES = {
    "Cn unassigned": [0x0378, 0x03A2, 0x2FE0, 0x0530, 0x1C8F, 0xFFF0, 0x1D456, 0x2FFFD, 0x50000, 0xE0080],
    "Cn noncharacter": [0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF],
    "Co private use": [0xE000, 0xF8FF, 0xE123, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD],
    "Cc control": [0x00, 0x01, 0x07, 0x0B, 0x0C, 0x1B, 0x1F, 0x7F, 0x85, 0x9F],
    "Cf format": [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x2060, 0xFEFF, 0x0600, 0x061C, 0x180E, 0xFFF9,
                  0x1BCA0, 0x1D173, 0xE0001, 0xE0041],
    "Cf after Unicode 8.0": [0x08E2, 0x110CD, 0x13430, 0x13438, 0x0890, 0x13439, 0x1343F],
    "Zs space": [0x20, 0xA0, 0x1680, 0x2000, 0x2007, 0x200A, 0x202F, 0x205F, 0x3000],
    "Zl Zp separators": [0x2028, 0x2029],
    "whitespace controls": [0x09, 0x0A, 0x0D],
    "Mn nonspacing": [0x0300, 0x0301, 0x0308, 0x0327, 0x0591, 0x064B, 0x093C, 0x0E49, 0x20D0, 0xFE0F, 0xFE00,
                      0x1D167, 0xE0100],
    "Mn after Unicode 8.0": [0x1DF6, 0x0898, 0x08D3, 0x1AC0, 0x0897, 0x10EFD, 0x1E08F, 0x1E4EC],
    "Mc spacing": [0x0903, 0x093E, 0x0BBE, 0x102B, 0x1734, 0x1171E, 0xA9BD, 0x1D165, 0x1CF2],
    "Me enclosing": [0x0488, 0x20DD, 0x20E3, 0xA670],
    "Lu Ll Lt Lm Lo": [0x41, 0x7A, 0xC5, 0x0130, 0x01C5, 0x02B0, 0x03A3, 0x03C2, 0x0416, 0x05D0, 0x0627, 0x0E01,
                       0x1885, 0x1E9E, 0x3042, 0x30A2, 0xAC00, 0x1D400, 0x10400],
    "Nd Nl No": [0x30, 0x0663, 0x0967, 0x2160, 0x00BD, 0x00B2, 0x2460, 0x1D7D8, 0x1F100],
    "P ASCII": [ord(c) for c in "!\"#%&'()*,-./:;?@[\\]_{}"],
    "P non-ASCII": [0x00A1, 0x00AB, 0x00BB, 0x2010, 0x2014, 0x2018, 0x201C, 0x2026, 0x3001, 0x3002, 0xFF01,
                    0xFF08, 0x0964, 0x060C, 0x166D, 0x111C9, 0x2E3A],
    "P after Unicode 8.0": [0x2E43, 0x2E4F, 0x2E52, 0x2E5D, 0x1E95E, 0x11944, 0x16FE2, 0x10EAD],
    "S ASCII": [ord(c) for c in "$+<=>^`|~"],
    "S symbols": [0x00A2, 0x00A9, 0x00B0, 0x00D7, 0x02C2, 0x20AC, 0x2200, 0x221E, 0x2603, 0x2764, 0x1F600,
                  0x1F3FB, 0x1F1EB, 0x1D11E, 0x1F9D1],
    "CJK": [0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0xF900, 0xFAFF, 0x20000, 0x2A6DF, 0x2A700, 0x2B740, 0x2B81F, 0x2B820,
            0x2B920, 0x2CEAF, 0x2CEB0, 0x2F800, 0x2FA1F, 0x30000, 0x31350, 0x2EBF0, 0x3005, 0x3007, 0x2F00],
    "new in 15.0 15.1 16.0": [0x1FAE8, 0x1F7D9, 0x11F00, 0x1E4D0, 0x2FFC, 0x31EF, 0x1FAE9, 0x1CC00, 0x10D40,
                              0x1E5D0, 0x16100, 0x105C0, 0x11B00],
}

SENTENCE_SHAPES = ["ab{c}cd", "x {c}{c} y", "Caf\u00e9{c}\u4e2d!"]

SEQUENCES = [
    "family \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 ok",
    "heart \u2764\uFE0F and text \u2764\uFE0E, keycap 1\uFE0F\u20E3",
    "flag \U0001F1EB\U0001F1F7 rainbow \U0001F3F3\uFE0F\u200D\U0001F308 skin \U0001F44D\U0001F3FD",
    "tag flag \U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F end",
    "ZWNJ \u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645 soft\u00ADhyphen BOM\uFEFFhere",
    "d\u0323\u0307 e\u0301\u0301 a\u1DF6b o\u0898p Zalgo Z\u0351\u036b\u0343a\u0310l\u0357g\u030fo",
    "Dives Akuru \U00011935\U00011930 \U00011938 Hangul \uAC00\uB098\uB2E4 \u1100\u1161\u11A8",
    "Greek \u0391\u0301\u0398\u0308 \u03A3\u039F\u03A6\u039F\u03A3 \u1F00\u0345 Turkish \u0130stanbul",
    "private \uE000\uF8FF\U000F0000 unassigned \u0378\u03A2\u2FE0 noncharacters \uFDD0\uFFFE",
    "new \U0001FAE8 \U0001FAE9 \U00031350 \U0002EBF0 \u2E52 \U0001E95E \u08E2 \U000110CD",
]


# Text where Unicode 9.0 normalization tables (HF's) and newer ones (Foundation's) disagree: U+11938 (13.0)
# decomposes to U+11935 U+11930 only in the newer; U+1DFA, U+0898 (14.0) have combining classes only there;
# U+1F16C (12.0) has a compatibility decomposition only there.
NORMALIZATION_TEXTS = [
    "\U00011938", "\U00011935\U00011930", "a\u0301\u1DFA", "a\u0898\u0316 e\u0301\u0898\u0301",
    "\U0001F16C \U0001F16A", "e\u0301\U00011938\u0301o\u0308", "\u1E9B\u0323 \uAC00 \u212B \uFB01",
]


# Added tokens: lstrip/rstrip strip HF's Unicode \s, single_word needs no \w (Rust's regex crate) on either side.
ADDED_TEXTS = [
    "a\u00A0[MASK2]\u3000b", "a\u2003 [MASK2] \u0085b", "x\t[MASK2]\u2028y", "a [MASK2]b", "\u3000[MASK2]",
    "x zz y", "x\u00B2zz y", "\u00E9zz", "e\u0301zz", "zz\u200D", "a\u203Fzz", "zz\u2160", "zz\u00BD",
    "zz\U0001F600", "\u4e2dzz", "zz\U00011DE0", "\U0001FAE8zz", "zz_", "(zz)", "zz\u0903",
]


def added_tokens():
    tok = Tokenizer.from_file(MINILM)
    tok.no_truncation()
    tok.no_padding()
    tok.add_special_tokens([AddedToken("[MASK2]", lstrip=True, rstrip=True, normalized=False)])
    tok.add_tokens([AddedToken("zz", single_word=True, normalized=False)])
    # Byte-level BPE keeps spaces, so there the stripped ones show in the ids.
    byte_level = Tokenizer.from_file(os.path.join(ROOT, "bytelevel_bpe", "tokenizer.json"))
    byte_level.add_special_tokens([AddedToken("[MASK2]", lstrip=True, rstrip=True, normalized=False)])
    return {"added_tokens": json.loads(tok.to_str())["added_tokens"],
            "cases": [{"text": t, "ids": tok.encode(t).ids} for t in ADDED_TEXTS],
            "bytelevel_added_tokens": json.loads(byte_level.to_str())["added_tokens"],
            "bytelevel_cases": [{"text": t, "ids": byte_level.encode(t).ids} for t in ADDED_TEXTS[:5]]}


def case_texts():
    out = []
    for category, cps in CATEGORY_SAMPLES.items():
        for cp in cps:
            for shape in SENTENCE_SHAPES:
                out.append((category, cp, shape.format(c=chr(cp))))
    out += [("sequence", None, s) for s in SEQUENCES]
    return out


def corpus_lines(n, seed=17):
    """A multilingual, emoji-heavy text with unassigned, private-use, format and recent code points sprinkled in."""
    rng = random.Random(seed)
    words = ("the quick brown fox jumps over lazy dogs caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m "
             "\u043f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440 \u03b3\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 "
             "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 "
             "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 \u3053\u3093\u306b\u3061\u306f \uc548\ub155\ud558\uc138\uc694 "
             "\u4f60\u597d \u4e16\u754c \u6f22\u5b57 Stra\u00dfe \u0130stanbul").split()
    emoji = ["\U0001F600", "\U0001F389", "\U0001F44D\U0001F3FD", "\u2764\uFE0F", "\U0001F1EB\U0001F1F7",
             "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\U0001F3F3\uFE0F\u200D\U0001F308", "\U0001FAE8",
             "\U0001F9D1\u200D\U0001F4BB", "\u2603", "\U0001F602\U0001F602"]
    pools = [cp for cps in CATEGORY_SAMPLES.values() for cp in cps if cp not in (0x0A, 0x0D)]
    lines = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(3, 14)):
            r = rng.random()
            if r < 0.55:
                w = rng.choice(words)
            elif r < 0.8:
                w = rng.choice(emoji)
            else:
                w = rng.choice(words)
                k = rng.randrange(len(w) + 1)
                w = w[:k] + chr(rng.choice(pools)) + w[k:]
            parts.append(w)
        lines.append(rng.choice([" ", "  ", " ", ", "]).join(parts) + rng.choice(["", ".", "!", " \U0001F60A"]))
    return lines


def configured(normalizer):
    tok = Tokenizer.from_file(MINILM)
    tok.no_truncation()
    tok.no_padding()
    tok.normalizer = normalizer
    return tok


CONFIGS = {
    "uncased": None,
    "cased": normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                        lowercase=False),
    "strip_sequence": normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()]),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus-out")
    parser.add_argument("--corpus-lines", type=int, default=20000)
    args = parser.parse_args()
    toks = {name: configured(n) if n is not None else configured(Tokenizer.from_file(MINILM).normalizer)
            for name, n in CONFIGS.items()}
    if args.corpus_out:
        with open(args.corpus_out, "w", encoding="utf-8") as f:
            f.write("\n".join(corpus_lines(args.corpus_lines)))
        return
    meta = {"tokenizers": tokenizers.__version__, "python_unicodedata": unicodedata.unidata_version}
    with open(os.path.join(ROOT, "unicode_classes.json"), "w", encoding="utf-8") as f:
        json.dump({"source": meta, **probe()}, f, separators=(",", ":"))
    cases = []
    for category, cp, text in case_texts():
        case = {"category": category, "text": text}
        if cp is not None:
            case["code_point"] = f"U+{cp:04X}"
        for name, tok in toks.items():
            case[name] = tok.encode(text).ids
        cases.append(case)
    corpus = [{"text": t, **{name: tok.encode(t).ids for name, tok in toks.items()}} for t in corpus_lines(80)]
    forms = {"nfd": normalizers.NFD(), "nfc": normalizers.NFC(), "nfkd": normalizers.NFKD(),
             "nfkc": normalizers.NFKC()}
    normalization = [{"text": t, **{k: n.normalize_str(t) for k, n in forms.items()}} for t in NORMALIZATION_TEXTS]
    normalizer_json = {name: json.loads(tok.to_str())["normalizer"] for name, tok in toks.items()}
    with open(os.path.join(ROOT, "unicode_categories.json"), "w", encoding="utf-8") as f:
        json.dump({"source": meta, "normalizers": normalizer_json, "cases": cases, "corpus": corpus,
                   "normalization": normalization, "added": added_tokens()}, f,
                  ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
