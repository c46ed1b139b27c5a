import Foundation
import FuseTestSupport
import Testing
@testable import FuseLLM

/// Mixtral, Qwen2-MoE and OLMoE (two tiny random checkpoints each, tools/reference/llm_moe_fixtures.py, transformers
/// 5.25) against transformers: logits ≤ 1e-4 max abs over the whole `[T, vocab]`, top-k ids exact, metric_ce within
/// 1e-4, greedy generation through the KV cache identical. One checkpoint of each family is in the per-expert layout
/// `save_pretrained` writes, the other in the merged 3-D layout. The smallest router margin on these texts (the gap
/// between the k-th and (k+1)-th expert probability) is 5.1e-5 (mixtral-b): far above float32 rounding, so no expert
/// choice is a near-tie.
@Suite struct MixtureOfExpertsTests {
    static let directory = LLMFixtures.directory.deletingLastPathComponent().appendingPathComponent("llm-moe")
    static let reference: LLMFixtures.Reference = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("reference.json"))
        return try! JSONDecoder().decode(LLMFixtures.Reference.self, from: data)
    }()
    static let models = ["mixtral-a", "mixtral-b", "qwen2moe-a", "qwen2moe-b", "olmoe-a", "olmoe-b"]

    static func bundle(_ name: String) throws -> LanguageModelBundle {
        try LanguageModelBundle(folder: directory.appendingPathComponent(name))
    }

    @Test(arguments: models)
    func logitsTopKAndMetricCEMatchTransformers(name: String) throws {
        let bundle = try Self.bundle(name)
        let expected = Self.reference.models[name]!
        for (n, text) in Self.reference.texts.enumerated() {
            let want = expected.texts[n]
            #expect(try bundle.encode(text) == want.ids, "tokenization of text \(n)")
            if let full = want.logits {
                let logits = try bundle.model.logits(want.ids, cache: bundle.model.makeCache())
                let worst = LLMFixtures.maxAbsError(logits, full)
                #expect(worst <= 1e-4, "\(name) text \(n): max abs logit error \(worst)")
            }
            let result = try TopKReducer.distributions(model: bundle.model, ids: want.ids, k: Self.reference.top_k)
            #expect(abs(result.metricCE - want.metric_ce) <= 1e-4, "\(name) text \(n) metric_ce")
            for t in 0..<want.ids.count {
                #expect(Array(result.topK.row(t).ids) == want.topk_ids[t], "\(name) text \(n) step \(t)")
            }
        }
    }

    @Test(arguments: models)
    func greedyGenerationMatchesTransformers(name: String) throws {
        let bundle = try Self.bundle(name)
        let expected = Self.reference.models[name]!.generate
        let decoder = try EnsembleDecoder(models: [bundle], method: .mean, topK: bundle.vocabulary.count)
        let result = try decoder.generate(
            prompt: expected.prompt, maxTokens: expected.ids.count - expected.prompt_ids.count,
            sampling: .greedy, stopAtEOS: false)
        #expect(result.ids == Array(expected.ids.dropFirst(expected.prompt_ids.count)))
    }

    /// One token at a time through the KV cache equals one pass over the sequence (the routing is per token).
    @Test(arguments: ["mixtral-a", "qwen2moe-a", "olmoe-b"])
    func kvCacheMatchesFullPass(name: String) throws {
        let model = try Self.bundle(name).model
        let ids = Self.reference.models[name]!.texts[1].ids
        let full = try model.logits(ids, cache: model.makeCache())
        let cache = model.makeCache()
        _ = try model.logits(Array(ids[0..<3]), cache: cache)
        var worst: Float = 0
        for t in 3..<ids.count {
            let step = try model.logits([ids[t]], cache: cache)
            for j in 0..<model.config.vocabSize { worst = max(worst, abs(step[0, j] - full[t, j])) }
        }
        #expect(worst <= 1e-4, "max abs difference \(worst)")
    }

    @Test func configsReadTheirFamilies() throws {
        let mixtral = try CausalLMConfig.load(folder: Self.directory.appendingPathComponent("mixtral-b"))
        #expect(mixtral.experts == MixtureOfExpertsConfig(count: 5, topK: 3, intermediateSize: 28, normalizeTopK: true))
        #expect(mixtral.slidingWindow == 48 && mixtral.maxPositions == 64)
        let qwen = try CausalLMConfig.load(folder: Self.directory.appendingPathComponent("qwen2moe-a"))
        #expect(qwen.experts?.sharedExpertSize == 36 && qwen.experts?.normalizeTopK == false)
        #expect((0..<3).map(qwen.isSparse(layer:)) == [true, false, true])
        #expect(qwen.attentionBias && !qwen.outputProjectionBias)
        let qwenB = try CausalLMConfig.load(folder: Self.directory.appendingPathComponent("qwen2moe-b"))
        #expect((0..<4).map(qwenB.isSparse(layer:)) == [false, true, false, true])
        let olmoe = try CausalLMConfig.load(folder: Self.directory.appendingPathComponent("olmoe-a"))
        #expect(olmoe.queryKeyNorm && olmoe.clipQKV == 0.6 && olmoe.experts?.topK == 2)
    }

    @Test func badMoEConfigsAreRefusedByName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("moe-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Self.directory.appendingPathComponent("mixtral-a/config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as! [String: Any]
        json["num_experts_per_tok"] = 9
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        #expect { try CausalLMConfig.load(folder: folder) } throws: { "\($0)".contains("num_experts_per_tok") }
        json["num_experts_per_tok"] = 2
        json["model_type"] = "deepseek_v3"
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        #expect { try CausalLMConfig.load(folder: folder) } throws: { error in
            "\(error)".contains("deepseek_v3") && "\(error)".contains("mixtral") && "\(error)".contains("olmoe")
        }
    }

    /// The sparse families work in `fuse llm` like the dense ones: greedy generation prints what the library (checked
    /// against transformers above) decodes, and `logits` writes its shards.
    @Test(arguments: ["mixtral-b", "qwen2moe-a", "olmoe-a"])
    func commandLine(name: String) throws {
        let folder = try BadInputTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundle = try Self.bundle(name)
        let expected = try EnsembleDecoder(models: [bundle], method: .mean, topK: 10)
            .generate(prompt: "The base model", maxTokens: 12, sampling: .greedy, stopAtEOS: true)
        let path = Self.directory.appendingPathComponent(name).path
        let generate = try FuseBinary.run([
            "llm", "generate", "--models", path, "--prompt", "The base model",
            "--max-tokens", "12", "--cache-dir", folder.path,
        ])
        #expect(generate.status == 0, "\(generate.errors)")
        #expect(generate.output == "The base model" + expected.text + "\n")
        let corpus = LLMFixtures.directory.appendingPathComponent("corpus.jsonl").path
        let logits = try FuseBinary.run([
            "llm", "logits", "--models", path, "--corpus", corpus,
            "--out", folder.appendingPathComponent("dists").path,
        ])
        #expect(logits.status == 0, "\(logits.errors)")
        #expect(logits.output.contains("5 sequences from 5 texts, 1 model(s)"), "\(logits.output)")
    }
}
