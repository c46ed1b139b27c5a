import CFuseKernels
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
        let decoder = model.decoder, vocab = model.config.vocabSize, eos = Int32(model.generation.eosTokenID)
        // Everything a step needs is made once here: the loop allocates nothing per token.
        let caches = [decoder.makeCache()], workspace = decoder.makeWorkspace(rows: prompt.count)
        var generated: [Int32] = []
        generated.reserveCapacity(maxLength)
        var input = prompt
        while prompt.count + generated.count < maxLength {
            let logits = try decoder.step(input, caches: caches, cross: cross, workspace: workspace)
            let row = UnsafeMutableBufferPointer(start: logits, count: vocab)
            rules.apply(row, generated: generated[...])
            let next = Int32(fuse_argmax(logits, Int64(vocab)))
            generated.append(next)
            if next == eos { break }
            input.removeAll(keepingCapacity: true)
            input.append(next)
        }
        return generated
    }

    private struct Beam {
        var tokens: [Int32]
        var score: Float
    }

    private struct Candidate {
        let parent: Int
        let token: Int32
        let score: Float
    }

    /// Beam search with the running beams decoded as one batch per step (`WhisperDecoder.step`); each beam's cache
    /// is refilled from its parent's in a second set of caches, and the two sets swap.
    private func beamSearch(_ prompt: [Int32], beams: Int) throws -> [Int32] {
        let decoder = model.decoder
        let vocab = model.config.vocabSize, eos = Int32(model.generation.eosTokenID), promptLength = prompt.count
        let penalty: Float = -1e9
        var caches = (0..<beams).map { _ in decoder.makeCache() }
        var spare = (0..<beams).map { _ in decoder.makeCache() }
        let workspace = decoder.makeWorkspace(rows: max(beams, promptLength))
        // Every beam starts from the prompt; only the first counts (transformers starts the others at −1e9).
        var logits = try decoder.step(prompt, caches: [caches[0]], cross: cross, workspace: workspace)
        for b in 1..<beams {
            caches[b].copy(from: caches[0])
            (logits + b * vocab).update(from: logits, count: vocab)
        }
        var running =
            [Beam(tokens: [], score: 0)] + Array(repeating: Beam(tokens: [], score: penalty), count: beams - 1)
        var finished: [(tokens: [Int32], score: Float, done: Bool)] = Array(
            repeating: ([], penalty, false), count: beams)
        var improvementPossible = true
        var length = promptLength
        var totals = [Float](repeating: 0, count: beams * vocab)
        while true {
            // Accumulated log-probabilities of every continuation of every beam.
            for (b, beam) in running.enumerated() {
                let row = UnsafeMutableBufferPointer(start: logits + b * vocab, count: vocab)
                logSoftmax(row)
                rules.apply(row, generated: beam.tokens[...])
                totals.withUnsafeMutableBufferPointer { all in
                    for v in 0..<vocab { all[b * vocab + v] = row[v] + beam.score }
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
            for (slot, index) in chosen.enumerated() {
                let candidate = candidates[index]
                spare[slot].copy(from: caches[candidate.parent])
                next.append(
                    Beam(tokens: running[candidate.parent].tokens + [candidate.token], score: runningScores[index]))
            }
            swap(&caches, &spare)
            running = next
            length += 1
            let worstFinished = finished.map(\.score).min() ?? penalty
            let bestPossible = running[0].score / Float(length - promptLength)
            improvementPossible =
                improvementPossible && finished.contains { bestPossible > ($0.done ? worstFinished : penalty) }
            if !improvementPossible || hits.allSatisfy({ $0 }) { break }
            logits = try decoder.step(
                running.map { $0.tokens.last! }, caches: caches, cross: cross, workspace: workspace)
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
