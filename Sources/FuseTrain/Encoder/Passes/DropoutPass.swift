import FuseCore

/// Inverted dropout as `nn.Dropout` in training mode: each element is kept with probability 1 − p and scaled by
/// 1/(1 − p), else zeroed. The mask (0 or 1/(1 − p) per element) is kept for the backward, which multiplies by it.
/// The random stream is Fuse's own (SplitMix64), so runs are reproducible but not torch's draws.
enum DropoutPass {
    /// Fills `mask` for `count` elements.
    static func drawMask(
        _ mask: UnsafeMutablePointer<Float>, count: Int, probability: Float, random: inout SplitMix64
    ) {
        let scale = 1 / (1 - probability)
        for i in 0..<count { mask[i] = Float(random.nextUnit()) < probability ? 0 : scale }
    }

    /// x ⊙ mask, in place.
    static func apply(_ x: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] *= mask[i] }
    }
}
