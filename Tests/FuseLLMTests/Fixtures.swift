import Foundation
@testable import FuseLLM
import FuseTestSupport

/// Locates Tests/Fixtures/llm and decodes the reference files written by tools/reference/llm_fixtures.py.
enum LLMFixtures {
    static let directory = FixturePaths.url("llm")

    static func model(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The largest absolute difference between `logits` `[T, vocab]` and reference rows.
    static func maxAbsError(_ logits: Tensor, _ reference: [[Float]]) -> Float {
        let expected = reference.flatMap { $0 }
        return maxAbsDifference(Array(logits.scalars.prefix(expected.count)), expected)
    }

    static func vocabulary(_ name: String) throws -> LLMVocabulary {
        try LLMVocabulary.load(tokenizerFile: model(name).appendingPathComponent("tokenizer.json"))
    }

    struct TextOutput: Decodable {
        let ids: [Int32]
        let tokens: [String]
        let topk_logits: [[Float]]
        let topk_ids: [[Int32]]
        let metric_ce: Double
        let logits: [[Float]]?

        var topK: SparseSteps {
            SparseSteps(
                rowWidth: topk_ids.first?.count ?? 0, ids: topk_ids.flatMap { $0 }, values: topk_logits.flatMap { $0 })
        }
    }

    struct Generation: Decodable {
        let prompt: String
        let prompt_ids: [Int32]
        let ids: [Int32]
    }

    struct ModelOutput: Decodable {
        let vocab_size: Int
        let texts: [TextOutput]
        let generate: Generation
    }

    struct Reference: Decodable {
        let texts: [String]
        let top_k: Int
        let models: [String: ModelOutput]
    }

    struct Aligned: Decodable {
        let base_to_source: [[Int]]
        let logits: [[Float]]
        let ids: [[Int32]]
    }

    struct Sparse: Decodable {
        let ids: [Int32]
        let probs: [Float]
    }

    struct FusionText: Decodable {
        let aligned: [String: Aligned]
        let ces: [Double]
        let mince_choice: Int
        let avgce_weights: [Double]
        let avgce_paper_weights: [Double]
        let mince: [Sparse]
        let avgce: [Sparse]
        let avgce_paper: [Sparse]
    }

    struct FusionCase: Decodable {
        let base: String
        let sources: [String]
        let align_type: String
        let temperature: Double
        let vocab_mappings: [String: [String: String]]
        let texts: [FusionText]
    }

    struct FusionFile: Decodable {
        let texts: [String]
        let cases: [FusionCase]
    }

    static let reference: Reference = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("reference.json"))
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    static let fusion: FusionFile = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("fusion.json"))
        return try! JSONDecoder().decode(FusionFile.self, from: data)
    }()
}
