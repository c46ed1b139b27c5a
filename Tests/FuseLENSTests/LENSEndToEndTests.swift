import Foundation
import FuseTestSupport
import Testing
import Fuse
@testable import FuseLENS

/// LENS end to end through the real plugins and model: a tiny CLIP whose tokenizer is OpenAI CLIP's BPE (first 600
/// merges), vocabulary text through the text plugin and CLIP text tower, samples/images/*.png through the image
/// plugin and vision tower, then scoring, retrieval captions and the prompt — against transformers' CLIPModel and
/// LENS's forward_tags / create_prompt_sample re-implemented in torch (tools/reference/lens_clip_fixture.py).
/// Embeddings and scores: ≤ 1e-4 max abs; chosen entries, their order and the prompts: identical.
@Suite struct LENSEndToEndTests {
    struct Ranked: Decodable { let indexes: [Int]; let scores: [Float] }
    struct Case: Decodable { let k: Int; let threshold: Float; let tags: [Ranked]; let attributes: [Ranked] }
    struct Fixture: Decodable {
        let tag_template: String
        let attribute_template: String
        let images: [String]
        let tags: [String]
        let attributes: [String]
        let captions: [String]
        let tag_embeddings: [[Float]]
        let attribute_embeddings: [[Float]]
        let image_embeddings: [[Float]]
        let cases: [Case]
        let caption_count: Int
        let caption_ranking: [Ranked]
        let prompt_case: Int
        let question: String
        let prompts: [String]
    }

    static let lens = FixturePaths.url("lens")
    static let repository = FixturePaths.repository
    static let fixture: Fixture = {
        try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: lens.appendingPathComponent("e2e.json")))
    }()

    /// A fixture model folder below `Tests/Fixtures`.
    static func runtime(_ folder: String = "lens/clip") throws -> FuseRuntime {
        let directory = FixturePaths.url(folder)
        return try FuseRuntime(modelDirectory: directory, plugins: BuiltinPlugins.all)
    }

    static var imageURLs: [URL] {
        fixture.images.map { repository.appendingPathComponent("samples/images").appendingPathComponent($0) }
    }

    static func temporaryCache() -> VocabularyCache {
        VocabularyCache(
            directory: FileManager.default.temporaryDirectory
                .appendingPathComponent("fuse-lens-e2e-\(UUID().uuidString)"))
    }

    static func options(k: Int, threshold: Float) -> Describer.Options {
        var options = Describer.Options()
        options.topK = k
        options.threshold = threshold
        options.captionCount = fixture.caption_count
        options.templates[.image] = .init(tag: fixture.tag_template, attribute: fixture.attribute_template)
        return options
    }

    @Test func vocabularyTextEmbeddingsMatchTransformers() async throws {
        let f = Self.fixture
        let runtime = try Self.runtime()
        let cache = Self.temporaryCache()
        let tags = try await cache.embeddings(
            for: DescriptorVocabulary(name: "tags", lines: f.tags),
            template: f.tag_template, embedder: runtime)
        let attributes = try await cache.embeddings(
            for: DescriptorVocabulary(name: "attributes", lines: f.attributes),
            template: f.attribute_template, embedder: runtime)
        let tagError = maxAbsDifference(
            (0..<f.tags.count).map { try! tags.rows($0..<($0 + 1)).scalars }, f.tag_embeddings)
        let attributeError = maxAbsDifference(
            (0..<f.attributes.count).map { try! attributes.rows($0..<($0 + 1)).scalars },
            f.attribute_embeddings)
        #expect(tagError <= 1e-4, "tags: max abs error \(tagError)")
        #expect(attributeError <= 1e-4, "attributes: max abs error \(attributeError)")
    }

    @Test func imageEmbeddingsMatchTransformers() async throws {
        let embeddings = try await Self.runtime().embedFiles(Self.imageURLs)
        let error = maxAbsDifference(embeddings.map(\.vector), Self.fixture.image_embeddings)
        #expect(embeddings.allSatisfy { $0.modality == .image })
        #expect(error <= 1e-4, "max abs error \(error)")
    }

    @Test(arguments: 0..<4) func describeMatchesForwardTags(caseIndex: Int) async throws {
        let f = Self.fixture
        let c = f.cases[caseIndex]
        let describer = try await Describer.prepare(
            embedder: try Self.runtime(),
            tags: DescriptorVocabulary(contentsOf: Self.lens.appendingPathComponent("tags.txt")),
            attributes: DescriptorVocabulary(contentsOf: Self.lens.appendingPathComponent("attributes.txt")),
            options: Self.options(k: c.k, threshold: c.threshold), cache: Self.temporaryCache())
        let descriptions = try await describer.describe(Self.imageURLs, question: f.question)
        #expect(descriptions.count == f.images.count)
        for (row, description) in descriptions.enumerated() {
            #expect(description.tags.map(\.text) == c.tags[row].indexes.map { f.tags[$0] })
            #expect(description.attributes.map(\.text) == c.attributes[row].indexes.map { f.attributes[$0] })
            let tagError = maxAbsDifference([description.tags.map(\.score)], [c.tags[row].scores])
            let attributeError = maxAbsDifference([description.attributes.map(\.score)], [c.attributes[row].scores])
            #expect(tagError <= 1e-4 && attributeError <= 1e-4, "score errors \(tagError), \(attributeError)")
            #expect(description.captions == nil)
            #expect(!description.prompt.contains("Captions:"))
        }
    }

    @Test func retrievedCaptionsAndPromptMatchLENS() async throws {
        let f = Self.fixture
        let c = f.cases[f.prompt_case]
        let runtime = try Self.runtime()
        let cache = Self.temporaryCache()
        let captioner = try await RetrievalCaptioner.prepare(
            bank: DescriptorVocabulary(contentsOf: Self.lens.appendingPathComponent("captions.txt")),
            embedder: runtime, cache: cache)
        let describer = try await Describer.prepare(
            embedder: runtime,
            tags: DescriptorVocabulary(contentsOf: Self.lens.appendingPathComponent("tags.txt")),
            attributes: DescriptorVocabulary(contentsOf: Self.lens.appendingPathComponent("attributes.txt")),
            captioner: captioner, options: Self.options(k: c.k, threshold: c.threshold), cache: cache)
        let descriptions = try await describer.describe(Self.imageURLs, question: f.question)
        for (row, description) in descriptions.enumerated() {
            #expect(description.captions == f.caption_ranking[row].indexes.map { f.captions[$0] })
            #expect(description.prompt == f.prompts[row])
        }
    }

    @Test func secondPreparationLoadsTheCache() async throws {
        let f = Self.fixture
        let runtime = try Self.runtime()
        let cache = Self.temporaryCache()
        let tags = try DescriptorVocabulary(name: "tags", lines: f.tags)
        let built = try await cache.embeddings(for: tags, template: f.tag_template, embedder: runtime)
        let building = Flag()
        let loaded = try await cache.embeddings(for: tags, template: f.tag_template, embedder: runtime) { event in
            if case .building = event { building.set() }
        }
        #expect(!building.isSet)
        #expect(loaded.scalars == built.scalars)
    }
}

