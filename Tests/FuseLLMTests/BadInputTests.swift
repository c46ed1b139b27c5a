import Foundation
import Testing
@testable import FuseLLM

/// Every bad input the issue lists gets its named error.
@Suite struct BadInputTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-llm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A model whose config.json vocab_size disagrees with its tokenizer.json.
    @Test func vocabularySizeMismatch() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = LLMFixtures.model("gpt2-a")
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        try FileManager.default.copyItem(
            at: LLMFixtures.model("llama-b").appendingPathComponent("tokenizer.json"),
            to: folder.appendingPathComponent("tokenizer.json"))
        #expect(
            throws: LLMError.vocabularySizeMismatch(
                model: folder.lastPathComponent, config: 317, other: 368,
                otherSource: "tokenizer.json")
        ) {
            try LanguageModelBundle(folder: folder)
        }
    }

    @Test func emptyCorpusLine() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let jsonl = folder.appendingPathComponent("c.jsonl")
        try "{\"text\": \"hello\"}\n\n{\"text\": \"x\"}\n".write(to: jsonl, atomically: true, encoding: .utf8)
        #expect(throws: LLMError.emptyCorpusLine(file: jsonl.path, line: 2)) { try Corpus(url: jsonl) }
        let blank = folder.appendingPathComponent("c2.jsonl")
        try "{\"text\": \"   \"}\n".write(to: blank, atomically: true, encoding: .utf8)
        #expect(throws: LLMError.emptyCorpusLine(file: blank.path, line: 1)) { try Corpus(url: blank) }
        let plain = folder.appendingPathComponent("c.txt")
        try "one\n   \nthree\n".write(to: plain, atomically: true, encoding: .utf8)
        #expect(throws: LLMError.emptyCorpusLine(file: plain.path, line: 2)) { try Corpus(url: plain) }
    }

    /// A single word longer than the window cannot be split and is refused; longer texts are split to fit.
    @Test func sequenceLongerThanWindow() throws {
        let bundle = try LanguageModelBundle(folder: LLMFixtures.model("gpt2-a"))
        let counters = [(name: "gpt2-a", count: { (s: String) in try bundle.encode(s).count })]
        #expect(throws: LLMError.sequenceLongerThanWindow(model: "gpt2-a", line: 7, tokens: 24, window: 8)) {
            try Windowing.split("Antidisestablishmentarianism", line: 7, window: 8, counters: counters)
        }
        let text = LLMFixtures.reference.texts[1]
        let chunks = try Windowing.split(text, line: 1, window: 8, counters: counters)
        #expect(chunks.count > 1 && chunks.joined() == text)
        #expect(try chunks.allSatisfy { try bundle.encode($0).count <= 8 })
        #expect(throws: LLMError.windowTooLarge(model: "gpt2-a", window: 100, maxPositions: 64)) {
            try DistributionExtractor(window: 100).sequences(
                corpus: Corpus(url: LLMFixtures.directory.appendingPathComponent("corpus.jsonl")),
                models: [bundle])
        }
    }

    /// Distributions computed from one corpus are refused for another (manifest hash), and a source missing from
    /// the folder is named in `align`.
    @Test func otherCorpusAndMissingSource() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = try Corpus(url: LLMFixtures.directory.appendingPathComponent("corpus.jsonl"))
        let bundles = try ["gpt2-a", "llama-b"].map { try LanguageModelBundle(folder: LLMFixtures.model($0)) }
        let dists = folder.appendingPathComponent("dists")
        try DistributionExtractor(window: 64, shardSize: 2).run(
            corpus: Corpus(url: LLMFixtures.directory.appendingPathComponent("corpus.jsonl")),
            models: bundles, folder: dists)
        let other = folder.appendingPathComponent("other.txt")
        try "A different corpus.\n".write(to: other, atomically: true, encoding: .utf8)
        let otherCorpus = try Corpus(url: other)
        #expect(
            throws: LLMError.corpusMismatch(
                file: corpus.url.path, expectedHash: otherCorpus.hash, actualHash: corpus.hash)
        ) {
            try AlignmentRunner(mode: .hard).run(
                folder: dists, base: "gpt2-a", sources: ["llama-b"], corpus: otherCorpus)
        }
        #expect(
            throws: LLMError.corpusMismatch(
                file: corpus.url.path, expectedHash: otherCorpus.hash, actualHash: corpus.hash)
        ) {
            try DistributionExtractor(window: 64, shardSize: 2).run(corpus: otherCorpus, models: bundles, folder: dists)
        }
        #expect(throws: LLMError.missingModel(name: "llama-z", folder: dists.path, available: ["gpt2-a", "llama-b"])) {
            try AlignmentRunner(mode: .hard).run(folder: dists, base: "gpt2-a", sources: ["llama-z"])
        }
    }
}
