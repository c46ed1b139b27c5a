import Foundation
import Testing
@testable import FuseLLM

/// GPT-2 and Llama logits against transformers 5.23 (tools/reference/llm_fixtures.py) on the tiny random
/// fixtures: max abs error ≤ 1e-4 over the whole `[T, vocab]` logits; top-k ids exact; metric_ce within 1e-4;
/// greedy decoding through the KV cache reproduces transformers' `generate` token for token.
@Suite struct CausalLMTests {
    static let models = ["gpt2-a", "llama-b", "llama-c"]

    @Test(arguments: models)
    func logitsMatchTransformers(name: String) throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model(name))
        let reference = LLMFixtures.reference.models[name]!
        for (n, text) in LLMFixtures.reference.texts.enumerated() {
            let expected = reference.texts[n]
            #expect(try bundle.encode(text) == expected.ids, "tokenization of text \(n)")
            guard let full = expected.logits else { continue }
            let logits = try bundle.model.logits(expected.ids, cache: bundle.model.makeCache())
            let worst = LLMFixtures.maxAbsError(logits, full)
            #expect(worst <= 1e-4, "\(name) text \(n): max abs logit error \(worst)")
        }
    }

    @Test(arguments: models)
    func topKAndMetricCEMatchTransformers(name: String) throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model(name))
        let reference = LLMFixtures.reference.models[name]!
        for expected in reference.texts {
            let result = try TopKReducer.distributions(
                model: bundle.model, ids: expected.ids, k: LLMFixtures.reference.top_k)
            #expect(abs(result.metricCE - expected.metric_ce) <= 1e-4)
            for t in 0..<expected.ids.count {
                let row = result.topK.row(t)
                #expect(Array(row.ids) == expected.topk_ids[t], "\(name) step \(t)")
                #expect(zip(row.values, expected.topk_logits[t]).allSatisfy { abs($0 - $1) <= 1e-4 })
            }
        }
    }

    /// Decoding token by token through the cache gives the same logits as one pass over the whole sequence.
    @Test(arguments: models)
    func kvCacheMatchesFullPass(name: String) throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model(name))
        let ids = LLMFixtures.reference.models[name]!.texts[1].ids
        let full = try bundle.model.logits(ids, cache: bundle.model.makeCache())
        let cache = bundle.model.makeCache()
        var worst: Float = 0
        _ = try bundle.model.logits(Array(ids[0..<5]), cache: cache)
        for t in 5..<ids.count {
            let step = try bundle.model.logits([ids[t]], cache: cache)
            for j in 0..<bundle.model.config.vocabSize { worst = max(worst, abs(step[0, j] - full[t, j])) }
        }
        #expect(worst <= 1e-4, "max abs difference \(worst)")
    }

    @Test(arguments: models)
    func greedyGenerationMatchesTransformers(name: String) throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model(name))
        let expected = LLMFixtures.reference.models[name]!.generate
        let decoder = try EnsembleDecoder(models: [bundle], method: .mean, topK: bundle.vocabulary.count)
        let result = try decoder.generate(
            prompt: expected.prompt, maxTokens: expected.ids.count - expected.prompt_ids.count,
            sampling: .greedy, stopAtEOS: false)
        #expect(result.ids == Array(expected.ids.dropFirst(expected.prompt_ids.count)))
    }

    @Test func configReadsRopeParameters() throws {
        let config = try CausalLMConfig.load(folder: LLMFixtures.model("llama-c"))
        #expect(config.ropeTheta == 500000)
        #expect(
            config.ropeScaling
                == .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 64))
        #expect(config.keyValueHeads == 1 && config.headDim == 16 && config.tieWordEmbeddings)
        let b = try CausalLMConfig.load(folder: LLMFixtures.model("llama-b"))
        #expect(b.ropeTheta == 5000 && b.ropeScaling == .none && !b.tieWordEmbeddings)
    }
}
