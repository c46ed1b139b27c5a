"""A tiny Meta-Transformer folder with a run-time plugin's modality, and its torch reference embeddings.

The csv-tabular sample plugin (samples/plugins/csv-tabular) turns a CSV file into one feature vector per record,
`[rows, columns]`. A model serves such a modality through a `features` tokenizer: a linear projection of each row
to the encoder's width plus learned positions, then the model's shared encoder and mean pooling. This script takes
the tiny Meta-Transformer's encoder blocks (Tests/Fixtures/models/meta, made by models_meta.py) and adds a seeded
random `tabular` tokenizer (feature_width 4, max_length 8), writing:

  Tests/Fixtures/models/meta-tabular/{config.json, model.safetensors}
  Tests/Fixtures/plugins/tabular/long.csv             20 records: more than max_length, so three windows
  Tests/Fixtures/plugins/tabular/reference.json       unit embeddings of example.csv and long.csv

Windows follow Fuse's rule for run-time plugins (no overlap by default): [0, 8), [8, 16), [16, 20); each window is
embedded on its own, unit-normalised, and the windows' mean is unit-normalised again.
Run: /work/venv/bin/python tools/reference/plugin_tabular_model.py (after models_meta.py)
"""
import csv
import json
import pathlib

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from models_common import FIXTURES, ROOT
from models_meta import Block, HEADS, LAYERS, WIDTH, run

FEATURES, MAX_LENGTH = 4, 8
PLUGIN_FIXTURES = ROOT / "Tests" / "Fixtures" / "plugins" / "tabular"


def read_csv(path: pathlib.Path) -> np.ndarray:
    """The records as float32, header skipped — what csv_tabular.c yields (strtof is correctly rounded)."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return np.array([[np.float32(field) for field in row] for row in rows], dtype=np.float32)


def main() -> None:
    meta = load_file(str(FIXTURES / "meta" / "model.safetensors"))
    blocks = torch.nn.ModuleList([Block() for _ in range(LAYERS)]).eval()
    blocks.load_state_dict({key[len("encoder.layers."):]: value for key, value in meta.items()
                            if key.startswith("encoder.layers.")})

    generator = torch.Generator().manual_seed(31)
    tokenizer = {
        "tokenizers.tabular.proj.weight": 0.4 * torch.randn(WIDTH, FEATURES, generator=generator),
        "tokenizers.tabular.proj.bias": 0.05 * torch.randn(WIDTH, generator=generator),
        "tokenizers.tabular.positions": 0.1 * torch.randn(MAX_LENGTH, WIDTH, generator=generator),
    }
    folder = FIXTURES / "meta-tabular"
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {key: value.contiguous() for key, value in meta.items() if key.startswith("encoder.")}
    tensors.update(tokenizer)
    save_file(tensors, str(folder / "model.safetensors"))
    config = json.loads((FIXTURES / "meta" / "config.json").read_text())
    config["modalities"] = {"tabular": {"input": "features", "feature_width": FEATURES, "pooling": "mean"}}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    PLUGIN_FIXTURES.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    long_csv = PLUGIN_FIXTURES / "long.csv"
    with open(long_csv, "w") as handle:
        handle.write("a,b,c,d\n")
        for _ in range(20):
            handle.write(",".join(f"{value:.3f}" for value in rng.normal(0, 2, FEATURES)) + "\n")

    def embed(rows: np.ndarray) -> list[float]:
        vectors = []
        for start in range(0, len(rows), MAX_LENGTH):
            window = torch.from_numpy(rows[start:start + MAX_LENGTH])
            x = window @ tokenizer["tokenizers.tabular.proj.weight"].T + tokenizer["tokenizers.tabular.proj.bias"]
            x = x + tokenizer["tokenizers.tabular.positions"][: len(window)]
            pooled = run(blocks, x[None])[0].mean(0)
            vectors.append(pooled / pooled.norm())
        mean = torch.stack(vectors).mean(0)
        return (mean / mean.norm()).tolist()

    with torch.no_grad():
        reference = {
            "example.csv": embed(read_csv(ROOT / "samples" / "plugins" / "csv-tabular" / "example.csv")),
            "long.csv": embed(read_csv(long_csv)),
        }
    (PLUGIN_FIXTURES / "reference.json").write_text(json.dumps(
        {"tolerance": 1e-4, "max_length": MAX_LENGTH, "embeddings": reference}, indent=1) + "\n")
    print("wrote", folder, PLUGIN_FIXTURES)


if __name__ == "__main__":
    assert HEADS == 3 and WIDTH == 48
    main()
