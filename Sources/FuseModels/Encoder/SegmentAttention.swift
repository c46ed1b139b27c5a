import Dispatch
import Foundation
import FuseCore

/// DeBERTa's relative positions: `i − j` as is while `|i − j| < buckets / 2`, beyond that on a log scale that
/// reaches `buckets / 2 + (buckets / 2 − 1)` at `maxPosition − 1` (transformers' `make_log_bucket_position`);
/// without buckets (`buckets ≤ 0`) the raw distance. Attention then reads the relative embedding at
/// `clamp(bucket + span, 0, 2·span − 1)`.
public struct RelativePositions: Sendable, Equatable {
    /// `position_buckets` (≤ 0: none).
    public let buckets: Int
    /// `max_relative_positions` (or `max_position_embeddings` when that is < 1).
    public let maxPosition: Int
    /// Half the number of relative embeddings: `buckets` when positive, else `maxPosition`.
    public var span: Int { buckets > 0 ? buckets : maxPosition }

    public init(buckets: Int, maxPosition: Int) {
        self.buckets = buckets
        self.maxPosition = maxPosition
    }

    /// The bucketed relative position of query `i` to key `j` for `distance = i − j`, in float32 as transformers
    /// computes it (the `ceil` must land on the same side).
    public func bucket(_ distance: Int) -> Int {
        guard buckets > 0, maxPosition > 0 else { return distance }
        let mid = buckets / 2
        let magnitude = abs(distance)
        guard magnitude > mid else { return distance }
        let ratio = logf(Float(magnitude) / Float(mid)) / logf(Float(Double(maxPosition - 1) / Double(mid)))
        let logPosition = Int((ratio * Float(mid - 1)).rounded(.up)) + mid
        return distance < 0 ? -logPosition : logPosition
    }

    /// The relative-embedding row for each distance `i − j` from `−(length − 1)` to `length − 1`.
    func rows(length: Int) -> [Int32] {
        (-(length - 1)..<length).map { Int32(min(max(bucket($0) + span, 0), 2 * span - 1)) }
    }
}

/// The relative embeddings projected for one layer: `posKey` (c2p) and `posQuery` (p2c), `[2·span, hidden]`.
struct PositionProjections {
    let posKey: Tensor?
    let posQuery: Tensor?
}

/// Self-attention over a packed batch, one item (segment) at a time, for what the shared fused attention kernel does
/// not cover: DeBERTa's disentangled attention, content-to-content plus the content-to-position (c2p) and
/// position-to-content (p2c) terms, all scaled by `1 / √(headDim · (1 + number of terms))`:
///
///     score[i, j] = (q_i · k_j + q_i · posKey[r(i, j)] + k_j · posQuery[r(i, j)]) · scale
///
/// with `r(i, j)` the relative-embedding row of `i − j` (`RelativePositions`). Keys whose mask is 0 are never
/// attended. Per (item, head): GEMMs for the raw terms, a gather over `r`, softmax, and the context GEMM; the pairs
/// are spread over the cores.
enum SegmentAttention {
    struct Problem: @unchecked Sendable {
        let query, key, value: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let posKey, posQuery: UnsafePointer<Float>?
        let heads, headDim, span: Int
        let scale: Float
    }

    /// Runs `segments` (start row, length, key mask) of packed `[rows, heads · headDim]` query/key/value.
    static func run(_ problem: Problem, segments: [PackedBatch.Segment], positions: RelativePositions) {
        let pairs = segments.count * problem.heads
        guard pairs > 0 else { return }
        let longest = segments.map(\.length).max() ?? 0
        let relative = problem.posKey != nil || problem.posQuery != nil
        let rowTables = Dictionary(
            uniqueKeysWithValues: Set(segments.map(\.length)).map {
                ($0, relative ? positions.rows(length: $0) : [])
            })
        let workers = min(Kernels.coreCount, pairs)
        Kernels.withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let capacity = max(longest * (longest + 4 * problem.span), 1)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
                defer { scratch.deallocate() }
                var pair = worker
                while pair < pairs {
                    let segment = segments[pair / problem.heads]
                    if segment.length > 0 {
                        rowTables[segment.length]!.withUnsafeBufferPointer { rows in
                            segment.mask.withOptionalBuffer { mask in
                                solve(
                                    problem, start: segment.start, length: segment.length, head: pair % problem.heads,
                                    mask: mask, rows: rows.baseAddress, scratch: scratch)
                            }
                        }
                    }
                    pair += workers
                }
            }
        }
    }

    private static func solve(
        _ p: Problem, start: Int, length: Int, head: Int, mask: UnsafePointer<Int32>?,
        rows: UnsafePointer<Int32>?, scratch: UnsafeMutablePointer<Float>
    ) {
        let stride = p.heads * p.headDim
        let offset = start * stride + head * p.headDim
        let (q, k, v) = (p.query + offset, p.key + offset, p.value + offset)
        let relative = 2 * p.span
        let scores = scratch
        let contentToPosition = scratch + length * length
        let positionToContent = contentToPosition + length * relative
        Kernels.gemm(
            transposeA: false, transposeB: true, m: length, n: length, k: p.headDim, alpha: p.scale,
            a: q, lda: stride, b: k, ldb: stride, c: scores, ldc: length)
        if let posKey = p.posKey {
            Kernels.gemm(
                transposeA: false, transposeB: true, m: length, n: relative, k: p.headDim, alpha: p.scale,
                a: q, lda: stride, b: posKey + head * p.headDim, ldb: stride, c: contentToPosition,
                ldc: relative)
        }
        if let posQuery = p.posQuery {
            Kernels.gemm(
                transposeA: false, transposeB: true, m: length, n: relative, k: p.headDim, alpha: p.scale,
                a: k, lda: stride, b: posQuery + head * p.headDim, ldb: stride, c: positionToContent,
                ldc: relative)
        }
        for i in 0..<length {
            let line = scores + i * length
            // rows[(i − j) + length − 1]: the relative-embedding row of query i and key j.
            if let rows {
                let rowBase = rows + (i + length - 1)
                if p.posKey != nil {
                    let c2p = contentToPosition + i * relative
                    for j in 0..<length { line[j] += c2p[Int(rowBase[-j])] }
                }
                if p.posQuery != nil {
                    for j in 0..<length { line[j] += positionToContent[j * relative + Int(rowBase[-j])] }
                }
            }
            if let mask { for j in 0..<length where mask[j] == 0 { line[j] = -.infinity } }
        }
        Kernels.softmaxRows(scores, rows: length, columns: length)
        Kernels.gemm(
            transposeA: false, transposeB: false, m: length, n: p.headDim, k: length,
            a: scores, lda: length, b: v, ldb: stride, c: p.output + offset, ldc: stride)
    }
}
