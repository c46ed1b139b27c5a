"""Assemble an English text corpus from documentation that ships with this machine (offline).

Sources, in order: Vim's help files, Debian package copyright/readme texts, the Python standard library's
sources (docstrings, comments, code) and PyPI package descriptions in the venv. Files that are not valid
UTF-8 are skipped. The corpus is used to train the small test tokenizers (a few MB) and as the tokenization
benchmark input (tens of MB). It is never committed.

Usage: text_corpus.py OUT.txt [--mb 40]
"""
import argparse
import glob
import gzip
import os
import sys


def sources():
    yield from sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt"))
    yield from sorted(glob.glob("/usr/share/doc/*/copyright"))
    yield from sorted(glob.glob("/usr/share/doc/*/README*"))
    yield from sorted(glob.glob("/usr/share/doc/*/changelog*.gz"))
    yield from sorted(glob.glob("/usr/lib/python3.11/**/*.py", recursive=True))
    yield from sorted(glob.glob("/work/venv/lib/python3*/site-packages/*.dist-info/METADATA"))


def read(path):
    try:
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--mb", type=float, default=40.0)
    args = parser.parse_args()
    limit = int(args.mb * 1_000_000)
    written = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for path in sources():
            text = read(path)
            if not text:
                continue
            text = text.replace("\r\n", "\n")
            if not text.endswith("\n"):
                text += "\n"
            out.write(text)
            written += len(text.encode("utf-8"))
            if written >= limit:
                break
    print(f"{args.out}: {written / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
