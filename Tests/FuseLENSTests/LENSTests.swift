import Foundation
import FuseTestSupport
import Testing
import FuseCore
@testable import FuseLENS

private let fixtures = FixturePaths.url("lens")

/// FuseLENS against LENS (ContextualAI/lens) re-implemented in torch by tools/reference/lens_reference.py.
/// Scores: ≤ 1e-5 max abs (float32 GEMM vs torch float32); indexes and prompts: identical.
@Suite struct LENSReferenceTests {
    struct Result: Decodable { let indexes: [Int]; let scores: [Float] }
    struct Case: Decodable { let k: Int; let threshold: Float; let results: [Result] }
    struct PromptCase: Decodable {
        let tags: [String]; let attributes: [String]; let captions: [String]; let question: String; let prompt: String
    }
    struct Fixture: Decodable {
        let vocabulary: [String]
        let text_embeddings: [[Float]]
        let image_features: [[Float]]
        let cases: [Case]
        let prompts: [PromptCase]
    }

    static let fixture: Fixture = {
        try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtures.appendingPathComponent("lens.json")))
    }()

    func scorer() throws -> DescriptorScorer {
        let f = Self.fixture
        let vocabulary = try DescriptorVocabulary(name: "fixture", lines: f.vocabulary)
        let embeddings = try Tensor(
            shape: [f.vocabulary.count, f.text_embeddings[0].count],
            values: f.text_embeddings.flatMap { $0 })
        return try DescriptorScorer(vocabulary: vocabulary, embeddings: embeddings)
    }

    @Test(arguments: 0..<4) func topTagsMatchForwardTags(caseIndex: Int) throws {
        let f = Self.fixture
        let c = f.cases[caseIndex]
        let results = try scorer().top(f.image_features, k: c.k, threshold: c.threshold)
        #expect(results.count == c.results.count)
        for (got, want) in zip(results, c.results) {
            #expect(got.map(\.text) == want.indexes.map { f.vocabulary[$0] })
            let err = zip(got.map(\.score), want.scores).map { abs($0 - $1) }.max() ?? 0
            #expect(err <= 1e-5, "max abs score error \(err)")
        }
    }

    @Test func atLeastOneCaseFiltersByThreshold() {
        // Guards the fixture itself: the threshold must actually remove entries in some case.
        let c = Self.fixture.cases
        #expect(c.contains { $0.results.contains { $0.indexes.count < 5 && $0.indexes.count > 0 } })
        #expect(c.contains { $0.results.allSatisfy { $0.indexes.isEmpty } })
    }

    @Test(arguments: 0..<3) func promptMatchesCreatePromptSample(index: Int) {
        let p = Self.fixture.prompts[index]
        #expect(
            LENSPrompt.make(tags: p.tags, attributes: p.attributes, captions: p.captions, question: p.question)
                == p.prompt)
    }

    @Test func promptWithoutCaptionerOmitsCaptions() {
        let prompt = LENSPrompt.make(tags: ["cat"], attributes: ["orange"], captions: nil, question: "What?")
        #expect(prompt == "Tags:\n-cat\nAttributes:\n-orange\nQuestion:What?\nShort Answer:")
    }
}

@Suite struct DescriptorVocabularyTests {
    @Test func duplicatesAreDroppedAndReported() throws {
        let v = try DescriptorVocabulary(name: "v", lines: ["cat", " dog ", "", "# comment", "cat", "dog", "cat"])
        #expect(v.entries == ["cat", "dog"])
        #expect(v.duplicates == ["cat", "dog"])
    }

    @Test func emptyVocabularyIsAnError() {
        #expect(throws: LENSError.emptyVocabulary(name: "empty.txt")) {
            try DescriptorVocabulary(name: "empty.txt", lines: ["", "  ", "# only a comment"])
        }
    }

    @Test func defaultVocabulariesShip() throws {
        let tags = try DescriptorVocabulary.defaultTags()
        let attributes = try DescriptorVocabulary.defaultAttributes()
        #expect(tags.entries.count > 5000)
        #expect(attributes.entries.count > 2000)
        #expect(tags.entries.contains("cat") && attributes.entries.contains("red"))
    }

    @Test func digestChangesWithEntries() throws {
        let a = try DescriptorVocabulary(name: "a", lines: ["cat", "dog"])
        let b = try DescriptorVocabulary(name: "a", lines: ["cat", "dogs"])
        #expect(a.digest != b.digest)
    }
}

/// An embedder with fixed vectors, counting how often it is asked to embed text.
final class CountingEmbedder: SharedSpaceEmbedder, @unchecked Sendable {
    let modelID: String
    private let lock = NSLock()
    private var calls = 0
    init(modelID: String) { self.modelID = modelID }

    var textCalls: Int { lock.withLock { calls } }
    func supports(_ modality: Modality) -> Bool { modality == .text || modality == .image }
    func modality(of url: URL) throws -> Modality { url.pathExtension == "wav" ? .audio : .image }
    func embedTexts(_ texts: [String]) async throws -> [[Float]] {
        lock.withLock { calls += 1 }
        return texts.map { text in
            var v = [Float](repeating: 0, count: 8)
            for (i, byte) in text.utf8.enumerated() { v[i % 8] += Float(byte) / 100 }
            return v
        }
    }
    func embedFiles(_ urls: [URL]) async throws -> [Embedding] {
        urls.map {
            Embedding(vector: [1, 0, 0, 0, 0, 0, 0, 0], modality: .image, modelID: modelID, sources: [$0.path])
        }
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

@Suite struct VocabularyCacheTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fuse-lens-\(UUID().uuidString)")
    }

