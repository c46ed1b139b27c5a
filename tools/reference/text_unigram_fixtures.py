"""Generate the SentencePiece Unigram tokenizer fixtures under Tests/Fixtures/text/unigram.

Two SentencePiece Unigram models are trained here (sentencepiece, normalization rule nmt_nfkc, so their
tokenizer.json carries SentencePiece's compiled char map as a `Precompiled` normalizer) on a multilingual corpus
made by this script, and converted by transformers' own converters (`convert_slow_tokenizer`):
  deberta_v3.tokenizer.json   DebertaV2Converter: Strip, Precompiled, Replace(" {2,}" → " "), Metaspace, [CLS] … [SEP]
                              ([PAD] [CLS] [SEP] [UNK] at 0…3 as in microsoft/deberta-v3-*, [MASK] added after).
  xlm_roberta.tokenizer.json  XLMRobertaConverter: Precompiled, Strip(right), Replace(" {2,}" → "▁"), Metaspace,
                              <s> … </s>, the fairseq id offset (<s> <pad> </s> <unk> at 0…3, <mask> last). Its
                              SentencePiece model was trained with byte_fallback, so its vocabulary holds <0x00>…<0xFF>.
  tiny_rules.tokenizer.json   XLMRobertaConverter over a 600-piece model whose char map is compiled from TINY_RULES
                              (a few hundred bytes: a quick fuzzing seed, and a second trie for the parity test).
expected.json.gz holds the test lines (≥ 3,000, mixing scripts, full-width forms, emoji, combining marks, control
characters, special tokens) and the ids HF `tokenizers` gives them with each tokenizer, and with variants the Swift
test derives from xlm_roberta.tokenizer.json by editing its JSON the same way (see VARIANTS): byte_fallback on,
Metaspace prepend_scheme first/never, split off, the older add_prefix_space form. Ids are space-separated strings.

Usage: text_unigram_fixtures.py   (needs sentencepiece, tokenizers, transformers, protobuf; writes the folder above)
"""
import copy
import gzip
import json
import os
import random
import tempfile
import types

import sentencepiece as spm
from tokenizers import AddedToken, Tokenizer
from transformers.convert_slow_tokenizer import DebertaV2Converter, XLMRobertaConverter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "text", "unigram")

LATIN = ("the quick brown fox jumps over lazy dog tokenizer model vocabulary embedding sentence piece unigram "
         "normalization compatibility character emoji café naïve résumé Straße Ærøskøbing São Paulo Dvořák "
         "Łódź İstanbul façade coöperate jalapeño Æsir œuvre ǅemal").split()
GREEK = "καλημέρα κόσμε ελληνικά γλώσσα Ἀθῆναι ψυχή".split()
CYRILLIC = "привет мир русский язык Ёлка съешь ещё этих мягких булок".split()
ARABIC = "مرحبا بالعالم اللغة العربية كِتَابٌ".split()
HEBREW = "שלום עולם עִבְרִית".split()
DEVANAGARI = "नमस्ते दुनिया हिन्दी भाषा क्षत्रिय".split()
THAI = "สวัสดีชาวโลก ภาษาไทย".split()
CJK = "你好世界 中文 漢字 東京 日本語 北京大学 龍".split()
KANA = "こんにちは カタカナ ひらがな ｶﾀｶﾅ ﾊﾝｶｸ ｰｧｨ".split()
HANGUL = ["안녕하세요", "한국어", "\u1112\u1161\u11ab", "\u1100\u1161"]
COMPAT = ["ﬁne", "ﬂour", "①②③", "x²+y³", "Ⅻ", "㍿", "℃", "™", "½", "㈱", "ｶ", "Å", "Ω", "ſ", "ﾟ", "𝐀𝐁𝐂", "ℌ", "ⁿ",
          "…", "‥", "〜", "～", "－", "＂quoted＂", "〝x〟", "ｱｲｳ"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🇯🇵", "❤️", "1️⃣", "🏳️‍🌈", "🧑🏿‍🚀", "☺", "✌🏻", "🫨", "🪿", "©️", "#️⃣", "👁‍🗨"]
COMBINING = ["e\u0301", "a\u0300\u0301\u0302", "o\u0308\u0304", "n\u0303", "x\u0323\u0307", "\u0301", "i\u0307",
             "u\u031b\u0309", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d", "q\u20dd", "a\u0338", "\u0915\u094d\u0937"]
CONTROLS = ["\t", "\n", "\r", "\r\n", "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f",
            "\u00ad", "\u200b", "\u200c", "\u200d", "\u2028", "\u2029", "\ufeff", "\u200e", "\u2066", "\ue000", "\ufffd",
            "\u0378", "\U000e0041"]
SPACES = [" ", " ", " ", "  ", "   ", "\u00a0", "\u3000", "\u2003", "\u2009", "\u202f", " \t ", ""]
PUNCT = list(".,;:!?()[]{}\"'-–—/\\@#$%^&*_+=<>|~`") + ["...", "!!", "?!", "«", "»", "„", "“", "”", "‘", "’", "¿", "¡",
                                                       "、", "。", "「", "」", "！", "？", "，"]


def fullwidth(word):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in word)


def line(rng, specials):
    pools = [LATIN] * 4 + [GREEK, CYRILLIC, ARABIC, HEBREW, DEVANAGARI, THAI, CJK, KANA, HANGUL, COMPAT, EMOJI,
                           COMBINING]
    parts = []
    for _ in range(rng.randint(1, 14)):
        r = rng.random()
        if r < 0.07:
            parts.append(rng.choice(CONTROLS))
        elif r < 0.14:
            parts.append(fullwidth(rng.choice(LATIN + ["ABC", "Hello World", "2024", "x+y=z"])))
        elif r < 0.22:
            parts.append(rng.choice(PUNCT))
        elif r < 0.27:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 7))))
        elif r < 0.29 and specials:
            parts.append(rng.choice(specials))
        else:
            word = rng.choice(rng.choice(pools))
            if rng.random() < 0.15:
                word = word.upper() if rng.random() < 0.5 else word.capitalize()
            if rng.random() < 0.08:
                word += rng.choice(COMBINING[:6])
            parts.append(word)
        parts.append(rng.choice(SPACES))
    text = "".join(parts)
    if rng.random() < 0.1:
        text = rng.choice(SPACES) + text
    if rng.random() < 0.1:
        text = text.rstrip()
    return text


