import Foundation
import FuseCore

/// wav2vec2 / HuBERT's feature encoder: a stack of strided `Conv1d`s over the raw waveform (transformers'
/// `Wav2Vec2FeatureEncoder`), each followed by GELU. With `feat_extract_norm` "group" only the first conv is
/// normalised, by a `GroupNorm` with one group per channel (each channel over the whole clip); with "layer" every
/// conv is followed by a `LayerNorm` over the channels of each frame.
///
/// Signals and activations are time-major (`[frames, channels]`), so each conv is `Kernels.conv1d`'s im2col + GEMM.
public struct ConvFeatureEncoder: Sendable {
    /// `feat_extract_norm`.
    public enum Normalization: String, Sendable {
        case group
        case layer
    }

    /// One conv layer: weight `[out, kernel, in]` (torch's `[out, in, kernel]` reordered at load), optional bias,
    /// and its norm (the GroupNorm's or LayerNorm's per-channel scale and shift), if any.
    public struct Layer: Sendable {
        public let weight: Tensor
        public let bias: Tensor?
        public let inChannels: Int
        public let outChannels: Int
        public let kernel: Int
        public let stride: Int
        public let norm: LayerNormWeights?
        /// The conv as a reduced-precision linear layer over im2col rows (`weight` read as `[out, kernel·in]`), set
        /// when the model runs bf16 or int8 (`ConvFeatureEncoder.converted(_:)`); nil computes the exact fp32 conv.
        public internal(set) var reduced: Linear?

        public init(torchWeight: Tensor, bias: Tensor?, stride: Int, norm: LayerNormWeights?) throws {
            let (out, inputs, kernel) = (torchWeight.shape[0], torchWeight.shape[1], torchWeight.shape[2])
            let reordered = torchWeight.withUnsafeBufferPointer {
                Kernels.conv1dWeightTimeMajor($0, outChannels: out, inChannels: inputs, kernel: kernel)
            }
            weight = try Tensor(shape: [out, kernel, inputs], values: reordered)
            self.bias = bias
            inChannels = inputs
            outChannels = out
            self.kernel = kernel
            self.stride = stride
            self.norm = norm
            reduced = nil
        }
    }

    public let layers: [Layer]
    public let normalization: Normalization
    public let activation: Activation

    public init(layers: [Layer], normalization: Normalization, activation: Activation) {
        self.layers = layers
        self.normalization = normalization
        self.activation = activation
    }

    /// Channels of the last conv (`conv_dim[-1]`).
    public var outputChannels: Int { layers.last?.outChannels ?? 1 }

    /// Frames the stack makes of `samples` samples (transformers' `_get_feat_extract_output_lengths`).
    public func outputLength(samples: Int) -> Int {
        layers.reduce(samples) { Kernels.conv1dOutputLength(inputLength: $0, kernel: $1.kernel, stride: $1.stride) }
    }

    /// The fewest samples that give one frame (the stack's receptive field).
    public var minimumSamples: Int {
        var field = 1, hop = 1
        for layer in layers {
            field += (layer.kernel - 1) * hop
            hop *= layer.stride
        }
        return field
    }

    /// `[frames, outputChannels]` features of a mono waveform (`frames` may be 0 for a signal shorter than
    /// `minimumSamples`).
    public func callAsFunction(_ samples: UnsafeBufferPointer<Float>) -> Tensor {
        var current = Tensor(shape: [samples.count, 1]) { out in
            if !samples.isEmpty { out.baseAddress!.update(from: samples.baseAddress!, count: samples.count) }
        }
        for (index, layer) in layers.enumerated() {
            let length = current.shape[0]
            let frames = Kernels.conv1dOutputLength(inputLength: length, kernel: layer.kernel, stride: layer.stride)
            current = Tensor(shape: [frames, layer.outChannels]) { out in
                guard frames > 0 else { return }
                current.withUnsafeBufferPointer { input in
                    if let reduced = layer.reduced {
                        Self.reducedConv(
                            reduced, input: input.baseAddress!, layer: layer, output: out.baseAddress!, frames: frames)
                        return
                    }
                    layer.weight.withUnsafeBufferPointer { weight in
                        let bias = layer.bias?.withUnsafeBufferPointer { $0.baseAddress }
                        Kernels.conv1d(
                            input: input.baseAddress!, inputLength: length, inChannels: layer.inChannels,
                            weight: weight.baseAddress!, bias: bias, outChannels: layer.outChannels,
                            kernel: layer.kernel, stride: layer.stride, padding: 0, groups: 1,
                            output: out.baseAddress!, outputRows: frames)
                    }
                }
                if let norm = layer.norm {
                    switch normalization {
                    case .layer: norm.apply(out.baseAddress!, rows: frames)
                    case .group where index == 0: Self.channelNorm(out.baseAddress!, frames: frames, norm: norm)
                    case .group: break
                    }
                }
                activation.apply(out.baseAddress!, count: frames * layer.outChannels)
            }
        }
        return current
    }

    /// `GroupNorm(num_groups = channels)`: every channel normalised over the clip's frames (biased variance, as
    /// torch), then scaled and shifted per channel. Sums in Double: a clip has tens of thousands of frames.
    static func channelNorm(_ x: UnsafeMutablePointer<Float>, frames: Int, norm: LayerNormWeights) {
        let channels = norm.width
        var sums = [Double](repeating: 0, count: channels)
        for t in 0..<frames {
            let row = x + t * channels
            for c in 0..<channels { sums[c] += Double(row[c]) }
        }
        let means = sums.map { $0 / Double(frames) }
        var squares = [Double](repeating: 0, count: channels)
        for t in 0..<frames {
            let row = x + t * channels
            for c in 0..<channels {
                let deviation = Double(row[c]) - means[c]
                squares[c] += deviation * deviation
            }
        }
        norm.weight.withUnsafeBufferPointer { weight in
            norm.bias.withUnsafeBufferPointer { bias in
                // (x − mean) · scale + bias, not x · scale + shift: a channel whose mean dwarfs its spread would
                // lose its digits to cancellation in the folded form.
                let mean = means.map { Float($0) }
                var scale = [Float](repeating: 0, count: channels)
                for c in 0..<channels {
                    scale[c] = Float(1 / (squares[c] / Double(frames) + Double(norm.epsilon)).squareRoot()) * weight[c]
                }
                for t in 0..<frames {
                    let row = x + t * channels
                    for c in 0..<channels { row[c] = (row[c] - mean[c]) * scale[c] + bias[c] }
                }
            }
        }
    }
}
