"""Tiny random BERT saved as a sentence-transformers folder (Transformer → Pooling(mean) → Normalize).

Writes Tests/Fixtures/models/bert/ (config.json, model.safetensors, vocab.txt, tokenizer.json, modules.json,
1_Pooling/config.json, 2_Normalize/) and Tests/Fixtures/models/reference/bert.safetensors with:
  ids / mask / token_types [4, T] (the tokenizer's output for SENTENCES, stored as float),
  last_hidden [4, T, 48], pooler [4, 48] (BertModel's tanh pooler),
  st_embeddings [4, 48] (SentenceTransformer.encode: mean pooling + Normalize),
  pool_mean / pool_cls / pool_max [4, 48] (sentence-transformers' Pooling modes, before Normalize).
Run: /work/venv/bin/python tools/reference/models_bert.py
"""
import json

import torch
from sentence_transformers import SentenceTransformer, models
from transformers import BertConfig, BertModel, BertTokenizerFast

from models_common import FIXTURES, fresh_dir, randomize, save_reference

WORDS = ("the a an is are was of to and in on at it this that cat dog bird fish red blue green big small "
         "sky sea tree house car runs eats sleeps flies swims sun moon star night day one two three four "
         "five six seven eight nine ten photo sound song speech word music picture man woman child").split()
SENTENCES = [
    "the cat sleeps on the red car",
    "a big dog runs in the green sea at night",
    "one two three",
    "this photo of a small bird is blue",
]


def make_vocab() -> list[str]:
    letters = list("abcdefghijklmnopqrstuvwxyz")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + letters + ["##" + c for c in letters]
    unique = list(dict.fromkeys(vocab))  # "a" is both a word and a letter
    return unique[:101]


def main() -> None:
    folder = fresh_dir("bert")
    scratch = FIXTURES / "_bert_scratch"
    scratch.mkdir(exist_ok=True)
    vocab = make_vocab()
    vocab_size = len(vocab)
    tokenizer = BertTokenizerFast(vocab={token: index for index, token in enumerate(vocab)}, do_lower_case=True)
    config = BertConfig(vocab_size=vocab_size, hidden_size=48, num_hidden_layers=3, num_attention_heads=3,
                        intermediate_size=80, max_position_embeddings=40, type_vocab_size=2, hidden_act="gelu")
    torch.manual_seed(0)
    bert = BertModel(config, add_pooling_layer=True).eval()
    randomize(bert, seed=3)
    bert.save_pretrained(scratch)
    tokenizer.save_pretrained(scratch)

    transformer = models.Transformer(str(scratch), max_seq_length=32)
    pooling = models.Pooling(48, pooling_mode="mean")
    st = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    st.save(str(folder))
    for leftover in scratch.iterdir():
        leftover.unlink()
    scratch.rmdir()
    # Keep the folder lean: the fast tokenizer's tokenizer.json and vocab.txt are enough for any reader.
    (folder / "README.md").unlink(missing_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")

    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = bert(**batch)
        st_embeddings = torch.from_numpy(st.encode(SENTENCES, batch_size=4, convert_to_numpy=True))
        features = {"token_embeddings": out.last_hidden_state, "attention_mask": batch["attention_mask"]}
        pooled = {}
        for mode in ["mean", "cls", "max"]:
            module = models.Pooling(48, pooling_mode=mode)
            pooled[mode] = module(dict(features))["sentence_embedding"]

    save_reference("bert", {
        "ids": batch["input_ids"].float(), "mask": batch["attention_mask"].float(),
        "token_types": batch["token_type_ids"].float(),
        "last_hidden": out.last_hidden_state, "pooler": out.pooler_output, "st_embeddings": st_embeddings,
        "pool_mean": pooled["mean"], "pool_cls": pooled["cls"], "pool_max": pooled["max"],
    })
    print(json.dumps({"vocab": vocab_size, "ids": batch["input_ids"].tolist()}))


if __name__ == "__main__":
    main()
