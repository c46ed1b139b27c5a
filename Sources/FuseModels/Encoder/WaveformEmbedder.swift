import Dispatch
import Foundation
import FuseCore

/// Embeds raw waveforms (wav2vec2, HuBERT): conv feature encoder → LayerNorm + linear feature projection →
/// positional conv embedding added → (post-LN models) the encoder's input LayerNorm. The tokens are the audio
/// plugin's waveform recipe output, `.features([samples, 1])` (zero-mean unit-variance when the checkpoint's
/// `preprocessor_config.json` asks for it).
///
/// Each input is encoded on its own at its own length, so an input's frames never depend on what it is batched
/// with: that is transformers' output for the input alone, and equals transformers' padded batch with an
/// attention mask for "layer" models (their convs and LayerNorms are frame-local; the padded frames are zeroed
/// before the positional conv, exactly like the zero padding an input alone gets). "group" models (wav2vec2-base,
/// HuBERT-base) normalise the first conv over the whole clip, so transformers' padded batches differ from single
/// inputs; Fuse gives the single-input result (see docs/MODELS.md).
public struct WaveformEmbedder: ModalityEmbedder {
    public let modality: Modality
    public let featureEncoder: ConvFeatureEncoder
    /// `feature_projection.layer_norm` (HuBERT without `feat_proj_layer_norm` has none).
    public let projectionNorm: LayerNormWeights?
    /// `feature_projection.projection`, `conv_dim[-1]` → hidden.
    public let projection: Linear
    public let positions: PositionalConvEmbedding
    /// The post-LN encoder's `encoder.layer_norm`, applied to the embedded frames before the first block (the
    /// stable-layer-norm encoder applies its own after the last block instead, as the encoder's final norm).
    public let inputNorm: LayerNormWeights?

    public init(
        modality: Modality = .audio, featureEncoder: ConvFeatureEncoder, projectionNorm: LayerNormWeights?,
        projection: Linear, positions: PositionalConvEmbedding, inputNorm: LayerNormWeights?
    ) {
        self.modality = modality
        self.featureEncoder = featureEncoder
        self.projectionNorm = projectionNorm
        self.projection = projection
        self.positions = positions
        self.inputNorm = inputNorm
    }

    public var hiddenSize: Int { projection.outFeatures }

    public func embed(_ batch: [Tokens]) throws -> EmbeddedBatch {
        var waveforms: [(tensor: Tensor, samples: Int)] = []
        for tokens in batch {
            guard case .features(let tensor) = tokens.content else {
                throw ModelError.unsupportedModality(
                    model: "\(modality) waveform embedder",
                    modality: "\(tokens.modality) ids",
                    available: ["\(modality) waveform samples [n, 1]"])
            }
            guard tensor.shape[1] == 1 else {
                throw ModelError.featureWidth(modality: modality.name, expected: 1, found: tensor.shape[1])
            }
            // Padding (mask 0) may only trail the samples, as a padded batch has it.
            let samples = tokens.attentionMask.firstIndex(of: 0) ?? tokens.count
            guard featureEncoder.outputLength(samples: samples) > 0 else {
                throw ModelError.inputTooShort(
                    modality: modality.name, length: samples,
                    minimum: featureEncoder.minimumSamples, unit: "samples")
            }
            waveforms.append((tensor, samples))
        }
        let frames = waveforms.map { featureEncoder.outputLength(samples: $0.samples) }
        let sequence = frames.max() ?? 0
        let width = hiddenSize
        var mask = [Int32](repeating: 0, count: batch.count * sequence)
        for (item, count) in frames.enumerated() {
            for t in 0..<count { mask[item * sequence + t] = 1 }
        }
        let hidden = Tensor(shape: [batch.count, sequence, width]) { out in
            out.update(repeating: 0)
            for (item, waveform) in waveforms.enumerated() {
                let features = waveform.tensor.withUnsafeBufferPointer {
                    featureEncoder(UnsafeBufferPointer(rebasing: $0[0..<waveform.samples]))
                }
                let rows = features.shape[0]
                let base = out.baseAddress! + item * sequence * width
                var normed = features
                normed.withUnsafeMutableBufferPointer { x in
                    projectionNorm?.apply(x.baseAddress!, rows: rows)
                    projection.apply(x.baseAddress!, rows: rows, output: base)
                }
                positions.addPositions(base, frames: rows)
            }
            // Padded frames get the norm too (transformers normalises the whole padded batch); they stay masked.
            inputNorm?.apply(out.baseAddress!, rows: batch.count * sequence)
        }
        return EmbeddedBatch(hidden: hidden, mask: mask, ids: nil, prefixCount: 0)
    }
}
