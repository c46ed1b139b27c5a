import CBLAS

extension Kernels {
    /// `C = alpha · op(A) · op(B) + beta · C` for row-major Float32 matrices, through `cblas_sgemm`.
    ///
    /// `op(A)` is `m × k` and `op(B)` is `k × n`; `C` is `m × n`. With `transposeA` the stored `A` is `k × m`, with
    /// `transposeB` the stored `B` is `n × k` (the layout of Hugging Face `nn.Linear` weights, `[out, in]`).
    /// `lda`, `ldb`, `ldc` are the row strides of the stored matrices (in elements), so sub-matrices of wider
    /// buffers — one attention head inside `[seq, heads·headDim]` — need no copy.
    ///
    /// ```swift
    /// // y[tokens, out] = x[tokens, in] · Wᵀ   with W stored [out, in]
    /// Kernels.gemm(transposeA: false, transposeB: true, m: tokens, n: out, k: inDim,
    ///              a: x, lda: inDim, b: w, ldb: inDim, c: y, ldc: out)
    /// ```
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        configureBLASOnce()
        BLASGate.shared.call {
            cblas_sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        }
    }

    /// The Float64 form of `gemm` (`cblas_dgemm`), for the few places that must match a float64 reference, such as
    /// Whisper's log-mel front end (NumPy computes it in float64, and the quietest mel bands of a pure tone sit
    /// eight decades under the loudest).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        configureBLASOnce()
        BLASGate.shared.call {
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb), 0, c, blasint(ldc))
        }
    }

    /// `batchCount` independent GEMMs (see `gemm`); matrix `i` of each operand starts `i · stride` elements after
    /// the first. A stride of 0 reuses one matrix for the whole batch (e.g. a shared weight).
    ///
    /// The products run one after another, each using the BLAS thread pool, which suits large matrices. For many
    /// small products (attention heads) the attention kernel instead spreads them across cores itself.
    public static func batchedGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int, batchCount: Int
    ) {
        for index in 0..<max(batchCount, 0) {
            gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a + index * strideA, lda: lda, b: b + index * strideB, ldb: ldb,
                beta: beta, c: c + index * strideC, ldc: ldc)
        }
    }
}
