"""Fixtures for the npy-features sample plugin (samples/plugins/npy-swift): small .npy files written by numpy and
the values numpy reads back from them, as the reference the Swift plugin's decode must match exactly.

Run: /work/venv/bin/python tools/reference/plugin_npy_fixtures.py   (writes Tests/Fixtures/plugins/npy/)
"""
import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "plugins" / "npy"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261123)

arrays = {
    "features_f4": rng.standard_normal((5, 3)).astype("<f4"),
    "features_f8": rng.standard_normal((4, 6)).astype("<f8"),
    "features_f2": rng.standard_normal((3, 2)).astype("<f2"),
    "features_fortran": np.asfortranarray(rng.standard_normal((3, 4)).astype("<f4")),
    "vector_f4": rng.standard_normal(7).astype("<f4"),
    "ids_i8": rng.integers(0, 50000, 9).astype("<i8"),
    "ids_u2": rng.integers(0, 65535, 5).astype("<u2"),
}
expected = {}
for name, array in arrays.items():
    np.save(OUT / f"{name}.npy", array)
    back = np.load(OUT / f"{name}.npy")
    if back.dtype.kind == "f":
        matrix = back.astype(np.float32).reshape(back.shape[0], -1)
        expected[name] = {"kind": "features", "shape": list(matrix.shape),
                          "values": [float(v) for v in matrix.ravel(order="C")]}
    else:
        expected[name] = {"kind": "ids", "shape": [int(back.shape[0])], "values": [int(v) for v in back]}

# Arrays the plugin must refuse with a message: negative ids, 3-D, big-endian.
np.save(OUT / "bad_negative_ids.npy", np.array([3, -1, 4], dtype="<i4"))
np.save(OUT / "bad_rank3.npy", np.zeros((2, 2, 2), dtype="<f4"))
np.save(OUT / "bad_big_endian.npy", np.zeros((2, 2), dtype=">f4"))

(OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
print(f"wrote {len(arrays)} arrays and expected.json to {OUT}")