    @Test func cacheIsBuiltOnceAndReused() async throws {
        let cache = VocabularyCache(directory: temporaryDirectory())
        let embedder = CountingEmbedder(modelID: "m")
        let vocabulary = try DescriptorVocabulary(name: "v.txt", lines: ["cat", "dog", "bird"])
        let first = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder)
        let second = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder)
        #expect(embedder.textCalls == 1)
        #expect(first.scalars == second.scalars)
        #expect(first.shape == [3, 8])
    }

    @Test func changedVocabularyOrModelInvalidates() async throws {
        let cache = VocabularyCache(directory: temporaryDirectory())
        let embedder = CountingEmbedder(modelID: "m")
        _ = try await cache.embeddings(
            for: try DescriptorVocabulary(name: "v", lines: ["cat"]), template: "{}",
            embedder: embedder)
        _ = try await cache.embeddings(
            for: try DescriptorVocabulary(name: "v", lines: ["cat", "dog"]),
            template: "{}", embedder: embedder)
        _ = try await cache.embeddings(
            for: try DescriptorVocabulary(name: "v", lines: ["cat"]), template: "{}",
            embedder: CountingEmbedder(modelID: "other"))
        #expect(embedder.textCalls == 2)
    }

    @Test func corruptCacheIsRebuiltNotTrusted() async throws {
        let cache = VocabularyCache(directory: temporaryDirectory())
        let embedder = CountingEmbedder(modelID: "m")
        let vocabulary = try DescriptorVocabulary(name: "v", lines: ["cat", "dog"])
        let good = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder)
        let url = cache.fileURL(for: vocabulary, modelID: "m", template: "{}")
        try Data("garbage".utf8).write(to: url)
        let reported = Flag()
        let rebuilt = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder) { event in
            if case .rebuiltCorrupt = event { reported.set() }
        }
        #expect(reported.isSet)
        #expect(embedder.textCalls == 2)
        #expect(rebuilt.scalars == good.scalars)
    }

    @Test func describerBuildsPromptFromTopDescriptors() async throws {
        let embedder = CountingEmbedder(modelID: "m")
        var options = Describer.Options()
        options.threshold = -1
        options.topK = 2
        options.templates[.image] = .init(tag: "{}", attribute: "{}")
        let describer = try await Describer.prepare(
            embedder: embedder, tags: try DescriptorVocabulary(name: "t", lines: ["a", "b", "c"]),
            attributes: try DescriptorVocabulary(name: "a", lines: ["x"]), options: options,
            cache: VocabularyCache(directory: temporaryDirectory()))
        let description = try await describer.describe([URL(fileURLWithPath: "/tmp/x.png")], question: "Q?")[0]
        #expect(description.tags.count == 2)
        #expect(description.captions == nil)
        #expect(description.prompt.hasPrefix("Tags:\n-"))
        #expect(!description.prompt.contains("Captions:"))
        #expect(description.prompt.hasSuffix("\nQuestion:Q?\nShort Answer:"))
    }
}

/// The scoring kernel against a plain double-precision dot product, on widths that exercise its 16-, 8- and
/// 1-lane paths (one and four queries at a time) and enough rows to split across cores. Tolerance 1e-5 (float32
/// sums of ≤ 512 products of values in [-0.5, 0.5)).
@Suite struct ScoringKernelTests {
    @Test(arguments: [1, 7, 8, 16, 37, 67, 512])
    func matchesDoublePrecisionDots(dimension: Int) {
        let rows = 5000, queryCount = 7  // one group of four queries, then three one at a time
        var state: UInt32 = 12345
        func next() -> Float {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 24) - 0.5
        }
        let vocabulary = (0..<(rows * dimension)).map { _ in next() }
        let queries = (0..<(queryCount * dimension)).map { _ in next() }
        var scores = [Float](repeating: .nan, count: rows * queryCount)
        vocabulary.withUnsafeBufferPointer { v in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    ScoringKernel.scores(
                        vocabulary: v, rows: rows, dimension: dimension, queries: q,
                        queryCount: queryCount, into: s)
                }
            }
        }
        var worst: Double = 0
        for query in 0..<queryCount {
            for row in 0..<rows {
                var dot: Double = 0
                for i in 0..<dimension {
                    dot += Double(vocabulary[row * dimension + i]) * Double(queries[query * dimension + i])
                }
                worst = max(worst, abs(dot - Double(scores[query * rows + row])))
            }
        }
        #expect(worst <= 1e-5, "max abs error \(worst)")
    }

    @Test func nonFiniteQueryIsRefused() throws {
        let scorer = try DescriptorScorer(
            vocabulary: DescriptorVocabulary(name: "v", lines: ["a", "b"]),
            embeddings: Tensor(shape: [2, 2], values: [1, 0, 0, 1]))
        #expect(throws: LENSError.invalidParameter("a query embedding has non-finite components (NaN or infinity)")) {
            try scorer.top([[.nan, 1]], k: 1, threshold: 0)
        }
    }
}
