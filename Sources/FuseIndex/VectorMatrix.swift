import CBLAS
import Dispatch
import FuseCore

/// How stored vectors are held in memory for scoring.
public enum VectorPrecision: String, Sendable, CaseIterable {
    /// 4 bytes per component; scores are exact dot products (BLAS `sgemv`).
    case float32
    /// 1 byte per component plus one scale per row (symmetric, per-row max-abs): 4× smaller, scores within ~1e-2 of
    /// float32's, ranks nearly always equal.
    case int8
}

/// The stored vectors as one flat row-major block, scored against a query by brute force.
struct VectorMatrix {
    let dimension: Int
    let precision: VectorPrecision
    private(set) var count = 0
    private var floats: [Float] = []
    private var bytes: [Int8] = []
    private var scales: [Float] = []
    /// Scores of the last float32 query, reused between queries.
    private var scratch: [Float] = []

    init(dimension: Int, precision: VectorPrecision, capacity: Int) {
        self.dimension = dimension
        self.precision = precision
        switch precision {
        case .float32: floats.reserveCapacity(capacity * dimension)
        case .int8:
            bytes.reserveCapacity(capacity * dimension)
            scales.reserveCapacity(capacity)
        }
    }

    /// Appends one row given as `dimension` little-endian float32s (a BLOB as stored).
    mutating func append(_ row: UnsafeRawBufferPointer) {
        precondition(row.count == dimension * 4)
        switch precision {
        case .float32:
            floats.append(contentsOf: row.bindMemory(to: Float.self))
        case .int8:
            let values = row.bindMemory(to: Float.self)
            var largest: Float = 0
            for value in values { largest = max(largest, abs(value)) }
            let scale = largest > 0 ? largest / 127 : 1
            let inverse = 1 / scale
            for value in values { bytes.append(Int8((value * inverse).rounded())) }
            scales.append(scale)
        }
        count += 1
    }

    /// The `k` rows with the highest dot product with `query` among rows where `include(row)` holds.
    mutating func top(_ k: Int, query: [Float], include: (Int) -> Bool) -> TopK {
        precondition(query.count == dimension)
        guard count > 0 else { return TopK(k: k) }
        switch precision {
        case .float32:
            if scratch.count != count { scratch = [Float](repeating: 0, count: count) }
            Kernels.configureBLASOnce()
            floats.withUnsafeBufferPointer { matrix in
                query.withUnsafeBufferPointer { vector in
                    scratch.withUnsafeMutableBufferPointer { scores in
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(count), Int32(dimension), 1,
                                    matrix.baseAddress, Int32(dimension), vector.baseAddress, 1, 0,
                                    scores.baseAddress, 1)
                    }
                }
            }
            var best = TopK(k: k)
            scratch.withUnsafeBufferPointer { scores in
                for row in 0..<scores.count where scores[row] > best.threshold && include(row) {
                    best.offer(scores[row], row: row)
                }
            }
            return best
        case .int8:
            return int8Top(k, query: query, include: include)
        }
    }

    /// int8 rows against a float32 query: each row is widened 16 components at a time and accumulated with FMA,
    /// chunks of rows in parallel over the cores.
    private func int8Top(_ k: Int, query: [Float], include: (Int) -> Bool) -> TopK {
        let workers = min(Kernels.coreCount, max(1, count / 4096))
        var partial = [TopK](repeating: TopK(k: k), count: workers)
        let dimension = self.dimension, count = self.count
        bytes.withUnsafeBufferPointer { matrix in
            scales.withUnsafeBufferPointer { scales in
                query.withUnsafeBufferPointer { vector in
                    partial.withUnsafeMutableBufferPointer { results in
                        let shared = SendableBuffers(matrix: matrix, scales: scales, query: vector, results: results)
                        withoutActuallyEscaping(include) { include in
                            let filter = SendableFilter(include)
                            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                                let rows = (count * worker / workers)..<(count * (worker + 1) / workers)
                                var best = TopK(k: k)
                                for row in rows {
                                    let score = shared.scales[row] * Self.dot(
                                        shared.matrix.baseAddress! + row * dimension, shared.query, dimension)
                                    if score > best.threshold && filter.body(row) { best.offer(score, row: row) }
                                }
                                shared.results[worker] = best
                            }
                        }
                    }
                }
            }
        }
        var merged = TopK(k: k)
        for best in partial { merged.merge(best) }
        return merged
    }

    @inline(__always)
    private static func dot(_ row: UnsafePointer<Int8>, _ query: UnsafeBufferPointer<Float>, _ dimension: Int) -> Float {
        var sum0 = SIMD16<Float>(), sum1 = SIMD16<Float>()
        var index = 0
        let rowRaw = UnsafeRawPointer(row)
        let queryRaw = UnsafeRawPointer(query.baseAddress!)
        while index + 32 <= dimension {
            let a = rowRaw.loadUnaligned(fromByteOffset: index, as: SIMD16<Int8>.self)
            let b = rowRaw.loadUnaligned(fromByteOffset: index + 16, as: SIMD16<Int8>.self)
            let qa = queryRaw.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
            let qb = queryRaw.loadUnaligned(fromByteOffset: (index + 16) * 4, as: SIMD16<Float>.self)
            sum0.addProduct(SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: a)), qa)
            sum1.addProduct(SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: b)), qb)
            index += 32
        }
        var total = (sum0 + sum1).sum()
        while index < dimension {
            total += Float(row[index]) * query[index]
            index += 1
        }
        return total
    }
}

/// Read-only buffers and disjoint result slots handed to the parallel scoring loop, which finishes before they go.
private struct SendableBuffers: @unchecked Sendable {
    let matrix: UnsafeBufferPointer<Int8>
    let scales: UnsafeBufferPointer<Float>
    let query: UnsafeBufferPointer<Float>
    let results: UnsafeMutableBufferPointer<TopK>
}

/// The row filter, called from the scoring workers (it only reads immutable per-row data).
private struct SendableFilter: @unchecked Sendable {
    let body: (Int) -> Bool
    init(_ body: @escaping (Int) -> Bool) { self.body = body }
}
