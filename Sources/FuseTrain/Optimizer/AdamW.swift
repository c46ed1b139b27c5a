import CFuseKernels
import Foundation
import FuseCore

/// `torch.optim.AdamW` over a `BERTParameters` buffer, with weight decay only where transformers' `Trainer`
/// applies it (not on biases or LayerNorm tensors), preceded by `clip_grad_norm_` as the trainer does.
///
/// Per element, at step t: p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε) — one fused pass over the buffers (`fuse_train_adamw`), spread over
/// the cores, which applies the clipping coefficient to g as it reads it.
public final class AdamW: @unchecked Sendable {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private let parameters: BERTParameters
    private let firstMoment: FloatBuffer, secondMoment: FloatBuffer
    /// Runs of adjacent tensors with the same weight decay (λ or 0), in storage order.
    private let segments: [(offset: Int, count: Int, decay: Float)]
    /// Steps taken so far.
    public private(set) var step = 0

    public init(
        parameters: BERTParameters, weightDecay: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8
    ) {
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: parameters.count)
        secondMoment = FloatBuffer(count: parameters.count)
        var segments: [(offset: Int, count: Int, decay: Float)] = []
        for slot in parameters.slots {
            let decay = Self.decays(slot.name) ? weightDecay : 0
            if let last = segments.last, last.decay == decay, last.offset + last.count == slot.offset {
                segments[segments.count - 1].count += slot.count
            } else {
                segments.append((slot.offset, slot.count, decay))
            }
        }
        self.segments = segments
    }

    /// transformers' `get_decay_parameter_names`: everything but biases and LayerNorm weights.
    static func decays(_ name: String) -> Bool { !name.contains("bias") && !name.contains("LayerNorm") }

    /// `clip_grad_norm_`'s factor for a gradient of global L2 norm `norm`: maxNorm / (norm + 1e-6) when that is
    /// below 1, else 1 (no clipping).
    static func clipCoefficient(norm: Float, maxNorm: Float) -> Float {
        let coefficient = maxNorm / (norm + 1e-6)
        return coefficient < 1 ? coefficient : 1
    }

    /// One update of every parameter from `gradients` times `gradientScale` (the clipping coefficient) at learning
    /// rate `learningRate`. With `zeroGradients` the gradient buffer is cleared in the same pass. `sparse` names a
    /// table (the word embeddings) whose rows outside `rows` have zero gradient and moments: they only decay.
    func update(
        gradients: FloatBuffer, learningRate: Float, gradientScale: Float = 1, zeroGradients: Bool = false,
        sparse: (slot: BERTParameters.Slot, rows: TouchedRows)? = nil
    ) {
        step += 1
        let t = Float(step)
        let correction1 = 1 - Float.pow(beta1, t), correction2Root = (1 - Float.pow(beta2, t)).squareRoot()
        let p = parameters.values.pointer, m = firstMoment.pointer, v = secondMoment.pointer, g = gradients.pointer
        let constants = fuse_train_adamw_step(
            learning_rate: learningRate, decay: 0, beta1: beta1, beta2: beta2, epsilon: epsilon,
            step_size: learningRate / correction1, correction2_root: correction2Root, gradient_scale: gradientScale,
            zero_gradients: zeroGradients ? 1 : 0)
        let run = { (start: Int, count: Int, decay: Float) in
            var segmentStep = constants
            segmentStep.decay = decay
            fuse_train_adamw(&segmentStep, p + start, m + start, v + start, g + start, Int64(count))
        }
        let sparseRange = sparse.map { $0.slot.offset..<($0.slot.offset + $0.slot.count) } ?? 0..<0
        let segments = self.segments
        Kernels.parallelChunks(count: parameters.count, grain: 1 << 16) { chunk in
            for segment in segments {
                // The sparse table's elements are left to the loop below.
                for part in Self.subtracting(sparseRange, from: segment.offset..<(segment.offset + segment.count)) {
                    let start = max(chunk.lowerBound, part.lowerBound), end = min(chunk.upperBound, part.upperBound)
                    if start < end { run(start, end - start, segment.decay) }
                }
            }
        }
        guard let sparse else { return }
        let width = sparse.slot.shape.count > 1 ? sparse.slot.shape[1] : 1, base = sparse.slot.offset
        let decay = Self.decays(sparse.slot.name) ? weightDecay : 0
        let keep = 1 - learningRate * decay
        sparse.rows.flags.withUnsafeBufferPointer { touched in
            Kernels.parallelChunks(count: touched.count, grain: 1 << 10) { rows in
                var row = rows.lowerBound
                while row < rows.upperBound {
                    var end = row + 1
                    while end < rows.upperBound, touched[end] == touched[row] { end += 1 }
                    let start = base + row * width, count = (end - row) * width
                    if touched[row] {
                        run(start, count, decay)
                    } else {
                        // Zero gradient and moments: AdamW's step is exactly p·(1 − lr·λ).
                        for i in start..<(start + count) { p[i] *= keep }
                    }
                    row = end
                }
            }
        }
    }

    /// The parts of `range` outside `hole` (zero, one or two ranges).
    private static func subtracting(_ hole: Range<Int>, from range: Range<Int>) -> [Range<Int>] {
        guard !hole.isEmpty, hole.overlaps(range) else { return [range] }
        return [range.lowerBound..<hole.lowerBound, hole.upperBound..<range.upperBound].filter { !$0.isEmpty }
    }
}

extension Float {
    static func pow(_ base: Float, _ exponent: Float) -> Float { Float(Foundation.pow(Double(base), Double(exponent))) }
}
