import Foundation
import Testing
@testable import FuseLLM

/// Causal LMs in int8 and bf16 against the same model in fp32 (issue 18's contract for GPT-2-small: top-10 ids overlap
/// ≥ 9.5 of 10 on average, metric_ce within 1 % relative), on the fixture models (tiny random GPT-2, Llama, Mixtral,
/// Qwen2-MoE, OLMoE) over the fixture texts; int8 without VNNI (7-bit weights) keeps ≥ 9.4. Logits, top-k and
/// metric_ce are fp32 in every precision.
@Suite struct CausalLMPrecisionTests {
    static let moe = LLMFixtures.directory.deletingLastPathComponent().appendingPathComponent("llm-moe")
    static let folders =
        ["gpt2-a", "llama-b", "llama-c"].map(LLMFixtures.model)
        + ["mixtral-a", "qwen2moe-a", "olmoe-b"].map { moe.appendingPathComponent($0) }

    @Test(arguments: folders)
    func reducedPrecisionKeepsTopKAndMetricCE(folder: URL) throws {
        let exact = try LanguageModelBundle(folder: folder)
        for precision in [Precision.int8, .bf16] {
            let reduced = try LanguageModelBundle(folder: folder, precision: precision)
            guard reduced.model.precision == precision else {
                // No kernels for it on this CPU: the exact model, and it says so.
                #expect(reduced.model.precision == .fp32)
                continue
            }
            var overlap = 0.0, steps = 0
            for text in LLMFixtures.reference.texts {
                let ids = try exact.encode(text)
                let a = try TopKReducer.distributions(model: exact.model, ids: ids, k: 10)
                let b = try TopKReducer.distributions(model: reduced.model, ids: ids, k: 10)
                #expect(
                    abs(b.metricCE - a.metricCE) <= 0.01 * abs(a.metricCE),
                    "\(folder.lastPathComponent) \(precision): metric_ce \(b.metricCE) vs \(a.metricCE)")
                for t in 0..<ids.count {
                    overlap += Double(Set(a.topK.row(t).ids).intersection(b.topK.row(t).ids).count)
                    steps += 1
                }
            }
            // Without VNNI int8 weights get 7 bits (docs/PRECISION.md): measured 9.47 on llama-c with oneDNN capped to AVX2.
            let bound = precision == .int8 && !ComputeCapabilities.current.hasVNNI ? 9.4 : 9.5
            #expect(
                overlap / Double(steps) >= bound,
                "\(folder.lastPathComponent) \(precision): top-10 overlap \(overlap / Double(steps))")
        }
    }
}
