import Foundation
import FuseCore

/// Audio Spectrogram Transformer (`model_type: audio-spectrogram-transformer`): a 16 × 16 patch conv over the
/// log-mel fbank (mel × time) with strides `frequency_stride` × `time_stride`, CLS and distillation tokens,
/// learned positions, pre-LN blocks and a final LayerNorm; the embedding averages the CLS and distillation tokens.
///
/// The positions cover exactly the patch grid of `max_length` frames, so the audio plugin pads or cuts the
/// fbank to `max_length` frames (passed as `PreprocessingContext.maxTokens`).
public enum ASTFamily: ModelFamily {
    public static let modelTypes = ["audio-spectrogram-transformer"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let encoderConfig = try EncoderConfig.huggingFace(config, normPlacement: .pre, defaultEpsilon: 1e-12)
        let weights = try Weights(directory: directory, anchor: "embeddings.patch_embeddings.projection.weight")
        let width = encoderConfig.hiddenSize
        let patch = try config.size("patch_size")
        let frequencyStride = try config.size("frequency_stride")
        let timeStride = try config.size("time_stride")
        let mel = try config.size("num_mel_bins")
        let frames = try config.size("max_length")
        guard mel >= patch, frames >= patch else {
            throw config.invalid(
                "num_mel_bins", "(\(mel)) and max_length (\(frames)) must be at least patch_size \(patch)")
        }
        let grid = ((mel - patch) / frequencyStride + 1) * ((frames - patch) / timeStride + 1)
        let why =
            "num_mel_bins \(mel), max_length \(frames), patch_size \(patch), strides \(frequencyStride)×"
            + "\(timeStride), hidden_size \(width)"
        let cls = try weights.tensor("embeddings.cls_token", shape: [1, width], because: why)
        let distillation = try weights.tensor("embeddings.distillation_token", shape: [1, width], because: why)
        let prefix = try Tensor(shape: [2, width], values: cls.scalars + distillation.scalars)
        let embedder = try PatchEmbedder(
            modality: .audio,
            convolutionWeight: try weights.tensor(
                "embeddings.patch_embeddings.projection.weight",
                shape: [width, 1, patch, patch], because: why),
            bias: try weights.tensor("embeddings.patch_embeddings.projection.bias", shape: [width], because: why),
            prefix: prefix,
            positions: try weights.tensor("embeddings.position_embeddings", shape: [grid + 2, width], because: why))
        let encoder = TransformerEncoder(
            config: encoderConfig, layers: try weights.encoderLayers(encoderConfig, naming: .vit()),
            finalNorm: try weights.layerNorm(
                "layernorm", width: width, epsilon: encoderConfig.layerNormEpsilon,
                because: why))
        let tower = Tower(modality: .audio, embedder: embedder, encoder: encoder, pooling: .prefixMean(count: 2))
        return EncoderModel(
            directory: directory, modelType: "audio-spectrogram-transformer", towers: [.audio: tower],
            preprocessing: [
                .audio: PreprocessingContext(
                    modelDirectory: directory, maxTokens: frames,
                    patchSize: patch, patchStride: [frequencyStride, timeStride])
            ])
    }
}
