import Foundation
import Testing
@testable import FuseLLM

/// Ensemble decoding against tools/reference/llm_ensemble.py (transformers forward passes, FuseLLM's MinED mapping,
/// the same SplitMix64 draws): generated base ids exact, text equal, model weights within 1e-5 (the prompt CEs
/// come from float32 logits on both sides).
@Suite struct EnsembleTests {
    struct Case: Decodable {
        let models: [String]
        let prompt: String
        let max_tokens: Int
        let method: String
        let seed: UInt64?
        let temperature: Double
        let top_k: Int
        let ids: [Int32]
        let text: String
        let weights: [Double]
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: LLMFixtures.directory.appendingPathComponent("ensemble.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    @Test(arguments: Array(cases.indices))
    func generationMatchesReference(index: Int) throws {
        let c = Self.cases[index]
        let bundles = try c.models.map { try LanguageModelBundle(folder: LLMFixtures.model($0)) }
        let decoder = try EnsembleDecoder(
            models: bundles, method: try #require(EnsembleDecoder.Method(rawValue: c.method)),
            topK: c.top_k, temperature: c.temperature)
        let result = try decoder.generate(
            prompt: c.prompt, maxTokens: c.max_tokens,
            sampling: c.seed.map { .sample(seed: $0) } ?? .greedy)
        #expect(result.ids == c.ids, "\(c.models) \(c.method) seed \(String(describing: c.seed))")
        #expect(result.text == c.text)
        #expect(result.weights.count == c.weights.count)
        for (got, want) in zip(result.weights, c.weights) { #expect(abs(got - want) <= 1e-5) }
    }

    /// The SplitMix64 stream equals the reference's (Vigna's published constants; first outputs of seed 0).
    @Test func splitMixStream() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func rejectsBadOptions() throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model("gpt2-a"))
        #expect(throws: LLMError.invalidOption(name: "models", reason: "name at least one model")) {
            try EnsembleDecoder(models: [], method: .mean)
        }
        #expect(throws: LLMError.invalidOption(name: "temperature", reason: "must be a positive number, got 0.0")) {
            try EnsembleDecoder(models: [bundle], method: .mean, temperature: 0)
        }
        let decoder = try EnsembleDecoder(models: [bundle], method: .mean)
        #expect(throws: LLMError.windowTooLarge(model: "gpt2-a", window: 108, maxPositions: 64)) {
            try decoder.generate(prompt: "The base model", maxTokens: 100, sampling: .greedy)
        }
    }
}
