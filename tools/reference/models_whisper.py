"""Whisper fixtures: tiny random WhisperForConditionalGeneration checkpoints and transformers' outputs.

Run with /work/venv-llm/bin/python tools/reference/models_whisper.py (transformers 5.x, torch).

Each fixture under Tests/Fixtures/models/<name>/ is a Hugging Face Whisper folder (config.json, fp16
model.safetensors, generation_config.json, preprocessor_config.json); its reference outputs sit in
Tests/Fixtures/models/reference/<name>.safetensors:

- mel_<i>          WhisperFeatureExtractor's log-mel features of input i, [num_mel_bins, nb_max_frames], from its
                   float64 NumPy path (`_np_extract_fbank_features`, what the extractor uses without torch).
- encoder_<i>      the encoder's last_hidden_state, [max_source_positions, d_model].
- decoder_input_<i>, logits_<i>       the decoder's logits for the decoder prompt + the greedy tokens (teacher forced), [L, vocab].
- greedy_<i>       generate(num_beams=1) token ids, as float32.
- beam_<i>         generate(num_beams=5) token ids, as float32.
- timestamps_<i>   generate(return_timestamps=True) token ids.
- mel_whole_3, long_3  the clip longer than the window: its whole features (not padded to the window) and
                   generate(return_timestamps=True)'s tokens over its windows (seeking by the last timestamp).
generate's sequences hold the generated tokens only (not the decoder prompt), as transformers 5 returns them.

The shared inputs (reference/whisper-inputs.safetensors, float16 so they stay small and exact): silence, a tone
with noise, a chirp, and a clip longer than the fixtures' one-second window (truncated by the extractor).
The configs are deliberately tiny and odd: d_model 36, 3 heads, 2+2 layers, vocabulary 120 with Whisper's special
tokens laid out as the real ones are (text, eos, sot, languages, translate, transcribe, prev, nospeech,
notimestamps, timestamps), chunk_length 1 s (100 frames, 50 encoder positions). Weights are rounded to fp16 before
the reference runs, so the fp16 file holds exactly the weights that produced the outputs.
"""
from __future__ import annotations

import json

import numpy as np
import torch
from transformers import GenerationConfig, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

from models_common import FIXTURES, REFERENCE, fresh_dir, randomize, save_reference

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 1
VOCAB = 140
EOS, SOT = 80, 81
LANGUAGES = {"<|en|>": 82, "<|de|>": 83, "<|fr|>": 84}
TRANSLATE, TRANSCRIBE, PREV, NO_SPEECH, NO_TIMESTAMPS = 85, 86, 87, 88, 89
TIMESTAMP_BEGIN = NO_TIMESTAMPS + 1  # 50 timestamps: 0.00 … 0.98 s
MAX_NEW_TOKENS = 10


def inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(26)
    t = np.arange(int(0.6 * SAMPLE_RATE)) / SAMPLE_RATE
    tone = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.shape)
    c = np.arange(int(0.83 * SAMPLE_RATE)) / SAMPLE_RATE
    chirp = 0.5 * np.sin(2 * np.pi * (100 * c + 2500 * c * c))
    long = 0.2 * rng.standard_normal(int(1.37 * SAMPLE_RATE))
    waves = [np.zeros(int(0.25 * SAMPLE_RATE)), tone, chirp, long]
    # Rounded through float16 so that the stored file reproduces them exactly.
    return [w.astype(np.float16).astype(np.float32) for w in waves]


