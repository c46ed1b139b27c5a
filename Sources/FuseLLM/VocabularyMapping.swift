import Dispatch
import Foundation

/// FuseLLM's vocabulary mapping (`src/utils/vocab_mapping.py`, `find_best_mapping`): every source token, with its
/// marker swapped for the base's, maps to itself if the base vocabulary has it, else to the base token at minimum
/// edit distance (over whole tokens, markers included). Ties go to the first base token in id order — FuseLLM
/// takes the first in `get_vocab()` order, which is id order for the slow Llama tokenizer it uses as base.
///
/// FuseLLM brute-forces this with 64–128 processes. Here each query scans base tokens grouped by length in
/// order of growing length difference and stops once the difference alone exceeds the best distance found;
/// distances are bounded by the current best. Both prunings only skip candidates that cannot win, so the result
/// equals the brute force exactly. Queries are spread over all cores.
public struct VocabularyMapping: Sendable, Equatable {
    /// Base id for every source id.
    public let sourceToBase: [Int32]
    /// Base ids keyed by marker-swapped source token (FuseLLM's dictionary keys).
    private let byReplacedToken: [String: Int32]

    public init(sourceToBase: [Int32], replacedSourceTokens: [String]) {
        self.sourceToBase = sourceToBase
        var keyed = [String: Int32](minimumCapacity: replacedSourceTokens.count)
        for (id, token) in replacedSourceTokens.enumerated() { keyed[token] = sourceToBase[id] }
        byReplacedToken = keyed
    }

    /// The mapped base id of a marker-swapped source token, if the source vocabulary has that token.
    public func baseID(forReplacedSourceToken token: String) -> Int32? { byReplacedToken[token] }

    /// How many source tokens map exactly (to the identical base token).
    public func exactCount(pair: VocabularyPair) -> Int {
        zip(sourceToBase, pair.exactToBase).filter { $0 == $1 }.count
    }

    /// Computes the mapping for `pair` on all cores.
    public static func compute(pair: VocabularyPair) -> VocabularyMapping {
        let base = ScalarTable(pair.base.tokens)
        let queries = ScalarTable(pair.replacedSource)
        // Base ids grouped by scalar length, ascending ids within each group.
        let maxBaseLength = (0..<base.count).map { base.length($0) }.max() ?? 0
        var grouped = [[Int32]](repeating: [], count: maxBaseLength + 1)
        for id in 0..<base.count { grouped[base.length(id)].append(Int32(id)) }
        let buckets = grouped
        let maxQueryLength = (0..<queries.count).map { queries.length($0) }.max() ?? 0
        let rowCapacity = max(maxBaseLength, maxQueryLength) + 1

        var result = [Int32](repeating: -1, count: queries.count)
        let exact = pair.exactToBase
        let workers = ProcessInfoCores.count
        let chunk = (queries.count + workers * 8 - 1) / max(workers * 8, 1)
        result.withUnsafeMutableBufferPointer { output in
            nonisolated(unsafe) let out = output  // chunks write disjoint ranges
            base.scalars.withUnsafeBufferPointer { baseBuffer in
                queries.scalars.withUnsafeBufferPointer { queryBuffer in
                    nonisolated(unsafe) let baseScalars = baseBuffer, queryScalars = queryBuffer
                    DispatchQueue.concurrentPerform(iterations: max(1, (queries.count + chunk - 1) / max(chunk, 1))) {
                        c in
                        let row = UnsafeMutablePointer<Int32>.allocate(capacity: rowCapacity)
                        defer { row.deallocate() }
                        let start = c * chunk, end = min(queries.count, start + chunk)
                        guard start < end else { return }
                        for q in start..<end {
                            if exact[q] >= 0 { out[q] = exact[q]; continue }
                            let a = UnsafeBufferPointer(
                                rebasing: queryScalars[queries.offsets[q]..<queries.offsets[q + 1]])
                            var best = Int32.max, bestID = Int32.max
                            var delta = 0
                            while delta <= maxBaseLength + a.count && Int32(delta) <= best {
                                for side in 0..<(delta == 0 ? 1 : 2) {
                                    let length = side == 0 ? a.count - delta : a.count + delta
                                    guard length >= 0 && length <= maxBaseLength else { continue }
                                    for id in buckets[length] {
                                        let bound = best == Int32.max ? Int32(rowCapacity) : best
                                        let b = UnsafeBufferPointer(
                                            rebasing: baseScalars[base.offsets[Int(id)]..<base.offsets[Int(id) + 1]])
                                        let d = EditDistance.boundedDistance(a, b, bound: bound, row: row)
                                        if d < best || (d == best && id < bestID) { best = d; bestID = id }
                                    }
                                }
                                delta += 1
                            }
                            out[q] = bestID == Int32.max ? 0 : bestID
                        }
                    }
                }
            }
        }
        return VocabularyMapping(sourceToBase: result, replacedSourceTokens: pair.replacedSource)
    }
}

/// The number of cores heavy stages spread over.
enum ProcessInfoCores {
    static let count = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
