import CFuseKernels
import FuseCore

/// Inverted dropout as `nn.Dropout` in training mode: each element is kept with probability 1 − p and scaled by
/// 1/(1 − p), else zeroed. The mask (0 or 1/(1 − p) per element) is kept for the backward, which multiplies by it.
/// The random stream is Fuse's own (SplitMix64), so runs are reproducible but not torch's draws.
enum DropoutPass {
    /// Fills `mask` for `count` elements with the next `count` draws of `random` (one per element, in order; the
    /// kernel computes draw i directly, so chunks fill on every core), and advances `random` past them.
    static func drawMask(
        _ mask: UnsafeMutablePointer<Float>, count: Int, probability: Float, random: inout SplitMix64
    ) {
        let state = random.state
        Kernels.parallelChunks(count: count, grain: 1 << 14) { chunk in
            fuse_train_dropout_mask(
                state, Int64(chunk.lowerBound), Int64(chunk.count), probability, mask + chunk.lowerBound)
        }
        random.state &+= UInt64(count) &* 0x9E37_79B9_7F4A_7C15
    }

    /// x ⊙ mask, in place.
    static func apply(_ x: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] *= mask[i] }
    }
}
