import FuseCore

/// Greedy and beam search over one window, as transformers' `generate` runs them under Whisper: the same logits
/// rules, the same stopping (end of text or `maxLength` positions, prompt included), and for beams the same
/// bookkeeping (2·beams candidates per step, finished hypotheses scored by log-probability over generated length,
/// transformers' early-stop heuristic with `early_stopping=False` and length penalty 1).
struct WhisperSearch {
    let model: WhisperModel
    let cross: WhisperCrossCache
    let rules: WhisperLogitsRules
    /// The longest sequence, prompt included.
    let maxLength: Int

    /// Generated tokens after `prompt`, the final end-of-text token dropped.
    func run(prompt: [Int32], beams: Int) throws -> [Int32] {
        let tokens = beams <= 1 ? try greedy(prompt) : try beamSearch(prompt, beams: beams)
        return tokens.last == Int32(model.generation.eosTokenID) ? Array(tokens.dropLast()) : tokens
    }

    private func greedy(_ prompt: [Int32]) throws -> [Int32] {
        let cache = model.makeCache()
        var generated: [Int32] = []
        var input = prompt
        while prompt.count + generated.count < maxLength {
            var logits = try model.decode(input, cache: cache, cross: cross)
            let next = logits.withUnsafeMutableBufferPointer { row -> Int32 in
                rules.apply(row, generated: generated[...])
                return Int32(argmax(UnsafeBufferPointer(row)))
            }
            generated.append(next)
            if next == Int32(model.generation.eosTokenID) { break }
            input = [next]
        }
        return generated
    }

    private struct Beam {
        var tokens: [Int32]
        var score: Float
        var cache: KVCache
    }

    private struct Candidate {
        let parent: Int
        let token: Int32
        let score: Float
    }

    private func beamSearch(_ prompt: [Int32], beams: Int) throws -> [Int32] {
        let vocab = model.config.vocabSize, eos = Int32(model.generation.eosTokenID), promptLength = prompt.count
        let penalty: Float = -1e9
        let first = model.makeCache()
        // Every beam starts from the prompt; only the first counts (transformers starts the others at −1e9).
        var rows = [try model.decode(prompt, cache: first, cross: cross)]
        var running = [Beam(tokens: [], score: 0, cache: first)]
        for _ in 1..<beams {
            let cache = model.makeCache()
            cache.copy(from: first)
            running.append(Beam(tokens: [], score: penalty, cache: cache))
            rows.append(rows[0])
        }
        var finished: [(tokens: [Int32], score: Float, done: Bool)] = Array(
            repeating: ([], penalty, false), count: beams)
        var improvementPossible = true
        var length = promptLength
        while true {
            // Accumulated log-probabilities of every continuation of every beam.
            var totals = [Float](repeating: 0, count: beams * vocab)
            for (b, beam) in running.enumerated() {
                rows[b].withUnsafeMutableBufferPointer { row in
                    logSoftmax(row)
                    rules.apply(row, generated: beam.tokens[...])
                    for v in 0..<vocab { totals[b * vocab + v] = row[v] + beam.score }
                }
            }
            let candidates = Self.topK(totals, k: 2 * beams).map {
                Candidate(parent: $0 / vocab, token: Int32($0 % vocab), score: totals[$0])
            }
            let atLimit = length + 1 >= maxLength
            let hits = candidates.map { $0.token == eos || atLimit }
            // Finished hypotheses: those among the best `beams` candidates that stop here.
            var merged = finished
            let generatedLength = Float(length + 1 - promptLength)
            for (i, candidate) in candidates.enumerated() {
                let stops = hits[i] && i < beams
                var score = candidate.score / generatedLength
                if !improvementPossible { score += penalty }
                if !stops { score += penalty }
                merged.append((running[candidate.parent].tokens + [candidate.token], score, stops))
            }
            finished = Self.topK(merged.map(\.score), k: beams).map { merged[$0] }
            // The next running beams: the best candidates that do not stop.
            let runningScores = candidates.enumerated().map { $0.element.score + (hits[$0.offset] ? penalty : 0) }
            let chosen = Self.topK(runningScores, k: beams)
            var next: [Beam] = []
            for index in chosen {
                let candidate = candidates[index]
                let cache = model.makeCache()
                cache.copy(from: running[candidate.parent].cache)
                next.append(
                    Beam(
                        tokens: running[candidate.parent].tokens + [candidate.token], score: runningScores[index],
                        cache: cache))
            }
            running = next
            length += 1
            let worstFinished = finished.map(\.score).min() ?? penalty
            let bestPossible = running[0].score / Float(length - promptLength)
            improvementPossible =
                improvementPossible && finished.contains { bestPossible > ($0.done ? worstFinished : penalty) }
            if !improvementPossible || hits.allSatisfy({ $0 }) { break }
            rows = try running.map { try model.decode([$0.tokens.last!], cache: $0.cache, cross: cross) }
        }
        return finished[0].tokens
    }

    /// Indices of the `k` largest values, largest first (earlier index first on ties).
    /// One pass keeping a sorted list of `k` (beam search asks for ten of ~260 000 scores per step).
    static func topK(_ values: [Float], k: Int) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for (index, value) in values.enumerated() {
            if best.count == k, let last = best.last, values[last] >= value { continue }
            var position = best.count
            while position > 0, values[best[position - 1]] < value { position -= 1 }
            best.insert(index, at: position)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