/// Audio tags: the same mechanism on a model whose audio tower shares the text space (the tiny Meta-Transformer
/// fixture: text, image and audio towers over one encoder). No LENS reference exists for audio, so this checks the
/// describer against the pieces it is made of: the audio file's embedding from `FuseRuntime.embed(file:)` scored
/// against `embedTexts` of the audio-templated entries with a plain dot product computed here (≤ 1e-5 per score).
@Suite struct LENSAudioTests {
    @Test func audioTagsScoreTheAudioEmbeddingAgainstAudioTemplates() async throws {
        let runtime = try LENSEndToEndTests.runtime("models/meta")
        let entries = ["dog", "cat", "engine", "music", "speech", "rain", "bird", "bell"]
        let vocabulary = try DescriptorVocabulary(name: "sounds", lines: entries)
        var options = Describer.Options()
        options.topK = 3
        options.threshold = -1
        let describer = try await Describer.prepare(
            embedder: runtime, tags: vocabulary, attributes: vocabulary,
            options: options, modalities: [.audio],
            cache: LENSEndToEndTests.temporaryCache())
        let wav = LENSEndToEndTests.repository.appendingPathComponent("samples/audio/cat.wav")
        let description = try await describer.describe([wav], question: "What is heard?")[0]
        #expect(description.modality == "audio")

        let audio = try await runtime.embed(file: wav).vector
        let templates = options.templates(for: .audio)
        let texts = try await runtime.embedTexts(entries.map { templates.tag.replacingOccurrences(of: "{}", with: $0) })
        let scores = Dictionary(uniqueKeysWithValues: zip(entries, texts.map { zip($0, audio).map(*).reduce(0, +) }))
        // Near-ties (this random tiny model has several within 1e-7) may order either way, so check values, not
        // order: each chosen tag scores what the direct computation says, and nothing left out scores higher.
        #expect(description.tags.count == 3)
        for tag in description.tags {
            #expect(abs(tag.score - scores[tag.text]!) <= 1e-5, "\(tag.text): \(tag.score) vs \(scores[tag.text]!)")
        }
        let lowestChosen = description.tags.map(\.score).min() ?? .infinity
        let chosen = Set(description.tags.map(\.text))
        let highestLeftOut = scores.filter { !chosen.contains($0.key) }.values.max() ?? -.infinity
        #expect(highestLeftOut <= lowestChosen + 1e-5, "left out \(highestLeftOut) above chosen \(lowestChosen)")
        #expect(description.prompt.hasSuffix("\nQuestion:What is heard?\nShort Answer:"))
    }
}
