"""SetFit stage 2 reference: sklearn LogisticRegression() (L2, C=1.0, lbfgs; multinomial, binary as one row).

Writes Tests/Fixtures/setfit/head.json: per case the training embeddings (float32, as SetFit hands them to sklearn),
integer labels, the fitted coef_ / intercept_, and predict_proba on held-out embeddings. Cases cover several seeds,
binary and 3+ classes, odd dimensions, unbalanced classes, and nearly separable data (large weights).

sklearn's default stop (gtol 1e-4 on the gradient's largest entry) leaves coef_ ~1e-3 from the exact optimum, so
matching `LogisticRegression()` to 1e-4 means taking scipy's L-BFGS-B steps (Moré–Thuente line search, memory 10);
the exact optimum (tol=1e-12) is stored too, as `coef_optimum` / `intercept_optimum`.
Run: /work/venv-llm/bin/python tools/reference/setfit_head.py
"""
import json
import pathlib

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "setfit" / "head.json"


def embeddings(rng: np.random.Generator, counts: list[int], dim: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around one random centre per class (SetFit normalises its embeddings)."""
    centres = rng.standard_normal((len(counts), dim))
    rows, labels = [], []
    for label, count in enumerate(counts):
        points = centres[label] + spread * rng.standard_normal((count, dim))
        rows.append(points)
        labels += [label] * count
    x = np.concatenate(rows)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    order = rng.permutation(len(labels))
    return x[order].astype(np.float32), np.array(labels)[order]


CASES = [  # name, seed, samples per class, dim, spread
    ("binary-seed0", 0, [8, 8], 24, 1.0),
    ("binary-seed1-unbalanced", 1, [5, 11], 37, 1.5),
    ("binary-seed2-separable", 2, [8, 8], 16, 0.2),
    ("three-seed3", 3, [8, 8, 8], 24, 1.0),
    ("three-seed4-unbalanced", 4, [3, 9, 6], 31, 1.2),
    ("five-seed5", 5, [8, 7, 8, 6, 9], 40, 0.8),
    ("four-seed6-separable", 6, [4, 4, 4, 4], 13, 0.1),
]


def main() -> None:
    cases = []
    for name, seed, counts, dim, spread in CASES:
        rng = np.random.default_rng(seed)
        x, y = embeddings(rng, counts, dim, spread)
        test, _ = embeddings(np.random.default_rng(seed + 100), [3] * len(counts), dim, spread)
        model = LogisticRegression().fit(x, y)
        tight = LogisticRegression(tol=1e-12, max_iter=100_000).fit(x.astype(np.float64), y)
        gap = max(np.abs(model.coef_ - tight.coef_).max(), np.abs(model.intercept_ - tight.intercept_).max())
        print(f"{name}: coef {model.coef_.shape}, default-vs-tight gap {gap:.1e}, n_iter {model.n_iter_}")
        cases.append({
            "name": name,
            "embeddings": x.tolist(),
            "labels": y.tolist(),
            "coef": model.coef_.tolist(),
            "intercept": model.intercept_.tolist(),
            "iterations": int(model.n_iter_[0]),
            "coef_optimum": tight.coef_.tolist(),
            "intercept_optimum": tight.intercept_.tolist(),
            "test_embeddings": test.tolist(),
            "test_probabilities": model.predict_proba(test).tolist(),
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"reference": "sklearn.linear_model.LogisticRegression()", "cases": cases}))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
