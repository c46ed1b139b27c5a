import Foundation

/// `torch.optim.AdamW` over a `BERTParameters` buffer, with weight decay only where transformers' `Trainer`
/// applies it (not on biases or LayerNorm tensors), preceded by `clip_grad_norm_` as the trainer does.
///
/// Per element, at step t: p ← p·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
public final class AdamW: @unchecked Sendable {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private let parameters: BERTParameters
    private let firstMoment: FloatBuffer, secondMoment: FloatBuffer
    /// Per-element weight decay (λ or 0), laid out like the parameters.
    private let decay: FloatBuffer
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
        decay = FloatBuffer(count: parameters.count)
        for slot in parameters.slots where Self.decays(slot.name) {
            (decay.pointer + slot.offset).update(repeating: weightDecay, count: slot.count)
        }
    }

    /// transformers' `get_decay_parameter_names`: everything but biases and LayerNorm weights.
    static func decays(_ name: String) -> Bool { !name.contains("bias") && !name.contains("LayerNorm") }

    /// Scales `gradients` so their global L2 norm is at most `maxNorm` (`clip_grad_norm_`: coefficient
    /// maxNorm / (norm + 1e-6), applied when below 1) and returns the norm before clipping.
    @discardableResult
    static func clipGradientNorm(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
        var squares = 0.0
        for i in 0..<gradients.count { squares += Double(gradients[i]) * Double(gradients[i]) }
        let norm = Float(squares.squareRoot())
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for i in 0..<gradients.count { gradients[i] *= coefficient }
        }
        return norm
    }

    /// One update of every parameter from `gradients` at learning rate `learningRate`.
    func update(gradients: FloatBuffer, learningRate: Float) {
        step += 1
        let t = Float(step)
        let correction1 = 1 - Float.pow(beta1, t), correction2Root = (1 - Float.pow(beta2, t)).squareRoot()
        let stepSize = learningRate / correction1
        let p = parameters.values.pointer, m = firstMoment.pointer, v = secondMoment.pointer
        let g = gradients.pointer, lambda = decay.pointer
        for i in 0..<parameters.count {
            p[i] *= 1 - learningRate * lambda[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + epsilon)
        }
    }
}

extension Float {
    static func pow(_ base: Float, _ exponent: Float) -> Float { Float(Foundation.pow(Double(base), Double(exponent))) }
}
