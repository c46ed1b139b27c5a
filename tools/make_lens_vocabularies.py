"""Builds FuseLENS's default vocabularies from WordNet 3.0 (Debian package `wordnet-base`).

tags.txt        concrete nouns (animals, artifacts, food, plants, people, places, natural objects, substances,
                body parts, phenomena) that occur in WordNet's sense-tagged corpora, most frequent first; without
                people nouns that name a nationality, ethnicity, religion or sexuality, or are slurs.
attributes.txt  descriptive adjectives (those WordNet links, directly or through their head adjective, to an
                attribute noun such as size, colour, temperature or texture) that occur in the sense-tagged
                corpora, most frequent first; without adjectives that guess sexuality, ethnicity, religion or
                intelligence, judge the morals or body of whoever is pictured, or insult (NOT_FROM_PIXELS).

Reads /usr/share/wordnet/{data.noun,data.adj,cntlist.rev}; writes Sources/FuseLENS/Vocabularies/.
WordNet's licence (permissive, notice required) is copied next to the lists as WORDNET-LICENSE.
Run: python3 tools/make_lens_vocabularies.py   (standard library only)
"""
import os
import re
import shutil
from collections import defaultdict

WN = "/usr/share/wordnet"
OUT = os.path.join(os.path.dirname(__file__), "..", "Sources", "FuseLENS", "Vocabularies")
# Lexicographer files (see lexnames(5WN)) whose nouns name things a picture can show.
CONCRETE_NOUN_FILES = {"05", "06", "08", "13", "15", "17", "18", "19", "20", "27"}


def sense_counts():
    counts = defaultdict(int)
    with open(os.path.join(WN, "cntlist.rev")) as f:
        for line in f:
            key, _, count = line.split()
            lemma, rest = key.split("%", 1)
            pos = rest.split(":")[0]
            counts[(lemma.lower(), pos)] += int(count)
    return counts


def lemmas(data_file):
    """Yields (lemma, lexfile) for each word of each synset."""
    with open(os.path.join(WN, data_file)) as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            lexfile, word_count = fields[1], int(fields[3], 16)
            for i in range(word_count):
                word = fields[4 + 2 * i]
                word = re.sub(r"\([a-z]+\)$", "", word)  # adjective markers like (a), (p)
                yield word.lower(), lexfile


def descriptive_adjectives():
    """Adjectives whose synset, or the head synset it is similar to, has an attribute pointer ('=')."""
    with_attribute, similar_to, words = set(), {}, {}
    with open(os.path.join(WN, "data.adj")) as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split("|")[0].split()
            offset, word_count = fields[0], int(fields[3], 16)
            words[offset] = [re.sub(r"\([a-z]+\)$", "", fields[4 + 2 * i]).lower() for i in range(word_count)]
            i = 4 + 2 * word_count
            for _ in range(int(fields[i])):
                symbol, target = fields[i + 1], fields[i + 2]
                if symbol == "=":
                    with_attribute.add(offset)
                elif symbol == "&":
                    similar_to.setdefault(offset, []).append(target)
                i += 4
    keep = set()
    for offset, lemmas_ in words.items():
        if offset in with_attribute or any(h in with_attribute for h in similar_to.get(offset, [])):
            keep.update(lemmas_)
    return keep


def ranked(data_file, pos_codes, keep):
    counts = sense_counts()
    best = {}
    for lemma, lexfile in lemmas(data_file):
        if not keep(lemma, lexfile):
            continue
        count = sum(counts.get((lemma, p), 0) for p in pos_codes)
        if count > 0:
            best[lemma] = max(best.get(lemma, 0), count)
    return [w.replace("_", " ") for w, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))]


# Determiners, quantifiers and ordinals describe no visible property; WordNet files some of them with attributes.
NOT_DESCRIPTIVE = {"one", "other", "many", "all", "same", "some", "several", "a few", "certain", "possible", "next",
                   "last", "first", "such", "own", "much", "more", "most", "few", "no", "various", "different",
                   "whole", "present", "available", "general", "major", "important", "better", "true", "good"}


