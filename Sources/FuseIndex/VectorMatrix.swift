import CIndexKernels
import Dispatch
import FuseCore

/// How stored vectors are scored.
public enum VectorPrecision: String, Sendable, CaseIterable {
    /// Scores are exact float32 dot products. An int8 scan with a proven error bound picks the few rows that can be
    /// among the best; only those are scored in float32 (read back from the database), so the results are the
    /// brute-force float32 top k at the int8 scan's speed and memory.
    case float32
    /// 1 byte per component plus one scale per row (symmetric, per-row max-abs), the query quantised the same way:
    /// scores within ~1e-2 of float32's, ranks nearly always equal.
    case int8
}

/// The stored vectors as int8 codes in one flat row-major block (the one copy held in memory, whatever the
/// precision), scored against a query by brute force: every row by the C kernels of `CIndexKernels`, rows split
/// over the cores, then one pass keeps the best k (int8) or the rows that may be the best k (`candidates`).
struct VectorMatrix {
    let dimension: Int
    let precision: VectorPrecision
    private(set) var count = 0
    private var codes: [Int8] = []
    /// Per row: value ≈ scale × code.
    private var scales: [Float] = []
    /// Per row: Σ|code| (infinity for a row with a non-finite component, so it is always a float32 candidate).
    private var magnitudes: [Float] = []
    /// Scores of the last query, reused between queries.
    private var scratch: [Float] = []

    init(dimension: Int, precision: VectorPrecision, capacity: Int) {
        self.dimension = dimension
        self.precision = precision
        codes.reserveCapacity(capacity * dimension)
        scales.reserveCapacity(capacity)
        magnitudes.reserveCapacity(capacity)
    }

    /// Appends one row given as `dimension` little-endian float32s (a BLOB as stored).
    mutating func append(_ row: UnsafeRawBufferPointer) {
        precondition(row.count == dimension * 4)
        let values = row.bindMemory(to: Float.self)
        var magnitude: Float = 0
        let scale = Self.quantize(values) { code in
            codes.append(code)
            magnitude += Float(abs(Int(code)))
        }
        scales.append(scale)
        magnitudes.append(values.allSatisfy(\.isFinite) ? magnitude : .infinity)
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

    /// The `k` rows with the highest int8 score against `query` among rows where `include(row)` holds, best first.
    mutating func top(_ k: Int, query: [Float], include: (Int) -> Bool) -> TopK {
        precondition(query.count == dimension)
        let k = min(max(k, 0), count)
        guard k > 0 else { return TopK(k: 0) }
        _ = int8Scores(query)
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

    /// The rows (ascending) among which the `k` best float32 dot products with `query` lie, for rows where
    /// `include(row)` holds: every included row when there are at most `k`, else the rows whose int8 score is
    /// within the error bound of the k-th best.
    ///
    /// Why nothing is missed: a row's exact score differs from its int8 score by at most
    /// `bound = scale·(‖query‖₁/2 + queryScale·Σ|code|/2)` (each factor's rounding error ≤ half its scale), plus the
    /// float32 kernel's own rounding (≤ dimension·2⁻²³ relative, folded into the first term). The k rows of the
    /// best lower bounds (int8 score − bound) all score at least the k-th of those, T, exactly; so the exact k-th
    /// best is ≥ T, and a row can be among the k best only if its upper bound (int8 score + bound) reaches T.
    mutating func candidates(_ k: Int, query: [Float], include: (Int) -> Bool) -> [Int] {
        precondition(query.count == dimension)
        let k = min(max(k, 0), count)
        guard k > 0 else { return [] }
        let (queryScale, queryL1) = int8Scores(query)
        let slack = 1 + Float(dimension) * 4e-5
        let halfQuery = 0.5 * queryL1 * slack, halfScale = 0.5 * queryScale
        return scratch.withUnsafeBufferPointer { scores in
            scales.withUnsafeBufferPointer { scales in
                magnitudes.withUnsafeBufferPointer { magnitudes in
                    func bound(_ row: Int) -> Float {
                        scales[row] * (halfQuery + halfScale * magnitudes[row]) + 1e-6
                    }
                    var lowest = KthLargest(k: k)
                    for row in 0..<count where include(row) { lowest.offer(scores[row] - bound(row)) }
                    let threshold = lowest.value
                    var rows: [Int] = []
                    for row in 0..<count where scores[row] + bound(row) >= threshold && include(row) {
                        rows.append(row)
                    }
                    return rows
                }
            }
        }
    }

    /// int8 scores of every row into `scratch`: the query quantised like the rows, then the C kernel over
    /// contiguous chunks of rows, one per core. Returns the query's scale and its L1 norm.
    private mutating func int8Scores(_ query: [Float]) -> (scale: Float, l1: Float) {
        if scratch.count != count { scratch = [Float](repeating: 0, count: count) }
        var quantized: [Int8] = []
        quantized.reserveCapacity(dimension)
        let queryScale = query.withUnsafeBufferPointer { Self.quantize($0) { quantized.append($0) } }
        let l1 = query.reduce(0) { $0 + abs($1) }
        let (count, dimension) = (self.count, self.dimension)
        codes.withUnsafeBufferPointer { matrix in
            scales.withUnsafeBufferPointer { scales in
                quantized.withUnsafeBufferPointer { vector in
                    scratch.withUnsafeMutableBufferPointer { scores in
                        Kernels.parallelChunks(count: count, grain: 8192) { rows in
                            fuse_index_int8_scores(
                                matrix.baseAddress! + rows.lowerBound * dimension,
                                scales.baseAddress! + rows.lowerBound, rows.count, dimension,
                                vector.baseAddress!, queryScale, scores.baseAddress! + rows.lowerBound)
                        }
                    }
                }
            }
        }
        return (queryScale, l1)
    }

    /// Exact float32 dot products of `rows` (row-major, `dimension` each) with `query`, by the float32 C kernel.
    static func float32Scores(_ rows: [Float], query: [Float], dimension: Int) -> [Float] {
        let count = rows.count / dimension
        var scores = [Float](repeating: 0, count: count)
        rows.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { vector in
                scores.withUnsafeMutableBufferPointer { out in
                    fuse_index_float32_scores(
                        matrix.baseAddress!, count, dimension, vector.baseAddress!, out.baseAddress!)
                }
            }
        }
        return scores
    }
}

/// The k-th largest of the values offered (−∞ until k have been): a min-heap of the k largest.
struct KthLargest {
    let k: Int
    private var heap: [Float] = []

    init(k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    var value: Float { heap.count < k ? -.infinity : heap[0] }

    mutating func offer(_ value: Float) {
        if heap.count < k {
            heap.append(value)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child] < heap[parent] else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if value > heap[0] {
            heap[0] = value
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < k && heap[left] < heap[smallest] { smallest = left }
                if right < k && heap[right] < heap[smallest] { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(smallest, parent)
                parent = smallest
            }
        }
    }
}
