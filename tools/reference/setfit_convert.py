"""Reference for `fuse classify` on a converted Python SetFit checkpoint.

Builds a SetFit model from the tiny BERT of Tests/Fixtures/setfit/tiny-bert (with a 61-word WordPiece vocabulary,
mean pooling, Normalize), fits its sklearn head on 12 labelled texts over three string classes, saves it with
`SetFitModel.save_pretrained` (model_head.pkl), converts it with tools/convert_setfit_head.py into
Tests/Fixtures/setfit/converted/, and stores `predict_proba` of six held-out texts in
Tests/Fixtures/setfit/converted-reference.json.
Run: /work/venv-setfit/bin/python tools/reference/setfit_convert.py   (setfit installed over /work/venv-llm)
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

from sentence_transformers import SentenceTransformer, models
from setfit import SetFitModel
from sklearn.linear_model import LogisticRegression
from transformers import BertTokenizerFast

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "Fixtures" / "setfit"
WORDS = [f"w{i}" for i in range(5, 61)]
TRAIN = [("w5 w6 w7", "red"), ("w5 w8", "red"), ("w6 w7 w9 w5", "red"), ("w7 w5 w5", "red"),
         ("w20 w21", "green"), ("w22 w20 w23", "green"), ("w21 w21 w24", "green"), ("w23 w22", "green"),
         ("w40 w41 w42", "blue"), ("w43 w40", "blue"), ("w44 w41 w40 w45", "blue"), ("w42 w42", "blue")]
HELD_OUT = ["w5 w7", "w20 w24 w21", "w41 w43", "w5 w40", "w60 w59 w58 w57 w56", "w30"]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        body_dir = scratch / "body"
        body_dir.mkdir()
        for item in (FIXTURES / "tiny-bert").iterdir():
            shutil.copy(item, body_dir / item.name)
        vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
        BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}).save_pretrained(body_dir)
        transformer = models.Transformer(str(body_dir), max_seq_length=20)
        body = SentenceTransformer(modules=[transformer, models.Pooling(30, pooling_mode="mean"), models.Normalize()])
        model = SetFitModel(model_body=body, model_head=LogisticRegression())
        texts, labels = zip(*TRAIN)
        model.model_head.fit(model.encode(list(texts)), list(labels))
        checkpoint = scratch / "checkpoint"
        model.save_pretrained(str(checkpoint))
        out = FIXTURES / "converted"
        subprocess.run([sys.executable, str(ROOT / "tools" / "convert_setfit_head.py"), str(checkpoint), str(out),
                        "--force"], check=True)
        for name in ("README.md", "model_head.pkl"):
            (out / name).unlink(missing_ok=True)
        probabilities = model.predict_proba(HELD_OUT).tolist()
        (FIXTURES / "converted-reference.json").write_text(json.dumps({
            "texts": HELD_OUT, "classes": [str(c) for c in model.model_head.classes_],
            "probabilities": probabilities}, indent=1))
        print(sorted(p.name for p in out.iterdir()))


if __name__ == "__main__":
    main()
