import CFuseKernels
import FuseCore

/// `y = x·Wᵀ + b` over `rows` rows, W stored `[out, in]` as in `nn.Linear`, and its backward; the products go
/// through BLAS with transpose flags (nothing is transposed in memory).
enum LinearPass {
    static func forward(
        _ x: UnsafePointer<Float>, rows: Int, inputs: Int, outputs: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows { (y + r * outputs).update(from: bias, count: outputs) }
        Kernels.gemm(
            transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs,
            a: x, lda: inputs, b: weight, ldb: inputs, beta: 1, c: y, ldc: outputs)
    }

    /// Accumulates dW += dyᵀ·x and db += Σ dy; dx = dy·W, or dx += dy·W with `accumulate` (gradients of an input
    /// that also feeds a residual path add up).
    static func backward(
        _ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, inputs: Int, outputs: Int,
        weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>, accumulate: Bool = true
    ) {
        Kernels.gemm(
            transposeA: true, transposeB: false, m: outputs, n: inputs, k: rows,
            a: dy, lda: outputs, b: x, ldb: inputs, beta: 1, c: dWeight, ldc: inputs)
        Kernels.parallelChunks(count: outputs, work: outputs * rows, minimumWork: 1 << 15) { columns in
            fuse_train_column_sums(
                dy, Int64(rows), Int64(outputs), Int64(columns.lowerBound), Int64(columns.count), dBias)
        }
        Kernels.gemm(
            transposeA: false, transposeB: false, m: rows, n: inputs, k: outputs,
            a: dy, lda: outputs, b: weight, ldb: inputs, beta: accumulate ? 1 : 0, c: dx, ldc: inputs)
    }
}
