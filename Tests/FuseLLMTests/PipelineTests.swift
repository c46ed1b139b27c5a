import Foundation
import Testing
@testable import FuseLLM

/// The file pipeline (logits → align → fuse) end to end on the fixtures: the fused export equals the in-memory
/// reference fusion of tools/reference/llm_fusellm.py (probabilities within 1e-5, the CEs having passed through
/// float32 files), and an interrupted extraction resumes to the same files.
@Suite struct PipelineTests {
    @Test func pipelineReproducesReferenceFusion() throws {
        let folder = try BadInputTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = try Corpus(url: LLMFixtures.directory.appendingPathComponent("corpus.jsonl"))
        let c = LLMFixtures.fusion.cases[0]  // base gpt2-a, sources llama-b + llama-c, soft, T = 1
        let bundles = try ([c.base] + c.sources).map { try LanguageModelBundle(folder: LLMFixtures.model($0)) }
        let dists = folder.appendingPathComponent("dists")
        let manifest = try DistributionExtractor(window: 64, shardSize: 2).run(
            corpus: corpus, models: bundles, folder: dists)
        #expect(manifest.sequences == corpus.texts.count && manifest.shardCount == 3)
        try AlignmentRunner(mode: .soft, cacheDirectory: folder.appendingPathComponent("cache"))
            .run(folder: dists, base: c.base, sources: c.sources, corpus: corpus)
        let out = folder.appendingPathComponent("fused")
        let export = try FusionRunner(method: .avgce, temperature: c.temperature)
            .run(folder: dists, base: c.base, sources: c.sources, output: out, corpus: corpus)
        var n = 0
        for name in export.shards {
            let shard = try StepShard.read(
                from: out.appendingPathComponent(name), kind: .fused, corpusSHA256: corpus.hash)
            for s in 0..<shard.sequenceCount {
                let steps = shard.sequence(s), expected = c.texts[n].avgce
                #expect(steps.count == expected.count)
                for t in 0..<min(steps.count, expected.count) {
                    let row = steps.row(t)
                    let got = Dictionary(uniqueKeysWithValues: zip(row.ids, row.values))
                    for (id, p) in zip(expected[t].ids, expected[t].probs) { #expect(abs((got[id] ?? 0) - p) <= 1e-5) }
                }
                n += 1
            }
        }
        #expect(n == corpus.texts.count)
    }

    @Test func extractionResumes() throws {
        let folder = try BadInputTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = try Corpus(url: LLMFixtures.directory.appendingPathComponent("corpus.jsonl"))
        let bundles = [try LanguageModelBundle(folder: LLMFixtures.model("llama-b"))]
        let dists = folder.appendingPathComponent("dists")
        let extractor = try DistributionExtractor(window: 64, shardSize: 2)
        let full = try extractor.run(corpus: corpus, models: bundles, folder: dists)
        let first = DistributionExtractor.shardURL(folder: dists, model: "llama-b", index: 1)
        let before = try Data(contentsOf: first)
        // Simulate an interruption after shard 0: drop shards 1… from the manifest and the disk.
        var partial = full
        partial.models["llama-b"]!.completedShards = [0]
        try partial.write(folder: dists)
        try FileManager.default.removeItem(at: first)
        var resumed: [Int] = []
        let again = try extractor.run(corpus: corpus, models: bundles, folder: dists) { _, shard, _ in
            resumed.append(shard)
        }
        #expect(resumed == [1, 2])
        #expect(again.isComplete("llama-b"))
        #expect(try Data(contentsOf: first) == before)
    }
}
