import CFuseKernels
import Foundation

/// The logits processors `WhisperForConditionalGeneration.generate` installs, applied to one row of scores in
/// transformers' order: `begin_suppress_tokens` (first generated token only), `suppress_tokens`, then — with
/// timestamps — `WhisperTimeStampLogitsProcessor`'s rules.
struct WhisperLogitsRules: Sendable {
    let suppress: [Int]
    let beginSuppress: [Int]
    let timestamps: Bool
    let noTimestampsTokenID: Int?
    let eosTokenID: Int
    let maxInitialTimestampIndex: Int?

    init(generation: WhisperGenerationConfig, timestamps: Bool) {
        suppress = generation.suppressTokens
        beginSuppress = generation.beginSuppressTokens
        self.timestamps = timestamps && generation.noTimestampsTokenID != nil
        noTimestampsTokenID = generation.noTimestampsTokenID
        eosTokenID = generation.eosTokenID
        maxInitialTimestampIndex = generation.maxInitialTimestampIndex
    }

    /// Masks `scores` (one vocabulary row) given the tokens generated so far in this window (after the prompt).
    func apply(_ scores: UnsafeMutableBufferPointer<Float>, generated: ArraySlice<Int32>) {
        let vocab = scores.count
        if generated.isEmpty { for id in beginSuppress where id < vocab { scores[id] = -.infinity } }
        for id in suppress where id < vocab { scores[id] = -.infinity }
        guard timestamps, let noTimestamps = noTimestampsTokenID else { return }
        let begin = noTimestamps + 1
        guard begin < vocab else { return }
        scores[noTimestamps] = -.infinity
        let count = generated.count
        let lastWasTimestamp = count >= 1 && Int(generated[generated.endIndex - 1]) >= begin
        let penultimateWasTimestamp = count < 2 || Int(generated[generated.endIndex - 2]) >= begin
        if lastWasTimestamp {
            if penultimateWasTimestamp {
                for id in begin..<vocab { scores[id] = -.infinity }  // a pair is closed: text must follow
            } else {
                for id in 0..<min(eosTokenID, vocab) { scores[id] = -.infinity }  // the pair must close (or end)
            }
        }
        // Timestamps never decrease; after a closed pair (or a lone first one) they must also move on.
        var timestampLast = begin
        if let lastTimestamp = generated.last(where: { Int($0) >= begin }) {
            timestampLast = lastWasTimestamp && !penultimateWasTimestamp ? Int(lastTimestamp) : Int(lastTimestamp) + 1
        }
        for id in begin..<min(timestampLast, vocab) { scores[id] = -.infinity }
        if count == 0 {
            for id in 0..<begin { scores[id] = -.infinity }  // the first token is a timestamp
            if let maxInitial = maxInitialTimestampIndex, begin + maxInitial + 1 < vocab {
                for id in (begin + maxInitial + 1)..<vocab { scores[id] = -.infinity }
            }
        }
        // When the timestamps together are likelier than any single text token, emit a timestamp.
        let base = scores.baseAddress!
        let (text, times) = withUnsafeTemporaryAllocation(of: Float.self, capacity: 2) { parts in
            fuse_log_sum_exp_parts(base, Int64(vocab), Int64(begin), parts.baseAddress!)
            return (parts[0], parts[1])
        }
        let logNormalizer = Self.logAddExp(text, times)
        let timestampLogProbability = times - logNormalizer
        let bestText = begin > 0 ? scores[Int(fuse_argmax(base, Int64(begin)))] : -Float.infinity
        if timestampLogProbability > bestText - logNormalizer {
            for id in 0..<begin { scores[id] = -.infinity }
        }
    }

    /// `log(eᵃ + eᵇ)`, −∞ when both are −∞.
    static func logAddExp(_ a: Float, _ b: Float) -> Float {
        let peak = max(a, b)
        guard peak > -.infinity else { return -.infinity }
        return peak + logf(expf(a - peak) + expf(b - peak))
    }

    /// `log Σ exp(scores[range])`, −∞ when every score is −∞.
    static func logSumExp(_ scores: UnsafeMutableBufferPointer<Float>, _ range: Range<Int>) -> Float {
        fuse_log_sum_exp(scores.baseAddress! + range.lowerBound, Int64(range.count))
    }
}

/// Index of the largest score (the first one on ties, as `torch.argmax`).
func argmax(_ scores: UnsafeBufferPointer<Float>) -> Int {
    Int(fuse_argmax(scores.baseAddress!, Int64(scores.count)))
}

/// `log_softmax` of one row, in place.
func logSoftmax(_ scores: UnsafeMutableBufferPointer<Float>) {
    let normalizer = WhisperLogitsRules.logSumExp(scores, 0..<scores.count)
    for i in scores.indices { scores[i] -= normalizer }
}
