"""Late-fusion reference: numpy implementations of Fuse's documented strategies.

Writes Tests/Fixtures/fusion/late.json: random unit embeddings (several groups, several dims) with the expected
fused vector and weights for mean, weighted, max, concat (with and without a projection) and attention.
The formulas are the ones README/docs state:
  mean      normalize(sum_i e_i)
  weighted  normalize(sum_i w_i e_i)            (w_i >= 0, sum w_i > 0; reported weights = w / sum w)
  max       normalize(max_i e_i)  elementwise
  concat    normalize([e_1; …; e_n])  or  normalize(W [e_1; …; e_n] + b)
  attention a_i = mean_{j != i} cos(e_i, e_j);  w = softmax(a / tau);  normalize(sum_i w_i e_i)
Run: python tools/reference/fusion_late.py  (numpy only)
"""
import json, os
import numpy as np

rng = np.random.default_rng(20261123)
out_dir = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "fusion")
os.makedirs(out_dir, exist_ok=True)


def unit(v):
    return v / np.linalg.norm(v)


cases = []
for n, d in [(2, 8), (3, 16), (4, 5), (1, 7)]:
    embs = np.stack([unit(rng.standard_normal(d)) for _ in range(n)]).astype(np.float64)
    weights = rng.uniform(0.1, 2.0, n)
    tau = 0.1
    case = {"embeddings": embs.tolist(), "user_weights": weights.tolist(), "tau": tau}
    case["mean"] = unit(embs.sum(0)).tolist()
    case["weighted"] = unit((weights[:, None] * embs).sum(0)).tolist()
    case["weighted_weights"] = (weights / weights.sum()).tolist()
    case["max"] = unit(embs.max(0)).tolist()
    case["concat"] = unit(embs.reshape(-1)).tolist()
    proj_w = rng.standard_normal((6, n * d)) * 0.2
    proj_b = rng.standard_normal(6) * 0.1
    case["projection_weight"] = proj_w.tolist()
    case["projection_bias"] = proj_b.tolist()
    case["concat_projected"] = unit(proj_w @ embs.reshape(-1) + proj_b).tolist()
    cos = embs @ embs.T
    if n > 1:
        agreement = (cos.sum(1) - np.diag(cos)) / (n - 1)
    else:
        agreement = np.zeros(1)
    z = agreement / tau
    w = np.exp(z - z.max())
    w /= w.sum()
    case["attention_weights"] = w.tolist()
    case["attention"] = unit((w[:, None] * embs).sum(0)).tolist()
    cases.append(case)

with open(os.path.join(out_dir, "late.json"), "w") as f:
    json.dump({"reference": "numpy " + np.__version__, "cases": cases}, f)
print("wrote", len(cases), "cases")
