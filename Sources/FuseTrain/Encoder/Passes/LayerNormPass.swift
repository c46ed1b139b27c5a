import CFuseKernels
import FuseCore

/// LayerNorm over the last axis, `y = (x − μ)·rstd·γ + β`, keeping μ and rstd per row for the backward. The forward
/// also forms its input in place, the residual sum `x ⊙ mask + b` (a sub-layer's output, its dropout mask, the skip
/// path). Rows are spread over the cores (`fuse_train_layernorm_*`).
enum LayerNormPass {
    /// Makes `residual` into `residual ⊙ mask + b` (`mask`, `b` optional), then writes `y`, `mean`, `rstd`.
    static func forward(
        residual: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>? = nil, plus b: UnsafePointer<Float>? = nil,
        rows: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
        into y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>
    ) {
        Kernels.parallelChunks(count: rows, work: rows * width, minimumWork: 1 << 14) { chunk in
            let start = chunk.lowerBound * width
            fuse_train_layernorm_forward(
                residual + start, mask.map { $0 + start }, b.map { $0 + start }, Int64(chunk.count), Int64(width),
                weight, bias, epsilon, y + start, mean + chunk.lowerBound, rstd + chunk.lowerBound)
        }
    }

    /// Writes dx from dy, the forward input and its saved statistics (and `dxMasked = dx ⊙ mask` when given, the
    /// gradient that continues through a dropout), and accumulates dγ, dβ.
    static func backward(
        _ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>,
        mask: UnsafePointer<Float>? = nil, dxMasked: UnsafeMutablePointer<Float>? = nil
    ) {
        Kernels.parallelChunks(count: rows, work: rows * width, minimumWork: 1 << 14) { chunk in
            let start = chunk.lowerBound * width
            fuse_train_layernorm_backward_rows(
                dy + start, x + start, mean + chunk.lowerBound, rstd + chunk.lowerBound, weight, Int64(chunk.count),
                Int64(width), mask.map { $0 + start }, dx + start, dxMasked.map { $0 + start })
        }
        Kernels.parallelChunks(count: width, work: rows * width, minimumWork: 1 << 14) { columns in
            fuse_train_layernorm_backward_parameters(
                dy, x, mean, rstd, Int64(rows), Int64(width), Int64(columns.lowerBound), Int64(columns.count), dWeight,
                dBias)
        }
    }
}
