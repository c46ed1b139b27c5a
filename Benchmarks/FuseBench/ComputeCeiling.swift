import Foundation
import Fuse

/// What this machine's fp32 GEMM can do, measured at the start of a model benchmark, so that a throughput figure can
/// be read as a share of the machine's ceiling (a model that is nearly all GEMM cannot run faster than its GEMMs).
struct ComputeCeiling {
    /// Best GFLOP/s of `Kernels.gemm` on a 1024³ product over a few repeats, on the BLAS threads set now.
    let gemmGFLOPS: Double

    static func measure(repeats: Int = 5) -> ComputeCeiling {
        let n = 1024
        let a = BenchGEMM.randomMatrix(n * n, seed: 3), b = BenchGEMM.randomMatrix(n * n, seed: 4)
        var c = [Float](repeating: 0, count: n * n)
        let rate = BenchGEMM.measure(repeats: repeats, flops: 2 * n * n * n) {
            c.withUnsafeMutableBufferPointer { c in
                Kernels.gemm(
                    transposeA: false, transposeB: true, m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n,
                    c: c.baseAddress!, ldc: n)
            }
        }
        return ComputeCeiling(gemmGFLOPS: rate.best)
    }

    /// "= 66.7 GFLOP/s effective (100 % of the GEMM); the target needs 281 GFLOP/s (4.2× the GEMM)".
    func describe(itemsPerSecond: Double, flopsPerItem: Double, targetItemsPerSecond: Double?) -> String {
        let effective = itemsPerSecond * flopsPerItem / 1e9
        var text = String(
            format: "  = %.1f GFLOP/s effective (%.0f %% of the GEMM's %.1f)", effective,
            100 * effective / gemmGFLOPS, gemmGFLOPS)
        if let target = targetItemsPerSecond {
            let needed = target * flopsPerItem / 1e9
            text += String(format: "; the target needs %.0f GFLOP/s (%.1f× the GEMM)", needed, needed / gemmGFLOPS)
        }
        return text
    }
}

/// Floating-point operations of transformer forward passes, counting a multiply-add as 2.
enum TransformerFLOPs {
    /// One encoder or decoder stack over `tokens` positions: Q, K, V and output projections, the MLP, and the
    /// attention products over `attended` positions per query (all of them for an encoder).
    static func stack(layers: Int, width: Int, mlp: Int, tokens: Int, attended: Int) -> Double {
        let projections = 4.0 * Double(width * width) + 2.0 * Double(width * mlp)
        let attention = 2.0 * Double(attended * width)
        return 2.0 * Double(layers) * Double(tokens) * (projections + attention)
    }

    /// ViT-B/16 at 224² for one image: the 16×16×3 → 768 patch projection of 196 patches, then 12 layers over
    /// 197 tokens.
    static let vitBase16PerImage: Double =
        2.0 * 196 * Double(16 * 16 * 3 * 768) + stack(layers: 12, width: 768, mlp: 3072, tokens: 197, attended: 197)
}
