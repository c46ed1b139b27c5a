import Foundation
import FuseCore

/// Dot products of a few query vectors with every row of a large vocabulary matrix: `scores[q·V + r] = E[r]·Q[q]`.
///
/// Why not `cblas_sgemm`: with one or a few queries the product is bound by reading the vocabulary (20 000 × 512
/// floats = 41 MB), and OpenBLAS first packs that whole operand into a scratch copy — a second full pass over
/// memory plus a write — which made one image cost ~35 ms. Here each vocabulary row is read once, while every query
/// is multiplied into it from L1, and the rows are split across the cores.
enum ScoringKernel {
    /// Rows per parallel chunk below which one core does all the work (thread hand-off costs more).
    static let parallelGrain = 2048

    static func scores(
        vocabulary: UnsafeBufferPointer<Float>, rows: Int, dimension: Int,
        queries: UnsafeBufferPointer<Float>, queryCount: Int, into scores: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(
            vocabulary.count >= rows * dimension && queries.count >= queryCount * dimension
                && scores.count >= rows * queryCount, "ScoringKernel: buffers smaller than the shapes")
        guard rows > 0, queryCount > 0 else { return }
        let e = vocabulary.baseAddress!, q = queries.baseAddress!, s = scores.baseAddress!
        // Chunks write disjoint columns of `scores` (rows of the vocabulary).
        Kernels.parallelChunks(count: rows, grain: parallelGrain) { chunk in
            for row in chunk {
                let vector = e + row * dimension
                var query = 0
                // Four queries share each load of the row; the rest go one at a time.
                while query + 4 <= queryCount {
                    let sums = dot4(vector, q + query * dimension, dimension)
                    for j in 0..<4 { s[(query + j) * rows + row] = sums[j] }
                    query += 4
                }
                while query < queryCount {
                    s[query * rows + row] = dot(vector, q + query * dimension, dimension)
                    query += 1
                }
            }
        }
    }

    /// Σ a[i]·b[i], eight lanes at a time with two accumulators (hides the FMA latency), then the tail.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var sum0 = SIMD8<Float>(), sum1 = SIMD8<Float>()
        var i = 0
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while i + 16 <= count {
            let a0 = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let b0 = rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let a1 = rawA.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            let b1 = rawB.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            sum0.addProduct(a0, b0)
            sum1.addProduct(a1, b1)
            i += 16
        }
        if i + 8 <= count {
            sum0.addProduct(
                rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var total = (sum0 + sum1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// Dot products of `a` with four consecutive vectors starting at `b` (each `count` long).
    @inline(__always)
    static func dot4(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> SIMD4<Float> {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        let stride = count * 4
        var i = 0
        while i + 8 <= count {
            let offset = i * 4
            let x = rawA.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            s0.addProduct(x, rawB.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self))
            s1.addProduct(x, rawB.loadUnaligned(fromByteOffset: stride + offset, as: SIMD8<Float>.self))
            s2.addProduct(x, rawB.loadUnaligned(fromByteOffset: 2 * stride + offset, as: SIMD8<Float>.self))
            s3.addProduct(x, rawB.loadUnaligned(fromByteOffset: 3 * stride + offset, as: SIMD8<Float>.self))
            i += 8
        }
        var result = SIMD4<Float>(s0.sum(), s1.sum(), s2.sum(), s3.sum())
        while i < count {
            for j in 0..<4 { result[j] += a[i] * b[j * count + i] }
            i += 1
        }
        return result
    }
}
