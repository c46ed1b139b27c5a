import Dispatch
import Foundation

/// One sequence's distributions: per-step top-k logits and ids (every position, the last included, as FuseLLM
/// stores them) and `metric_ce`, the mean cross-entropy of steps `0..<T-1` on the gold next tokens.
public struct SequenceDistributions: Sendable {
    public let inputIDs: [Int32]
    public let topK: SparseSteps
    /// FuseLLM's `metric_ce`; +∞ for a one-token sequence (it has no next token to score).
    public let metricCE: Double
}

/// Turns hidden states into top-k + cross-entropy without keeping the whole `[T, vocab]` logits: the output head
/// (in the model's precision; the logits are fp32) runs over blocks of rows, and each block's rows are reduced (top-k by insertion, log-sum-exp in one pass)
/// while still in cache, spread over the cores.
public enum TopKReducer {
    static let blockRows = 64

    /// Distributions of `ids` under `model` (a fresh cache; `ids` must fit the model's positions).
    public static func distributions(
        model: any CausalLanguageModel, ids: [Int32], k: Int
    ) throws -> SequenceDistributions {
        let vocab = model.config.vocabSize
        guard k >= 1 && k <= vocab else {
            throw LLMError.invalidOption(
                name: "topK", reason: "must be between 1 and the vocabulary size \(vocab), got \(k)")
        }
        let cache = model.makeCache(capacity: ids.count)
        let hidden = try model.hiddenStates(ids, cache: cache)
        let t = ids.count, width = model.config.hiddenSize
        var topIDs = [Int32](repeating: 0, count: t * k)
        var topLogits = [Float](repeating: 0, count: t * k)
        var losses = [Double](repeating: 0, count: t)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * vocab)
        defer { logits.deallocate() }
        topIDs.withUnsafeMutableBufferPointer { idsOut in
            topLogits.withUnsafeMutableBufferPointer { logitsOut in
                losses.withUnsafeMutableBufferPointer { lossOut in
                    nonisolated(unsafe) let idsOut = idsOut, logitsOut = logitsOut, lossOut = lossOut
                    nonisolated(unsafe) let block = logits
                    hidden.withUnsafeBufferPointer { h in
                        model.outputEmbedding.withUnsafeBufferPointer { w in
                            var start = 0
                            while start < t {
                                let rows = min(blockRows, t - start)
                                // The vocabulary projection in the model's precision (int8/bf16 weights, fp32
                                // logits), else the fp32 output embeddings.
                                if let projection = model.outputProjection {
                                    projection.apply(h.baseAddress! + start * width, rows: rows, output: block)
                                } else {
                                    Kernels.gemm(
                                        transposeA: false, transposeB: true, m: rows, n: vocab, k: width,
                                        a: h.baseAddress! + start * width, lda: width, b: w.baseAddress!,
                                        ldb: width, c: block, ldc: vocab)
                                }
                                let first = start
                                DispatchQueue.concurrentPerform(iterations: min(rows, ProcessInfoCores.count)) {
                                    worker in
                                    var r = worker
                                    while r < rows {
                                        let position = first + r
                                        let gold = position + 1 < t ? Int(ids[position + 1]) : -1
                                        lossOut[position] = reduceRow(
                                            block + r * vocab, vocab: vocab, k: k,
                                            ids: idsOut.baseAddress! + position * k,
                                            logits: logitsOut.baseAddress! + position * k, gold: gold)
                                        r += ProcessInfoCores.count
                                    }
                                }
                                start += rows
                            }
                        }
                    }
                }
            }
        }
        let ce = t > 1 ? losses[0..<(t - 1)].reduce(0, +) / Double(t - 1) : Double.infinity
        return SequenceDistributions(
            inputIDs: ids, topK: SparseSteps(rowWidth: k, ids: topIDs, values: topLogits),
            metricCE: ce)
    }

    /// Writes the row's top-k (descending) and returns the cross-entropy on `gold` (0 when `gold` < 0).
    @inline(__always)
    static func reduceRow(
        _ row: UnsafeMutablePointer<Float>, vocab: Int, k: Int, ids: UnsafeMutablePointer<Int32>,
        logits: UnsafeMutablePointer<Float>, gold: Int
    ) -> Double {
        var filled = 0
        var maximum = -Float.infinity
        for j in 0..<vocab {
            let value = row[j]
            if value > maximum { maximum = value }
            if filled < k || value > logits[k - 1] {
                var position = filled < k ? filled : k - 1
                while position > 0 && logits[position - 1] < value {
                    logits[position] = logits[position - 1]
                    ids[position] = ids[position - 1]
                    position -= 1
                }
                logits[position] = value
                ids[position] = Int32(j)
                if filled < k { filled += 1 }
            }
        }
        guard gold >= 0 else { return 0 }
        var sum = 0.0
        for j in 0..<vocab { sum += Double(expf(row[j] - maximum)) }
        return Double(maximum) + log(sum) - Double(row[gold])
    }
}
