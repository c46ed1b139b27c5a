import Foundation
import FuseCore

/// wav2vec2 / HuBERT's relative positions (transformers' `Wav2Vec2PositionalConvEmbedding`): a grouped `Conv1d`
/// of `kernel` taps over the frames, zero-padded by `kernel / 2` on both sides, its output cut to the input's length
/// (an even kernel makes one frame too many, which `Wav2Vec2SamePadLayer` drops), then GELU; the result is added to
/// the frames. HuBERT's `conv_pos_batch_norm` variant normalises the frames with an eval-mode `BatchNorm1d` before
/// the conv.
///
/// Checkpoints store the conv weight-normed (`weight = g · v / ‖v‖` with the norm over all axes but the tap axis):
/// the loader folds it into one plain weight once.
public struct PositionalConvEmbedding: Sendable {
    /// `[hidden, kernel, hidden / groups]` (time-major, see `Kernels.conv1d`).
    public let weight: Tensor
    public let bias: Tensor
    public let kernel: Int
    public let groups: Int
    public let activation: Activation
    /// Per-channel `scale`, `shift` of an eval-mode `BatchNorm1d` applied before the conv, when the model has one.
    public let batchNorm: (scale: [Float], shift: [Float])?

    /// - Parameter torchWeight: the plain conv weight `[hidden, hidden / groups, kernel]`.
    public init(
        torchWeight: Tensor, bias: Tensor, groups: Int, activation: Activation,
        batchNorm: (scale: [Float], shift: [Float])? = nil
    ) throws {
        let (out, perGroup, kernel) = (torchWeight.shape[0], torchWeight.shape[1], torchWeight.shape[2])
        let reordered = torchWeight.withUnsafeBufferPointer {
            Kernels.conv1dWeightTimeMajor($0, outChannels: out, inChannels: perGroup, kernel: kernel)
        }
        weight = try Tensor(shape: [out, kernel, perGroup], values: reordered)
        self.bias = bias
        self.kernel = kernel
        self.groups = groups
        self.activation = activation
        self.batchNorm = batchNorm
    }

    public var width: Int { weight.shape[0] }

    /// Folds weight normalisation with `dim=2` (torch's `weight_norm(conv, dim=2)`): `g` `[1, 1, kernel]`,
    /// `v` `[out, in, kernel]`, `weight[o, i, k] = g[k] · v[o, i, k] / ‖v[:, :, k]‖`.
    public static func foldWeightNorm(g: Tensor, v: Tensor) throws -> Tensor {
        let kernel = v.shape[2]
        let rows = v.shape[0] * v.shape[1]
        var norms = [Double](repeating: 0, count: kernel)
        let values = v.scalars, magnitudes = g.scalars
        for row in 0..<rows {
            for k in 0..<kernel {
                let x = Double(values[row * kernel + k])
                norms[k] += x * x
            }
        }
        var folded = values
        for row in 0..<rows {
            for k in 0..<kernel {
                folded[row * kernel + k] = Float(
                    Double(magnitudes[k]) * Double(values[row * kernel + k])
                        / norms[k].squareRoot())
            }
        }
        return try Tensor(shape: v.shape, values: folded)
    }

    /// Adds the positional embedding of `frames` rows of `hidden` (`[frames, width]`) to them, in place.
    public func addPositions(_ hidden: UnsafeMutablePointer<Float>, frames: Int) {
        guard frames > 0 else { return }
        let width = self.width
        var source = UnsafePointer(hidden)
        var normed: UnsafeMutablePointer<Float>?
        if let batchNorm {
            let copy = UnsafeMutablePointer<Float>.allocate(capacity: frames * width)
            for t in 0..<frames {
                for c in 0..<width {
                    copy[t * width + c] = hidden[t * width + c] * batchNorm.scale[c] + batchNorm.shift[c]
                }
            }
            normed = copy
            source = UnsafePointer(copy)
        }
        defer { normed?.deallocate() }
        let positions = UnsafeMutablePointer<Float>.allocate(capacity: frames * width)
        defer { positions.deallocate() }
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.conv1d(
                    input: source, inputLength: frames, inChannels: width, weight: w.baseAddress!,
                    bias: b.baseAddress, outChannels: width, kernel: kernel, stride: 1,
                    padding: kernel / 2, groups: groups, output: positions, outputRows: frames)
            }
        }
        activation.apply(positions, count: frames * width)
        Kernels.add(hidden, positions, count: frames * width)
    }
}
