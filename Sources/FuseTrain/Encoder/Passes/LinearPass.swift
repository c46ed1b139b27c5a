import FuseCore

/// `y = x·Wᵀ + b` over `rows` rows, W stored `[out, in]` as in `nn.Linear`, and its backward.
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

    /// Accumulates dW += dyᵀ·x, db += Σ dy, and dx += dy·W (each `+=`, so gradients of shared inputs add up).
    static func backward(
        _ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, inputs: Int, outputs: Int,
        weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>
    ) {
        Kernels.gemm(
            transposeA: true, transposeB: false, m: outputs, n: inputs, k: rows,
            a: dy, lda: outputs, b: x, ldb: inputs, beta: 1, c: dWeight, ldc: inputs)
        for r in 0..<rows {
            let row = dy + r * outputs
            for o in 0..<outputs { dBias[o] += row[o] }
        }
        Kernels.gemm(
            transposeA: false, transposeB: false, m: rows, n: inputs, k: outputs,
            a: dy, lda: outputs, b: weight, ldb: inputs, beta: 1, c: dx, ldc: inputs)
    }
}
