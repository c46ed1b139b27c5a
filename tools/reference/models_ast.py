"""Tiny random Audio Spectrogram Transformer and its transformers outputs.

AST reads a log-mel fbank [time, mel]; it transposes it to [mel, time] and runs a 16×16 patch conv with stride 10
on both axes, so patches are ordered mel-row first. With 32 mel bins and 40 frames that is 2 × 3 = 6 patches,
plus the CLS and distillation tokens.
Writes Tests/Fixtures/models/ast/ (config.json, model.safetensors, preprocessor_config.json) and
Tests/Fixtures/models/reference/ast.safetensors with:
  fbank [2, 40, 32], fbank_patches [2, 6, 256], last_hidden [2, 8, 48], pooler [2, 48] (mean of CLS and
  distillation tokens after the final LayerNorm);
  end to end from samples/audio/horse.wav through ASTFeatureExtractor (first max_length frames):
  wav_fbank [1, 40, 32], wav_pooler [1, 48].
Run: /work/venv/bin/python tools/reference/models_ast.py
"""
import soundfile
import torch
from transformers import ASTConfig, ASTFeatureExtractor, ASTModel

from models_common import ROOT, fresh_dir, patches, randomize, save_reference


def main() -> None:
    folder = fresh_dir("ast")
    config = ASTConfig(hidden_size=48, num_hidden_layers=3, num_attention_heads=3, intermediate_size=84,
                       patch_size=16, num_mel_bins=32, max_length=40, frequency_stride=10, time_stride=10,
                       hidden_act="gelu", qkv_bias=True)
    torch.manual_seed(0)
    model = ASTModel(config).eval()
    randomize(model, seed=6)
    model.save_pretrained(folder)
    extractor = ASTFeatureExtractor(num_mel_bins=32, max_length=40)
    extractor.save_pretrained(folder)

    fbank = torch.randn(2, 40, 32, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        out = model(input_values=fbank)
    audio, rate = soundfile.read(ROOT / "samples" / "audio" / "horse.wav", dtype="float32")
    wav_fbank = extractor(audio, sampling_rate=rate, return_tensors="pt")["input_values"]
    with torch.no_grad():
        wav_pooler = model(input_values=wav_fbank).pooler_output
    spectrogram = fbank.transpose(1, 2).unsqueeze(1)  # [B, 1, mel, time], as ASTPatchEmbeddings sees it
    save_reference("ast", {
        "fbank": fbank, "fbank_patches": patches(spectrogram, 16, (10, 10)),
        "last_hidden": out.last_hidden_state, "pooler": out.pooler_output,
        "wav_fbank": wav_fbank, "wav_pooler": wav_pooler,
    })


if __name__ == "__main__":
    main()
