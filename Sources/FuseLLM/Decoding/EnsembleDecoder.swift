import Foundation
import FuseCore

/// Generates text from several causal LMs with different tokenizers by fusing their next-token distributions at
/// every step, in the base model's vocabulary.
///
/// The first model is the base: generated tokens are base tokens and extend its KV cache directly. Each source
/// model re-tokenizes the text so far; its cache keeps the longest common prefix of ids and decodes only the
/// changed tail. A source's next-token top-k goes into the base vocabulary through the MinED vocabulary mapping
/// (FuseLLM's soft mapping; the DTW sequence alignment needs the next tokens and so cannot run while generating).
/// Each model's step distribution is softmax(top-k logits / T), as in FuseLLM's targets; the weights are:
/// `mean` equal; `mince` / `avgce` / `avgce-paper` from each model's `metric_ce` on the prompt (as FuseLLM weighs
/// whole sequences). Greedy takes the most probable fused token (lowest id on ties); sampling draws from the
/// fused distribution with a seeded generator.
public struct EnsembleDecoder {
    public enum Method: String, Sendable, CaseIterable {
        case mince, avgce
        case avgcePaper = "avgce-paper"
        case mean
    }

    public enum Sampling: Sendable, Equatable {
        case greedy
        case sample(seed: UInt64)
    }

    public struct Result: Sendable {
        /// The generated base-model ids (the prompt excluded).
        public let ids: [Int32]
        public let text: String
        /// The weight of each model (base first).
        public let weights: [Double]
    }

    let models: [LanguageModelBundle]
    let mappings: [VocabularyMapping]
    let method: Method
    let topK: Int
    let temperature: Double

    /// - Parameters:
    ///   - models: the base model first, then the sources.
    ///   - topK: entries of each model's distribution per step (FuseLLM keeps 10).
    ///   - cacheDirectory: where vocabulary mappings are cached (nil computes them without caching).
    public init(
        models: [LanguageModelBundle], method: Method, topK: Int = 10, temperature: Double = 1,
        cacheDirectory: URL? = nil
    ) throws {
        guard let base = models.first else {
            throw LLMError.invalidOption(name: "models", reason: "name at least one model")
        }
        guard topK >= 1 else { throw LLMError.invalidOption(name: "topK", reason: "must be at least 1") }
        guard temperature > 0, temperature.isFinite else {
            throw LLMError.invalidOption(name: "temperature", reason: "must be a positive number, got \(temperature)")
        }
        self.models = models
        self.method = method
        self.topK = topK
        self.temperature = temperature
        mappings = try models.dropFirst().map { source in
            let pair = try VocabularyPair(base: base.vocabulary, source: source.vocabulary)
            if let cacheDirectory {
                return try VocabularyMappingCache.mapping(for: pair, directory: cacheDirectory).mapping
            }
            return VocabularyMapping.compute(pair: pair)
        }
    }

    /// Generates up to `maxTokens` base tokens after `prompt`.
    public func generate(prompt: String, maxTokens: Int, sampling: Sampling, stopAtEOS: Bool = true) throws -> Result {
        guard maxTokens >= 0 else { throw LLMError.invalidOption(name: "maxTokens", reason: "must not be negative") }
        let base = models[0]
        let promptIDs = try base.encode(prompt)
        guard !promptIDs.isEmpty else { throw LLMError.invalidOption(name: "prompt", reason: "tokenizes to no tokens") }
        let limit = promptIDs.count + maxTokens
        for model in models where limit > model.model.config.maxPositions {
            throw LLMError.windowTooLarge(
                model: model.name, window: limit, maxPositions: model.model.config.maxPositions)
        }
        var states = try models.map { try SourceState(model: $0, ids: $0.encode(prompt)) }
        let ces = states.map(\.promptCE)
        let weights: [Double]
        switch method {
        case .mean: weights = Array(repeating: 1 / Double(models.count), count: models.count)
        case .mince: weights = Fusion.weights(ces: ces, method: .mince)
        case .avgce: weights = Fusion.weights(ces: ces, method: .avgce)
        case .avgcePaper: weights = Fusion.weights(ces: ces, method: .avgcePaper)
        }
        var random = SplitMix64(seed: { if case .sample(let seed) = sampling { return seed } else { return 0 } }())
        var generated: [Int32] = []
        var probabilities: [Double] = []
        while generated.count < maxTokens {
            var mixture: [(id: Int32, p: Double)] = []
            for (m, state) in states.enumerated() where weights[m] > 0 {
                let (ids, logits) = state.topK(topK)
                Fusion.softmax(logits[...], temperature: temperature, into: &probabilities)
                var seen = Set<Int32>()
                for (id, p) in zip(ids, probabilities) {
                    let baseID = m == 0 ? id : mappings[m - 1].sourceToBase[Int(id)]
                    if seen.insert(baseID).inserted { mixture.append((baseID, weights[m] * p)) }
                }
            }
            let next = choose(mixture, sampling: sampling, random: &random)
            generated.append(next)
            if stopAtEOS, let eos = base.model.config.eosTokenID ?? base.tokenizer.eosTokenID, next == eos { break }
            if generated.count == maxTokens { break }
            try states[0].extend(to: promptIDs + generated)
            if states.count > 1 {
                let text = prompt + base.tokenizer.decode(generated, skipSpecialTokens: false)
                for m in 1..<states.count { try states[m].extend(to: models[m].encode(text)) }
            }
        }
        return Result(ids: generated, text: base.tokenizer.decode(generated), weights: weights)
    }