def corpus_lines():
    """Training text: generated lines (another seed than the test lines) and the repository's sample texts."""
    rng = random.Random(7)
    lines = [line(rng, []) for _ in range(12000)]
    for name in sorted(os.listdir(os.path.join(ROOT, "samples", "text"))):
        with open(os.path.join(ROOT, "samples", "text", name), encoding="utf-8") as f:
            lines += [l for l in f.read().splitlines() if l.strip()]
    with open(os.path.join(ROOT, "Tests", "Fixtures", "text", "texts.json"), encoding="utf-8") as f:
        lines += [t for t in json.load(f) if isinstance(t, str)]
    return [l.replace("\n", " ").replace("\r", " ") for l in lines]


def train(corpus_file, prefix, **options):
    spm.SentencePieceTrainer.train(input=corpus_file, model_prefix=prefix, model_type="unigram",
                                   normalization_rule_name="nmt_nfkc", character_coverage=0.995,
                                   input_sentence_size=0, shuffle_input_sentence=False, num_threads=2,
                                   minloglevel=2, **options)
    return prefix + ".model"


# A small custom SentencePiece normalization rule set (source code points → target code points): its compiled char
# map is a few hundred bytes, so tiny_rules.tokenizer.json is a quick fuzzing seed and a second, different trie
# (multi-character keys, one key a prefix of another, a rule to the empty string) for the parity test.
TINY_RULES = [("FF21", "41"), ("FF22", "42"), ("FF41", "61"), ("FB01", "66 69"), ("2460", "31"), ("2461", "32"),
              ("3000", "20"), ("A0", "20"), ("9", "20"), ("65 301", "E9"), ("61 300", "E0"), ("6F", "4F"), ("5B", "28"),
              ("6F 308", "F6"), ("200B", ""), ("1F600", "3A 29"), ("5B 5B", "5B"), ("2026", "2E 2E 2E"),
              ("D55C", "1112 1161 11AB"), ("FF76", "30AB"), ("FF9E", "3099")]


def convert(converter, model_file, **attributes):
    processor = spm.SentencePieceProcessor(model_file=model_file)
    original = types.SimpleNamespace(vocab_file=model_file, split_by_punct=False, do_lower_case=False,
                                     add_prefix_space=True, legacy=True, **attributes)
    original.convert_tokens_to_ids = lambda token: processor.piece_to_id(token)
    return converter(original).converted()


def ids(tokenizer, texts):
    return [" ".join(map(str, e.ids)) for e in tokenizer.encode_batch(texts)]