# Adjectives that, said of a person in a picture, guess sexuality, ethnicity, religion or intelligence, or insult:
# a describer has no business asserting these from pixels.
NOT_FROM_PIXELS = {"gay", "queer", "homosexual", "heterosexual", "bisexual", "lesbian", "straight", "ethnic",
                   "racial", "jewish", "christian", "catholic", "muslim", "moslem", "hindu", "buddhist", "religious",
                   "stupid", "dumb", "idiotic", "foolish", "retarded", "moronic", "imbecile", "ugly", "illegitimate",
                   "effeminate", "unmanly", "sissy", "sissified", "crippled", "lame", "insane", "crazy", "mad",
                   # moral or bodily judgements of whoever is pictured
                   "disgusting", "indecent", "embarrassing", "obscene", "vulgar", "repulsive", "hideous", "revolting",
                   "fat", "obese", "lazy", "evil", "wicked", "sinful", "immoral", "criminal", "guilty", "shameful",
                   "pathetic", "worthless", "slutty", "promiscuous", "sexy", "seductive", "inferior", "primitive",
                   "savage", "barbaric", "uncivilized", "spineless", "cowardly", "dishonest", "corrupt"}

# People nouns (lexicographer file 18) under these synsets name a nationality, ethnicity, religion or sexuality, which
# a picture cannot show; slurs are caught by their glosses.
SENSITIVE_PERSON_ROOTS = {"religious_person", "inhabitant", "person_of_color", "semite", "mixed-blood", "ethnic",
                          "white_person", "black_person", "homosexual", "heterosexual", "bisexual", "native",
                          "aborigine", "indian", "jew", "gentile", "arab"}
# Kept by the sense rule (a raccoon first) but far likelier to be read as the slur; `raccoon` covers the animal.
ALSO_EXCLUDED = {"coon"}
OFFENSIVE_GLOSS = re.compile(r"offensive|slur|derogatory|disparaging|contemptuous|obscene")


def sensitive_person_nouns():
    """Noun lemmas whose most frequent sense, or every sense, is a sensitive or offensive term for people.

    Judged by sense, not by spelling: `pansy` (a flower first) stays, `jap` (only a slur) goes.
    """
    synsets = {}
    with open(os.path.join(WN, "data.noun")) as f:
        for line in f:
            if line.startswith("  "):
                continue
            head, _, gloss = line.partition("|")
            fields = head.split()
            count = int(fields[3], 16)
            words = {fields[4 + 2 * i].lower() for i in range(count)}
            i, hypernyms = 4 + 2 * count, []
            for _ in range(int(fields[i])):
                if fields[i + 1] in ("@", "@i"):
                    hypernyms.append(fields[i + 2])
                i += 4
            synsets[fields[0]] = (fields[1], words, hypernyms, gloss)
    roots = {o for o, (lex, words, _, _) in synsets.items() if lex == "18" and words & SENSITIVE_PERSON_ROOTS}
    memo = {}

    def under_root(offset, depth=0):
        if offset not in memo:
            memo[offset] = offset in roots or (depth < 40 and any(under_root(h, depth + 1)
                                                                   for h in synsets[offset][2]))
        return memo[offset]

    def sensitive(offset):
        lex, _, _, gloss = synsets[offset]
        return lex == "18" and (under_root(offset) or OFFENSIVE_GLOSS.search(gloss) is not None)

    drop = set()
    with open(os.path.join(WN, "index.noun")) as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split()
            senses, pointers = int(fields[2]), int(fields[3])
            offsets = fields[4 + pointers + 2:4 + pointers + 2 + senses]  # most frequent sense first
            if offsets and (sensitive(offsets[0]) or all(sensitive(o) for o in offsets)):
                drop.add(fields[0].lower())
    return drop | ALSO_EXCLUDED


def plain(lemma):
    return re.fullmatch(r"[a-z][a-z_\-]*", lemma) is not None and lemma.count("_") <= 2


def main():
    os.makedirs(OUT, exist_ok=True)
    excluded = sensitive_person_nouns()
    tags = ranked("data.noun", ["1"], lambda w, lex: lex in CONCRETE_NOUN_FILES and plain(w) and w not in excluded)
    descriptive = descriptive_adjectives()
    attributes = ranked("data.adj", ["3", "5"], lambda w, lex: plain(w) and w in descriptive
                        and w.replace("_", " ") not in NOT_DESCRIPTIVE and w not in NOT_FROM_PIXELS)
    header = "# Derived from WordNet 3.0 (Princeton University); see WORDNET-LICENSE. One entry per line.\n"
    for name, entries in [("tags.txt", tags), ("attributes.txt", attributes)]:
        with open(os.path.join(OUT, name), "w") as f:
            f.write(header)
            f.write("\n".join(entries) + "\n")
        print(name, len(entries))
    shutil.copy("/usr/share/doc/wordnet-base/copyright", os.path.join(OUT, "WORDNET-LICENSE"))


if __name__ == "__main__":
    main()