    private func choose(_ mixture: [(id: Int32, p: Double)], sampling: Sampling, random: inout SplitMix64) -> Int32 {
        var merged = [Int32: Double]()
        for entry in mixture { merged[entry.id, default: 0] += entry.p }
        let sorted = merged.sorted { $0.key < $1.key }
        switch sampling {
        case .greedy:
            var best = sorted[0]
            for entry in sorted where entry.value > best.value { best = entry }
            return best.key
        case .sample:
            let total = sorted.reduce(0) { $0 + $1.value }
            var u = random.nextUnit() * total
            for entry in sorted {
                u -= entry.value
                if u < 0 { return entry.key }
            }
            return sorted[sorted.count - 1].key
        }
    }
}

/// One model's decoding state: the ids fed so far, its cache, the last position's logits.
struct SourceState {
    let model: LanguageModelBundle
    let cache: KVCache
    var ids: [Int32]
    var lastLogits: [Float]
    let promptCE: Double

    init(model: LanguageModelBundle, ids: [Int32]) throws {
        self.model = model
        cache = model.model.makeCache()
        self.ids = ids
        guard ids.count <= cache.capacity else {
            throw LLMError.windowTooLarge(model: model.name, window: ids.count, maxPositions: cache.capacity)
        }
        let logits = try model.model.logits(ids, cache: cache)
        let vocab = model.model.config.vocabSize
        var total = 0.0
        logits.withUnsafeBufferPointer { l in
            for t in 0..<max(ids.count - 1, 0) {
                let row = l.baseAddress! + t * vocab
                var maximum = -Float.infinity
                for j in 0..<vocab { maximum = max(maximum, row[j]) }
                var sum = 0.0
                for j in 0..<vocab { sum += Double(expf(row[j] - maximum)) }
                total += Double(maximum) + log(sum) - Double(row[Int(ids[t + 1])])
            }
        }
        promptCE = ids.count > 1 ? total / Double(ids.count - 1) : .infinity
        lastLogits = Array(try logits.rows((ids.count - 1)..<ids.count).scalars)
    }

    /// Feeds what changed so that the state holds `newIDs`.
    mutating func extend(to newIDs: [Int32]) throws {
        var common = 0
        while common < min(ids.count, newIDs.count) && ids[common] == newIDs[common] { common += 1 }
        if common == newIDs.count && common == ids.count { return }
        if common == newIDs.count { common -= 1 }  // re-run the last token to get its logits
        guard newIDs.count <= cache.capacity else {
            throw LLMError.windowTooLarge(model: model.name, window: newIDs.count, maxPositions: cache.capacity)
        }
        cache.truncate(to: common)
        let logits = try model.model.logits(Array(newIDs[common...]), cache: cache)
        lastLogits = Array(try logits.rows((logits.shape[0] - 1)..<logits.shape[0]).scalars)
        ids = newIDs
    }

    /// The last position's top-k ids and logits (descending).
    func topK(_ k: Int) -> ([Int32], [Float]) {
        let count = min(k, lastLogits.count)
        var ids = [Int32](repeating: 0, count: count), values = [Float](repeating: 0, count: count)
        var lastLogits = self.lastLogits
        lastLogits.withUnsafeMutableBufferPointer { row in
            ids.withUnsafeMutableBufferPointer { i in
                values.withUnsafeMutableBufferPointer { v in
                    _ = TopKReducer.reduceRow(
                        row.baseAddress!, vocab: row.count, k: count, ids: i.baseAddress!,
                        logits: v.baseAddress!, gold: -1)
                }
            }
        }
        return (ids, values)
    }
}