# Edits of xlm_roberta.tokenizer.json the Swift test makes too (by name).
def variant(base, name):
    spec = copy.deepcopy(base)
    if name == "byte_fallback":
        spec["model"]["byte_fallback"] = True
    elif name == "first_nosplit":
        spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
        spec["decoder"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
    elif name == "never":
        spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": True}
        spec["decoder"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": True}
    elif name == "legacy_prefix":
        # The older form (tokenizers < 0.19): add_prefix_space instead of prepend_scheme. tokenizers 0.23 reads
        # only `true` without a prepend_scheme (`false` is refused as contradicting the default "always").
        spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}
        spec["decoder"] = {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}
    return spec


VARIANTS = {"byte_fallback": 3000, "first_nosplit": 600, "never": 600, "legacy_prefix": 600}


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus_file = os.path.join(work, "corpus.txt")
        with open(corpus_file, "w", encoding="utf-8") as f:
            f.write("\n".join(corpus_lines()) + "\n")
        deberta_model = train(corpus_file, os.path.join(work, "deberta"), vocab_size=3000, pad_id=0, pad_piece="[PAD]",
                              bos_id=1, bos_piece="[CLS]", eos_id=2, eos_piece="[SEP]", unk_id=3, unk_piece="[UNK]")
        xlmr_model = train(corpus_file, os.path.join(work, "xlmr"), vocab_size=2500, byte_fallback=True)
        rules_file = os.path.join(work, "rules.tsv")
        with open(rules_file, "w", encoding="utf-8") as f:
            f.write("".join(f"{source}\t{target}\n" for source, target in TINY_RULES))
        tiny_model = os.path.join(work, "tiny") + ".model"
        spm.SentencePieceTrainer.train(input=corpus_file, model_prefix=os.path.join(work, "tiny"), model_type="unigram",
                                       normalization_rule_tsv=rules_file, vocab_size=600, character_coverage=0.98,
                                       input_sentence_size=0, shuffle_input_sentence=False, num_threads=2,
                                       minloglevel=2, hard_vocab_limit=False)
        tiny = convert(XLMRobertaConverter, tiny_model)
        deberta = convert(DebertaV2Converter, deberta_model)
        deberta.add_special_tokens([AddedToken("[MASK]", normalized=False, special=True)])
        xlmr = convert(XLMRobertaConverter, xlmr_model)
        # As FacebookAI/xlm-roberta-base's tokenizer.json lists them: every special token, <mask> with lstrip.
        xlmr.add_special_tokens([AddedToken("<pad>", normalized=False, special=True),
                                 AddedToken("<unk>", normalized=False, special=True),
                                 AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    files = {}
    for name, tokenizer in [("deberta_v3", deberta), ("xlm_roberta", xlmr), ("tiny_rules", tiny)]:
        spec = json.loads(tokenizer.to_str())
        files[name] = spec
        with open(os.path.join(OUT, name + ".tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, separators=(",", ":"))

    rng = random.Random(2026)
    texts = [line(rng, ["</s>", "<mask>", "[SEP]", "[MASK]"] if i % 10 == 0 else []) for i in range(3200)]
    texts += ["", " ", "   ", "\u3000", "\x00", "▁", "▁▁x", " ▁ ", "a" * 300, "👨‍👩‍👧‍👦" * 20, "e" + "\u0301" * 30,
              "<0x41>", "[UNK]", "<unk>"]
    expected = {"texts": texts,
                "deberta_v3": ids(Tokenizer.from_str(json.dumps(files["deberta_v3"])), texts),
                "xlm_roberta": ids(Tokenizer.from_str(json.dumps(files["xlm_roberta"])), texts),
                "tiny_rules": ids(Tokenizer.from_str(json.dumps(files["tiny_rules"])), texts),
                "decoded": {}}
    xlmr_full = Tokenizer.from_str(json.dumps(files["xlm_roberta"]))
    expected["decoded"]["xlm_roberta"] = [xlmr_full.decode(e.ids) for e in xlmr_full.encode_batch(texts[:400])]
    deberta_full = Tokenizer.from_str(json.dumps(files["deberta_v3"]))
    expected["decoded"]["deberta_v3"] = [deberta_full.decode(e.ids) for e in deberta_full.encode_batch(texts[:400])]
    for name, count in VARIANTS.items():
        tokenizer = Tokenizer.from_str(json.dumps(variant(files["xlm_roberta"], name)))
        expected["xlm_roberta." + name] = ids(tokenizer, texts[:count])
    with gzip.GzipFile(os.path.join(OUT, "expected.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    unk = sum(" 3 " in f" {s} " for s in expected["xlm_roberta"])
    print(f"{len(texts)} lines; xlm_roberta lines with <unk>: {unk}; byte-fallback lines differing: "
          f"{sum(a != b for a, b in zip(expected['xlm_roberta'], expected['xlm_roberta.byte_fallback']))}")


if __name__ == "__main__":
    main()
