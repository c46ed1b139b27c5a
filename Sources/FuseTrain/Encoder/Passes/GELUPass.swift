import CFuseKernels
import FuseCore

/// BERT's `gelu`: x·Φ(x) with the exact (erf) normal CDF, and its derivative Φ(x) + x·φ(x); erf to 1.5e-7 as
/// PyTorch's vectorised CPU kernel computes it (`fuse_train_gelu_*`), spread over the cores.
enum GELUPass {
    static func forward(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        Kernels.parallelChunks(count: count, grain: 1 << 14) { chunk in
            fuse_train_gelu_forward(x + chunk.lowerBound, Int64(chunk.count), y + chunk.lowerBound)
        }
    }

    /// gradient ← gradient · GELU′(x), in place.
    static func backward(_ gradient: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count: Int) {
        Kernels.parallelChunks(count: count, grain: 1 << 14) { chunk in
            fuse_train_gelu_backward(gradient + chunk.lowerBound, x + chunk.lowerBound, Int64(chunk.count))
        }
    }
}
