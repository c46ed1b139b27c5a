import Foundation
import FuseCore

/// Multi-head scaled dot-product self-attention with a key padding mask, per sequence and head:
/// `P = softmax(Q·Kᵀ/√d + mask)`, `ctx = P·V`. Q, K, V and ctx are `[B·T, C]` with head h in columns
/// `h·d ..< (h+1)·d`; P is kept (`[B, H, T, T]`) for the backward. Masked keys get probability exactly 0, as
/// with transformers' additive `finfo.min` mask.
enum AttentionPass {
    struct Sizes {
        let batch: Int, sequence: Int, heads: Int, headSize: Int
        var hidden: Int { heads * headSize }
    }

    /// With `dropout` (mask, output), the probabilities times the mask are written to the output buffer and
    /// multiply V (`nn.Dropout` on the attention probabilities); P itself is kept for the softmax backward.
    static func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, mask: [Float], sizes: Sizes,
        probabilities p: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
        dropout: (mask: UnsafePointer<Float>, dropped: UnsafeMutablePointer<Float>)? = nil
    ) {
        let t = sizes.sequence, c = sizes.hidden, d = sizes.headSize
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<sizes.batch {
            for h in 0..<sizes.heads {
                let base = b * t * c + h * d
                let scores = p + (b * sizes.heads + h) * t * t
                Kernels.gemm(
                    transposeA: false, transposeB: true, m: t, n: t, k: d, alpha: scale,
                    a: q + base, lda: c, b: k + base, ldb: c, c: scores, ldc: t)
                for i in 0..<t {
                    let row = scores + i * t
                    var largest = -Float.infinity
                    for j in 0..<t where mask[b * t + j] != 0 { largest = max(largest, row[j]) }
                    var total: Float = 0
                    for j in 0..<t {
                        let e = mask[b * t + j] != 0 ? expf(row[j] - largest) : 0
                        row[j] = e
                        total += e
                    }
                    for j in 0..<t { row[j] /= total }
                }
                var weights = UnsafePointer(scores)
                if let dropout {
                    let offset = (b * sizes.heads + h) * t * t
                    for i in 0..<(t * t) { dropout.dropped[offset + i] = scores[i] * dropout.mask[offset + i] }
                    weights = UnsafePointer(dropout.dropped + offset)
                }
                Kernels.gemm(
                    transposeA: false, transposeB: false, m: t, n: d, k: t,
                    a: weights, lda: t, b: v + base, ldb: c, c: context + base, ldc: c)
            }
        }
    }

    /// Writes dQ, dK, dV (overwriting) from dctx; `scratch` holds `T·T` floats. With `dropout`, V was multiplied
    /// by the dropped probabilities and dP passes back through the mask.
    static func backward(
        dContext: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        probabilities p: UnsafePointer<Float>, sizes: Sizes, scratch dp: UnsafeMutablePointer<Float>,
        dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
        dropout: (mask: UnsafePointer<Float>, dropped: UnsafePointer<Float>)? = nil
    ) {
        let t = sizes.sequence, c = sizes.hidden, d = sizes.headSize
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<sizes.batch {
            for h in 0..<sizes.heads {
                let base = b * t * c + h * d
                let offset = (b * sizes.heads + h) * t * t
                let probs = p + offset
                // dV = P′ᵀ·dctx (P′ = P after dropout); dP′ = dctx·Vᵀ; dP = dP′ ⊙ mask.
                Kernels.gemm(
                    transposeA: true, transposeB: false, m: t, n: d, k: t,
                    a: dropout.map { $0.dropped + offset } ?? probs, lda: t, b: dContext + base, ldb: c,
                    c: dv + base, ldc: c)
                Kernels.gemm(
                    transposeA: false, transposeB: true, m: t, n: t, k: d,
                    a: dContext + base, lda: c, b: v + base, ldb: c, c: dp, ldc: t)
                if let dropout { DropoutPass.apply(dp, mask: dropout.mask + offset, count: t * t) }
                // Softmax backward: dS = P ⊙ (dP − Σⱼ P·dP), in place in dp.
                for i in 0..<t {
                    let pRow = probs + i * t, dRow = dp + i * t
                    var dot: Float = 0
                    for j in 0..<t { dot += pRow[j] * dRow[j] }
                    for j in 0..<t { dRow[j] = pRow[j] * (dRow[j] - dot) }
                }
                // dQ = dS·K·scale; dK = dSᵀ·Q·scale.
                Kernels.gemm(
                    transposeA: false, transposeB: false, m: t, n: d, k: t, alpha: scale,
                    a: dp, lda: t, b: k + base, ldb: c, c: dq + base, ldc: c)
                Kernels.gemm(
                    transposeA: true, transposeB: false, m: t, n: d, k: t, alpha: scale,
                    a: dp, lda: t, b: q + base, ldb: c, c: dk + base, ldc: c)
            }
        }
    }
}
