import FuseCore

/// Scores inputs against a vocabulary in the shared space and keeps the best entries, as LENS's `forward_tags`:
/// cosine similarity of L2-normalized vectors, the top `k` scores, then only those ≥ `threshold`.
public struct DescriptorScorer: Sendable {
    /// Unit-normalized vocabulary embeddings, `[V, D]`.
    public let embeddings: Tensor
    public let vocabulary: DescriptorVocabulary

    public init(vocabulary: DescriptorVocabulary, embeddings: Tensor) throws {
        guard embeddings.rank == 2, embeddings.shape[0] == vocabulary.entries.count else {
            throw FuseError.shapeMismatch(
                what: "embeddings of vocabulary \(vocabulary.name)",
                expected: [vocabulary.entries.count, -1], actual: embeddings.shape)
        }
        self.vocabulary = vocabulary
        self.embeddings = try Self.normalizedRows(embeddings)
    }

    public var dimension: Int { embeddings.shape[1] }

    /// The best `k` entries with score ≥ `threshold` for each query vector (queries need not be normalized).
    /// All queries are scored in one pass over the vocabulary (`ScoringKernel`), split across the cores.
    public func top(_ queries: [[Float]], k: Int, threshold: Float) throws -> [[ScoredDescriptor]] {
        guard k > 0 else { throw LENSError.invalidParameter("top-k must be at least 1, got \(k)") }
        guard !queries.isEmpty else { return [] }
        for query in queries {
            guard query.count == dimension else {
                throw LENSError.dimensionMismatch(what: "query embedding", expected: dimension, actual: query.count)
            }
            guard query.allSatisfy(\.isFinite) else {
                throw LENSError.invalidParameter("a query embedding has non-finite components (NaN or infinity)")
            }
        }
        let q = try Self.normalizedRows(Tensor(shape: [queries.count, dimension], values: queries.flatMap { $0 }))
        let count = vocabulary.entries.count
        var scores = [Float](repeating: 0, count: queries.count * count)
        q.withUnsafeBufferPointer { qp in
            embeddings.withUnsafeBufferPointer { vp in
                scores.withUnsafeMutableBufferPointer { sp in
                    ScoringKernel.scores(
                        vocabulary: vp, rows: count, dimension: dimension, queries: qp,
                        queryCount: queries.count, into: sp)
                }
            }
        }
        return scores.withUnsafeBufferPointer { sp in
            (0..<queries.count).map { row in
                Self.best(UnsafeBufferPointer(rebasing: sp[(row * count)..<((row + 1) * count)]), k: k)
                    .filter { $0.1 >= threshold }
                    .map { ScoredDescriptor(text: vocabulary.entries[$0.0], score: $0.1) }
            }
        }
    }

    /// Indices and scores of the `k` largest scores, highest first (ties: lower index first).
    static func best(_ scores: UnsafeBufferPointer<Float>, k: Int) -> [(Int, Float)] {
        var heap: [(Int, Float)] = []  // kept sorted, at most k long: k is small, V large
        heap.reserveCapacity(k + 1)
        for (index, score) in scores.enumerated() {
            if heap.count == k, let last = heap.last, !(score > last.1) { continue }
            var position = heap.count
            while position > 0, heap[position - 1].1 < score { position -= 1 }
            heap.insert((index, score), at: position)
            if heap.count > k { heap.removeLast() }
        }
        return heap
    }

    static func normalizedRows(_ tensor: Tensor) throws -> Tensor {
        var result = tensor
        let columns = tensor.shape[1]
        result.withUnsafeMutableBufferPointer { p in
            for row in 0..<tensor.shape[0] {
                var norm: Float = 0
                for c in 0..<columns { norm += p[row * columns + c] * p[row * columns + c] }
                norm = norm.squareRoot()
                if norm > 0 { for c in 0..<columns { p[row * columns + c] /= norm } }
            }
        }
        return result
    }
}