def build(name: str, seed: int, mel_bins: int, multilingual: bool) -> None:
    folder = fresh_dir(name)
    config = WhisperConfig(
        vocab_size=VOCAB, num_mel_bins=mel_bins, d_model=36, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=3, decoder_attention_heads=3, encoder_ffn_dim=60, decoder_ffn_dim=52,
        max_source_positions=50, max_target_positions=40, pad_token_id=EOS, bos_token_id=EOS, eos_token_id=EOS,
        decoder_start_token_id=SOT, activation_function="gelu", scale_embedding=False, tie_word_embeddings=True,
        begin_suppress_tokens=None, suppress_tokens=None,
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config).eval()
    randomize(model, seed)
    with torch.no_grad():
        # Sinusoidal encoder positions, as the real checkpoints hold them (randomize overwrote them).
        model.model.encoder.embed_positions.weight.copy_(sinusoids(50, 36))
        # Timestamp rows small, as trained models have them after <|notimestamps|>: random rows would make half
        # of all greedy picks timestamps, which sends generate into its seek-by-timestamp path on every input.
        model.model.decoder.embed_tokens.weight[TIMESTAMP_BEGIN:] *= 0.25
        for p in model.parameters():
            p.copy_(p.half().float())

    generation = GenerationConfig(
        decoder_start_token_id=SOT, eos_token_id=EOS, pad_token_id=EOS, bos_token_id=EOS,
        no_timestamps_token_id=NO_TIMESTAMPS, max_length=40, is_multilingual=multilingual,
        suppress_tokens=[3, 7, 11, 19, TRANSLATE, TRANSCRIBE, PREV, NO_SPEECH],
        begin_suppress_tokens=[4, EOS], max_initial_timestamp_index=10, return_timestamps=False,
    )
    if multilingual:
        generation.lang_to_id = LANGUAGES
        generation.task_to_id = {"translate": TRANSLATE, "transcribe": TRANSCRIBE}
        generation.forced_decoder_ids = [[1, None], [2, TRANSCRIBE]]
    else:
        generation.forced_decoder_ids = [[1, NO_TIMESTAMPS]]
    model.generation_config = generation
    model.half().save_pretrained(folder, safe_serialization=True)
    model.float()
    generation.save_pretrained(folder)

    extractor = WhisperFeatureExtractor(feature_size=mel_bins, chunk_length=CHUNK_SECONDS)
    extractor.save_pretrained(folder)

    reference: dict[str, torch.Tensor] = {}
    for index, wave in enumerate(inputs()):
        padded = extractor(wave, sampling_rate=SAMPLE_RATE, return_tensors="np").input_features  # torch path
        long_form = len(wave) > extractor.n_samples
        fixed = np.zeros(extractor.n_samples, dtype=np.float32)
        fixed[: min(len(wave), extractor.n_samples)] = wave[: extractor.n_samples]
        mel = extractor._np_extract_fbank_features(fixed[None, :], "cpu")[0].astype(np.float32)
        print(f"{name} input {index}: numpy vs torch extractor max diff {np.abs(mel - padded[0]).max():.2e}")
        features = torch.from_numpy(mel)[None]
        with torch.no_grad():
            encoder = model.model.encoder(features).last_hidden_state
            greedy = model.generate(features, max_new_tokens=MAX_NEW_TOKENS, num_beams=1, do_sample=False)
            beam = model.generate(features, max_new_tokens=MAX_NEW_TOKENS, num_beams=5, do_sample=False)
            stamped = model.generate(
                features, max_new_tokens=MAX_NEW_TOKENS, num_beams=1, do_sample=False, return_timestamps=True)
            prompt = [SOT, LANGUAGES["<|de|>"], TRANSCRIBE, NO_TIMESTAMPS] if multilingual else [SOT, NO_TIMESTAMPS]
            decoder_input = torch.cat([torch.tensor([prompt]), greedy[:, :MAX_NEW_TOKENS]], dim=1)
            logits = model(input_features=features, decoder_input_ids=decoder_input).logits
        reference[f"mel_{index}"] = torch.from_numpy(mel)
        reference[f"encoder_{index}"] = encoder[0]
        reference[f"decoder_input_{index}"] = decoder_input[0].float()
        reference[f"logits_{index}"] = logits[0]
        reference[f"greedy_{index}"] = greedy[0].float()
        reference[f"beam_{index}"] = beam[0].float()
        reference[f"timestamps_{index}"] = stamped[0].float()
        print(f"  greedy {greedy[0].tolist()}\n  beam   {beam[0].tolist()}\n  stamps {stamped[0].tolist()}")
        if long_form:
            # The whole clip's features (no padding to the window), decoded window by window with timestamps.
            whole = extractor._np_extract_fbank_features(wave[None, :], "cpu")[0].astype(np.float32)
            with torch.no_grad():
                long = model.generate(
                    torch.from_numpy(whole)[None], max_new_tokens=MAX_NEW_TOKENS, num_beams=1, do_sample=False,
                    return_timestamps=True)
            reference[f"mel_whole_{index}"] = torch.from_numpy(whole)
            reference[f"long_{index}"] = long[0].float()
            print(f"  long   {long[0].tolist()}")
    save_reference(name, reference)


def sinusoids(length: int, channels: int, max_timescale: float = 10000) -> torch.Tensor:
    """OpenAI Whisper's sinusoidal positions (sin half, then cos half)."""
    increment = np.log(max_timescale) / (channels // 2 - 1)
    inverse = torch.exp(-increment * torch.arange(channels // 2))
    scaled = torch.arange(length)[:, None] * inverse[None, :]
    return torch.cat([scaled.sin(), scaled.cos()], dim=1)


def main() -> None:
    waves = inputs()
    REFERENCE.mkdir(parents=True, exist_ok=True)
    save_reference("whisper-inputs", {f"raw_{i}": torch.from_numpy(w) for i, w in enumerate(waves)})
    # Stored as float16 (exact for these values) to keep the shared inputs small.
    from safetensors.torch import save_file

    save_file(
        {f"raw_{i}": torch.from_numpy(w).half() for i, w in enumerate(waves)},
        str(REFERENCE / "whisper-inputs.safetensors"))
    build("whisper-en", seed=3, mel_bins=80, multilingual=False)
    build("whisper-en-seed7", seed=7, mel_bins=80, multilingual=False)
    build("whisper-multi", seed=11, mel_bins=128, multilingual=True)
    print(json.dumps({p.name: p.stat().st_size for p in sorted(FIXTURES.glob("whisper*/*"))}, indent=1))


if __name__ == "__main__":
    main()
