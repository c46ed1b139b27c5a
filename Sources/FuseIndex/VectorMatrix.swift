import CIndexKernels
import Dispatch
import FuseCore

/// How stored vectors are held in memory for scoring.
public enum VectorPrecision: String, Sendable, CaseIterable {
    /// 4 bytes per component; scores are float32 dot products.
    case float32
    /// 1 byte per component plus one scale per row (symmetric, per-row max-abs), the query quantised the same way:
    /// 4× smaller, scores within ~1e-2 of float32's, ranks nearly always equal.
    case int8
}

/// The stored vectors as one flat row-major block, scored against a query by brute force: every score computed
/// (the C kernels of `CIndexKernels`, rows split over the cores), then one pass keeps the best k.
struct VectorMatrix {
    let dimension: Int
    let precision: VectorPrecision
    private(set) var count = 0
    private var floats: [Float] = []
    private var bytes: [Int8] = []
    private var scales: [Float] = []
    /// Scores of the last query, reused between queries.
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
            let scale = Self.quantize(row.bindMemory(to: Float.self)) { bytes.append($0) }
            scales.append(scale)
        }
        count += 1
    }

    /// Symmetric int8 quantisation of `values` (each passed to `emit`); returns the scale (value ≈ scale × int8).
    static func quantize(_ values: UnsafeBufferPointer<Float>, emit: (Int8) -> Void) -> Float {
        var largest: Float = 0
        for value in values where value.isFinite { largest = max(largest, abs(value)) }
        let scale = largest > 0 ? largest / 127 : 1
        let inverse = 1 / scale
        for value in values {
            emit(value.isFinite ? Int8(max(-127, min(127, (value * inverse).rounded()))) : 0)
        }
        return scale
    }

    /// The `k` rows with the highest dot product with `query` among rows where `include(row)` holds, best first.
    mutating func top(_ k: Int, query: [Float], include: (Int) -> Bool) -> TopK {
        precondition(query.count == dimension)
        let k = min(max(k, 0), count)
        guard k > 0 else { return TopK(k: 0) }
        if scratch.count != count { scratch = [Float](repeating: 0, count: count) }
        switch precision {
        case .float32: float32Scores(query)
        case .int8: int8Scores(query)
        }
        var best = TopK(k: k)
        scratch.withUnsafeBufferPointer { scores in
            // A large k (a page of many results): sort the included rows once instead of k-long insertions.
            if k > 64 && k * 16 > count {
                var rows = (0..<count).filter(include)
                rows.sort { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
                best.assign(rows.prefix(k).map { (scores[$0], $0) }[...])
            } else {
                for row in 0..<scores.count where scores[row] > best.threshold && include(row) {
                    best.offer(scores[row], row: row)
                }
            }
        }
        return best
    }

    /// The C kernel over contiguous chunks of rows, one per core (a memory-bound pass: BLAS `sgemv` on one query
    /// measured no faster, and its thread pool is process-wide).
    private mutating func float32Scores(_ query: [Float]) {
        let (count, dimension) = (self.count, self.dimension)
        floats.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { vector in
                scratch.withUnsafeMutableBufferPointer { scores in
                    // Chunks of at least 8192 rows; each writes its own range of `scores`.
                    Kernels.parallelChunks(count: count, grain: 8192) { rows in
                        fuse_index_float32_scores(matrix.baseAddress! + rows.lowerBound * dimension, rows.count,
                                                  dimension, vector.baseAddress!, scores.baseAddress! + rows.lowerBound)
                    }
                }
            }
        }
    }

    /// The query quantised like the rows, then the C kernel over contiguous chunks of rows, one per core.
    private mutating func int8Scores(_ query: [Float]) {
        var quantized: [Int8] = []
        quantized.reserveCapacity(dimension)
        let queryScale = query.withUnsafeBufferPointer { Self.quantize($0) { quantized.append($0) } }
        let (count, dimension) = (self.count, self.dimension)
        bytes.withUnsafeBufferPointer { matrix in
            scales.withUnsafeBufferPointer { scales in
                quantized.withUnsafeBufferPointer { vector in
                    scratch.withUnsafeMutableBufferPointer { scores in
                        Kernels.parallelChunks(count: count, grain: 8192) { rows in
                            fuse_index_int8_scores(matrix.baseAddress! + rows.lowerBound * dimension,
                                                   scales.baseAddress! + rows.lowerBound, rows.count, dimension,
                                                   vector.baseAddress!, queryScale, scores.baseAddress! + rows.lowerBound)
                        }
                    }
                }
            }
        }
    }
}
