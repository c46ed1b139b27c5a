"""A faithful re-implementation of FuseLLM's alignment and fusion algorithms (fanqiwan/FuseLLM), used as the
reference for Fuse's Swift code. Read with FuseLLM's sources side by side:

- `dtw`                  ← src/utils/others.py `dtw` (simpledtw-derived; argmin ties prefer diag, up, left)
- `token_dist`           ← `dist_fn` inside `transform_step_logits`: Levenshtein after deleting the markers
- `transform_step_logits`← src/utils/others.py (hard / soft, one-to-one vs many-to-one, the byte-level
                            first-token special case written for MPT)
- `vocab_mapping`        ← src/utils/vocab_mapping.py `find_best_mapping` (exact, else the first base token
                            with minimum edit distance; base tokens taken in id order here, see docs/LLM.md)
- `target_dist`          ← DataCollatorForDistill: softmax(top-k logits / T) scattered; empty aligned step → base
- `fuse_min_ce`          ← DistillTrainer `distill_greater_as_gt`: reward = exp(-CE), argmax (first wins)
- `fuse_avg_ce`          ← DistillTrainer `distill_weighted_as_gt`: weights = softmax(rewards)
- `fuse_avg_ce_paper`    ← the paper's wording (weights ∝ exp(-CE), i.e. softmax(-CE)); offered beside the code's

FuseLLM keeps the target distributions in bfloat16; this reference (like Fuse) works in float64/float32.
"""
import math

import numpy as np


def levenshtein(a: str, b: str) -> int:
    """Edit distance over Unicode code points (what `editdistance.eval` computes on Python strings)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def dtw(series_1, series_2, norm_func):
    """FuseLLM's DTW: returns base_to_blending style mappings for both series."""
    n, m = len(series_1), len(series_2)
    matrix = np.zeros((n + 1, m + 1))
    matrix[0, :] = np.inf
    matrix[:, 0] = np.inf
    matrix[0, 0] = 0
    for i, v1 in enumerate(series_1):
        for j, v2 in enumerate(series_2):
            cost = norm_func(v1, v2)
            matrix[i + 1, j + 1] = cost + min(matrix[i, j + 1], matrix[i + 1, j], matrix[i, j])
    matrix = matrix[1:, 1:]
    i, j = n - 1, m - 1
    map_1 = [[] for _ in range(n)]
    map_2 = [[] for _ in range(m)]
    while i > 0 or j > 0:
        map_1[i].append(j)
        map_2[j].append(i)
        diag = matrix[i - 1, j - 1] if i > 0 and j > 0 else np.inf
        up = matrix[i - 1, j] if i > 0 else np.inf
        left = matrix[i, j - 1] if j > 0 else np.inf
        move = int(np.argmin([diag, up, left]))
        if move == 0:
            i, j = i - 1, j - 1
        elif move == 1:
            i -= 1
        else:
            j -= 1
    map_1[0].append(0)
    map_2[0].append(0)
    for mp in map_1:
        mp.reverse()
    for mp in map_2:
        mp.reverse()
    return map_1, map_2, float(matrix[-1, -1])


def transform_step_logits(base_tokens, blending_tokens, base_vocab, blending_id_to_token,
                          blending_logits, blending_indices, base_marker, blending_marker,
                          blending_is_byte_level, align_type="hard", mapping=None):
    """Aligns a blending (source) model's per-step top-k to the base model's steps."""

    def dist_fn(a, b):
        return levenshtein(a.replace(blending_marker, ""), b.replace(base_marker, ""))

    _, base_to_blending, _ = dtw(blending_tokens, base_tokens, dist_fn)
    out_logits, out_indices = [], []
    for i, blending_idx in enumerate(base_to_blending):
        logits, indices = [], []
        base_token = base_tokens[i]
        if len(blending_idx) == 1:
            j = blending_idx[0]
            blending_token = blending_tokens[j].replace(blending_marker, base_marker)
            if (blending_is_byte_level and i == 0 and base_token.startswith(base_marker)
                    and not blending_token.startswith(base_marker)):
                blending_token = base_marker + blending_token
            if align_type == "hard":
                matched = base_token == blending_token
            else:
                matched = base_token == blending_token or (
                    blending_token in mapping and base_token == mapping[blending_token])
            if matched:
                for logit, index in zip(blending_logits[j], blending_indices[j]):
                    t = blending_id_to_token[index].replace(blending_marker, base_marker)
                    if align_type == "soft":
                        t = mapping[t]
                    if t in base_vocab:
                        aligned = base_vocab[t]
                        if aligned not in indices:
                            indices.append(aligned)
                            logits.append(float(logit))
            else:
                indices.append(base_vocab[base_token])
                logits.append(1.0)
        else:
            indices.append(base_vocab[base_token])
            logits.append(1.0)
        out_logits.append(logits)
        out_indices.append(indices)
    return out_logits, out_indices, base_to_blending


def vocab_mapping(blending_tokens_by_id, base_tokens_by_id, blending_marker, base_marker):
    """blending token (markers replaced) → base token: exact, else the first minimum edit distance."""
    base_set = set(base_tokens_by_id)
    mapping = {}
    for x in blending_tokens_by_id:
        tmp = x.replace(blending_marker, base_marker)
        if tmp in base_set:
            mapping[tmp] = tmp
        else:
            best, best_d = None, None
            for y in base_tokens_by_id:
                d = levenshtein(tmp, y)
                if best is None or d < best_d:
                    best, best_d = y, d
            mapping[tmp] = best
    return mapping


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


def target_dist(step_logits, step_indices, vocab_size, temperature, fallback=None):
    """Dense [T, V] target: softmax(top-k / T) scattered at the ids; empty steps take `fallback`'s row."""
    out = np.zeros((len(step_logits), vocab_size))
    for t, (lg, ix) in enumerate(zip(step_logits, step_indices)):
        if len(ix) == 0:
            out[t] = fallback[t]
        else:
            out[t, np.asarray(ix)] = softmax(np.asarray(lg) / temperature)
    return out


def fuse_min_ce(dists, ces):
    rewards = [math.exp(-c) for c in ces]
    best = int(np.argmax(rewards))
    return dists[best], best


def fuse_avg_ce(dists, ces):
    weights = softmax([math.exp(-c) for c in ces])
    return sum(w * d for w, d in zip(weights, dists)), weights


def fuse_avg_ce_paper(dists, ces):
    weights = softmax([-c for c in ces])
    return sum(w * d for w, d in zip(weights, dists)), weights


def metric_ce(logits, ids):
    """FuseLLM's `metric_ce`: mean over steps t < T-1 of CE(logits[t], ids[t+1])."""
    logits = np.asarray(logits, dtype=np.float64)
    m = logits.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))[:, 0]
    ce = [lse[t] - logits[t, ids[t + 1]] for t in range(len(ids) - 1)]
    return float(np.mean(ce))
